/**
 * Partition leadership, checked in one place (ShardCore, wherever the
 * partition lives: this thread or a shard worker): a broker serves the data of a
 * partition (Produce, Fetch, ListOffsets, OffsetForLeaderEpoch, DeleteRecords)
 * only when the metadata image names it the partition's leader; otherwise the
 * client gets NOT_LEADER_OR_FOLLOWER and refreshes its metadata. A single
 * combined node leads every partition, so there this never refuses.
 * Not implemented: follower fetching (KIP-392) and replica fetches, since
 * partition data is not replicated between brokers yet.
 */
import type { MetadataImage } from "../metadata/image.ts";
import { ErrorCode } from "../protocol/errors.ts";

/**
 * NOT_LEADER_OR_FOLLOWER with a message when the image has this partition led
 * by another broker; null when this broker leads it or the image lacks it (the
 * caller reports an unknown partition its own way).
 */
export function notLeader(
  image: MetadataImage,
  nodeId: number,
  topic: string,
  partition: number,
): { errorCode: number; errorMessage: string } | null {
  const p = image.topic(topic)?.partitions[partition];
  if (p === undefined || p.leader === nodeId) return null;
  return {
    errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER,
    errorMessage: `broker ${nodeId} does not lead ${topic}-${partition} (leader ${
      p.leader < 0 ? "none" : p.leader
    })`,
  };
}
