/**
 * OffsetForLeaderEpoch (23), v0-4 (KIP-101, KIP-320): for each partition, the
 * largest leader epoch <= the requested one and the offset where the next
 * epoch starts (the log end for the latest epoch), from the log's leader epoch
 * cache; [-1, -1] for an epoch above every known one. v2+ checks
 * current_leader_epoch (FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH). The
 * answer is the DataPath's (ShardCore's endOffsetFor), one call per request.
 */
import { ZERO_UUID } from "../../protocol/uuid.ts";
import type { EpochEntry } from "../data_path.ts";
import { handler } from "../handler.ts";

export const offsetForLeaderEpochHandler = handler(23, { min: 0, max: 4 }, async (ctx, req) => {
  const broker = ctx.broker;
  const entries: EpochEntry[] = req.topics.flatMap((t) =>
    t.partitions.map((p) => ({
      topic: t.topic,
      topicId: broker.image.topic(t.topic)?.topicId ?? ZERO_UUID,
      partition: p.partition,
      currentLeaderEpoch: ctx.header.apiVersion >= 2 ? p.currentLeaderEpoch : -1,
      leaderEpoch: p.leaderEpoch,
    }))
  );
  const outcomes = entries.length > 0 ? await broker.data.offsetForLeaderEpoch(entries) : [];
  let i = 0;
  return {
    throttleTimeMs: 0,
    topics: req.topics.map((t) => ({
      topic: t.topic,
      partitions: t.partitions.map((p) => {
        const o = outcomes[i++];
        return {
          errorCode: o.errorCode,
          partition: p.partition,
          leaderEpoch: o.leaderEpoch,
          endOffset: o.endOffset,
        };
      }),
    })),
  };
});
