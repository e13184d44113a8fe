/**
 * Partition leadership, checked in one place: a broker serves the data of a
 * partition (Produce, Fetch, ListOffsets, OffsetForLeaderEpoch, DeleteRecords)
 * only when the metadata image names it the partition's leader; otherwise the
 * client gets NOT_LEADER_OR_FOLLOWER and refreshes its metadata. A single
 * combined node leads every partition, so there this never refuses.
 * Not implemented: follower fetching (KIP-392) and replica fetches, since
 * partition data is not replicated between brokers yet.
 */
import { ErrorCode } from "../protocol/errors.ts";
import type { Broker } from "./broker.ts";

/**
 * NOT_LEADER_OR_FOLLOWER with a message when the image has this partition led
 * by another broker; null when this broker leads it or the image lacks it (the
 * caller reports an unknown partition its own way).
 */
export function notLeader(
  broker: Broker,
  topic: string,
  partition: number,
): { errorCode: number; errorMessage: string } | null {
  const p = broker.image.topic(topic)?.partitions[partition];
  if (p === undefined || p.leader === broker.config.nodeId) return null;
  return {
    errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER,
    errorMessage: `broker ${broker.config.nodeId} does not lead ${topic}-${partition} (leader ${
      p.leader < 0 ? "none" : p.leader
    })`,
  };
}
