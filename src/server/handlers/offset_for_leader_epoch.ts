/**
 * OffsetForLeaderEpoch (23), v0-4 (KIP-101, KIP-320): for each partition, the
 * largest leader epoch <= the requested one and the offset where the next
 * epoch starts (the log end for the latest epoch), from the log's leader epoch
 * cache; [-1, -1] when the epoch precedes everything known. v2+ checks
 * current_leader_epoch (FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH).
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { handler } from "../handler.ts";
import { lookupPartition } from "./partition_lookup.ts";

export const offsetForLeaderEpochHandler = handler(23, { min: 0, max: 4 }, async (ctx, req) => ({
  throttleTimeMs: 0,
  topics: await Promise.all(req.topics.map(async (t) => ({
    topic: t.topic,
    partitions: await Promise.all(t.partitions.map(async (p) => {
      const found = await lookupPartition(
        ctx.broker,
        t.topic,
        p.partition,
        ctx.header.apiVersion >= 2 ? p.currentLeaderEpoch : -1,
      );
      if ("errorCode" in found) {
        return {
          errorCode: found.errorCode,
          partition: p.partition,
          leaderEpoch: -1,
          endOffset: -1,
        };
      }
      const log = found.log;
      // A log that has never been appended to still belongs to the current epoch.
      const epochs = log.leaderEpochs.entries.length > 0
        ? log.leaderEpochs.endOffsetFor(p.leaderEpoch, log.logEndOffset)
        : p.leaderEpoch >= found.leaderEpoch
        ? { leaderEpoch: found.leaderEpoch, endOffset: log.logEndOffset }
        : { leaderEpoch: -1, endOffset: -1 };
      return { errorCode: ErrorCode.NONE, partition: p.partition, ...epochs };
    })),
  }))),
}));
