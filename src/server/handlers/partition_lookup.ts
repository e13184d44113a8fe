/**
 * Shared by the per-partition admin and offset handlers: find a partition's
 * log or the Kafka error for why there is none, the leader epoch check, and
 * leadership (NOT_LEADER_OR_FOLLOWER for a partition another broker leads,
 * through leadership.ts). Used by ListOffsets, OffsetForLeaderEpoch and
 * DeleteRecords.
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { topicNameError } from "../../metadata/topic_name.ts";
import type { PartitionLog } from "../../storage/log.ts";
import type { Broker } from "../broker.ts";
import { notLeader } from "../leadership.ts";

export type Lookup = { log: PartitionLog; leaderEpoch: number } | { errorCode: number };

export async function lookupPartition(
  broker: Broker,
  topic: string,
  partition: number,
  currentLeaderEpoch = -1,
): Promise<Lookup> {
  const t = broker.image.topic(topic);
  if (!t) {
    return {
      errorCode: topicNameError(topic)
        ? ErrorCode.INVALID_TOPIC_EXCEPTION
        : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    };
  }
  const meta = t.partitions[partition];
  if (!meta) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
  if (currentLeaderEpoch >= 0 && currentLeaderEpoch !== meta.leaderEpoch) {
    return {
      errorCode: currentLeaderEpoch < meta.leaderEpoch
        ? ErrorCode.FENCED_LEADER_EPOCH
        : ErrorCode.UNKNOWN_LEADER_EPOCH,
    };
  }
  const elsewhere = notLeader(broker, topic, partition);
  if (elsewhere) return { errorCode: elsewhere.errorCode };
  const log = await broker.partitions.partition(topic, partition);
  if (!log) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
  if (log.isOffline) return { errorCode: ErrorCode.KAFKA_STORAGE_ERROR };
  return { log, leaderEpoch: meta.leaderEpoch };
}
