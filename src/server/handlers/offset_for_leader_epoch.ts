/**
 * OffsetForLeaderEpoch (23), v0-4 (KIP-101, KIP-320): for each partition, the
 * largest leader epoch <= the requested one and the offset where the next
 * epoch starts (the log end for the latest epoch), from the log's leader epoch
 * cache; [-1, -1] for an epoch above every known one. v2+ checks
 * current_leader_epoch (FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH).
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { handler } from "../handler.ts";
import { lookupPartition } from "./partition_lookup.ts";

/**
 * Kafka's answer (LeaderEpochFileCache.endOffsetFor): the requested epoch if
 * it is the latest (ending at the log end); otherwise the largest epoch <= it
 * (or the epoch itself when it precedes all) ending where the next epoch
 * starts; [-1, -1] for an undefined epoch or one above every known epoch.
 * A log never appended to is in the current epoch.
 */
function endOffsetFor(
  entries: readonly { epoch: number; startOffset: number }[],
  requested: number,
  currentEpoch: number,
  logEnd: number,
): { leaderEpoch: number; endOffset: number } {
  const undefinedEpoch = { leaderEpoch: -1, endOffset: -1 };
  if (requested < 0) return undefinedEpoch;
  const latest = entries.length > 0 ? entries[entries.length - 1].epoch : currentEpoch;
  if (requested === latest) return { leaderEpoch: requested, endOffset: logEnd };
  const higher = entries.find((e) => e.epoch > requested);
  if (!higher) return undefinedEpoch;
  const floor = entries.findLast((e) => e.epoch <= requested);
  return { leaderEpoch: floor ? floor.epoch : requested, endOffset: higher.startOffset };
}

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
      const epochs = endOffsetFor(
        found.log.leaderEpochs.entries,
        p.leaderEpoch,
        found.leaderEpoch,
        found.log.logEndOffset,
      );
      return { errorCode: ErrorCode.NONE, partition: p.partition, ...epochs };
    })),
  }))),
}));
