/**
 * DescribeQuorum (55), v0-2: the metadata quorum's leader, epoch, high
 * watermark, voters and observers with their log end offsets and fetch times
 * (v1+), and node endpoints (v2), straight from the Raft core. Leadership
 * changes show here as a new leader id and epoch.
 * Only the `__cluster_metadata` partition exists; other topics get
 * UNKNOWN_TOPIC_OR_PARTITION.
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { handler } from "../handler.ts";

export const describeQuorumHandler = handler(55, { min: 0, max: 2 }, (ctx, req) => {
  const res = ctx.broker.quorum!.describe();
  const known = new Set(res.topics.map((t) => t.topicName));
  const unknown = req.topics.filter((t) => !known.has(t.topicName));
  return {
    ...res,
    topics: [
      ...res.topics.filter((t) => req.topics.some((r) => r.topicName === t.topicName)),
      ...unknown.map((t) => ({
        topicName: t.topicName,
        partitions: t.partitions.map((p) => ({
          partitionIndex: p.partitionIndex,
          errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
          errorMessage: null,
          leaderId: -1,
          leaderEpoch: -1,
          highWatermark: -1,
          currentVoters: [],
          observers: [],
        })),
      })),
    ],
  };
});
