/**
 * ListOffsets (2), v0-10.
 * - -2 EARLIEST: log start offset; -1 LATEST: high watermark (read_uncommitted)
 *   or last stable offset (read_committed, v2+; equal while no transactions);
 *   -3 MAX_TIMESTAMP (v7+): the record with the largest timestamp;
 *   -4 EARLIEST_LOCAL (v8+): the log start (all data is local);
 *   -5 LATEST_TIERED (v9+): -1 (no tiered storage). A special timestamp the
 *   request version does not know is UNSUPPORTED_VERSION for that partition.
 * - t >= 0: the first offset whose record timestamp is >= t, via the time
 *   index; none found (or only above the high watermark) gives offset -1 and
 *   timestamp -1 with no error.
 * - v0 answers old_style_offsets with that one offset (Kafka listed segment
 *   base offsets there; clients only read the first).
 * - v4+ checks current_leader_epoch and returns the leader epoch.
 */
import { ErrorCode } from "../../protocol/errors.ts";
import type { ListOffsetsResponseListOffsetsPartitionResponse } from "../../protocol/generated/mod.ts";
import { OffsetOutOfRangeError } from "../../storage/errors.ts";
import { handler } from "../handler.ts";
import { lookupPartition } from "./partition_lookup.ts";

const EARLIEST = -2, LATEST = -1, MAX_TIMESTAMP = -3, EARLIEST_LOCAL = -4, LATEST_TIERED = -5;
const minVersionFor: Record<number, number> = {
  [LATEST]: 0,
  [EARLIEST]: 0,
  [MAX_TIMESTAMP]: 7,
  [EARLIEST_LOCAL]: 8,
  [LATEST_TIERED]: 9,
};

export const listOffsetsHandler = handler(2, { min: 0, max: 10 }, async (ctx, req) => {
  const broker = ctx.broker;
  const v = ctx.header.apiVersion;
  const topics = await Promise.all(req.topics.map(async (t) => ({
    name: t.name,
    partitions: await Promise.all(t.partitions.map(async (p) => {
      const res = (errorCode: number, offset = -1, timestamp = -1, leaderEpoch = -1) =>
        ({
          partitionIndex: p.partitionIndex,
          errorCode,
          oldStyleOffsets: offset >= 0 ? [offset] : [],
          timestamp,
          offset,
          leaderEpoch,
        }) satisfies ListOffsetsResponseListOffsetsPartitionResponse;
      const ts = p.timestamp;
      if (ts < 0 && (minVersionFor[ts] === undefined || v < minVersionFor[ts])) {
        return res(ts < -5 ? ErrorCode.INVALID_REQUEST : ErrorCode.UNSUPPORTED_VERSION);
      }
      const found = await lookupPartition(
        broker,
        t.name,
        p.partitionIndex,
        v >= 4 ? p.currentLeaderEpoch : -1,
      );
      if ("errorCode" in found) return res(found.errorCode);
      const { log, leaderEpoch } = found;
      try {
        // With no transactions the last stable offset is the high watermark.
        const hw = log.highWatermark;
        switch (ts) {
          case EARLIEST:
          case EARLIEST_LOCAL:
            return res(ErrorCode.NONE, log.logStartOffset, -1, leaderEpoch);
          case LATEST:
            return res(ErrorCode.NONE, hw, -1, leaderEpoch);
          case LATEST_TIERED:
            return res(ErrorCode.NONE, -1, -1, leaderEpoch);
          case MAX_TIMESTAMP: {
            const m = log.maxTimestampOffset();
            return m && m.offset < hw
              ? res(ErrorCode.NONE, m.offset, m.timestamp, leaderEpoch)
              : res(ErrorCode.NONE, -1, -1, leaderEpoch);
          }
          default: {
            const f = log.offsetForTimestamp(ts);
            return f && f.offset < hw
              ? res(ErrorCode.NONE, f.offset, f.timestamp, leaderEpoch)
              : res(ErrorCode.NONE, -1, -1, leaderEpoch);
          }
        }
      } catch (e) {
        if (e instanceof OffsetOutOfRangeError) return res(ErrorCode.OFFSET_OUT_OF_RANGE);
        throw e;
      }
    })),
  })));
  return { throttleTimeMs: 0, topics };
});
