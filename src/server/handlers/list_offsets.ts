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
 * - A DataNode handler: the version checks are here, the offsets come from the
 *   DataPath (one call for the request).
 */
import { ErrorCode } from "../../protocol/errors.ts";
import type { ListOffsetsResponseListOffsetsPartitionResponse } from "../../protocol/generated/mod.ts";
import { ZERO_UUID } from "../../protocol/uuid.ts";
import type { OffsetsEntry, OffsetsOutcome } from "../data_path.ts";
import { dataHandler } from "../handler.ts";

const EARLIEST = -2, LATEST = -1, MAX_TIMESTAMP = -3, EARLIEST_LOCAL = -4, LATEST_TIERED = -5;
const minVersionFor: Record<number, number> = {
  [LATEST]: 0,
  [EARLIEST]: 0,
  [MAX_TIMESTAMP]: 7,
  [EARLIEST_LOCAL]: 8,
  [LATEST_TIERED]: 9,
};

export const listOffsetsHandler = dataHandler(2, { min: 0, max: 10 }, async (ctx, req) => {
  const node = ctx.broker;
  const v = ctx.header.apiVersion;
  const entries: OffsetsEntry[] = [];
  // Per partition: the answer already known (a version error), or its entry's index.
  const slots = req.topics.map((t) =>
    t.partitions.map((p): OffsetsOutcome | number => {
      const ts = p.timestamp;
      if (ts < 0 && (minVersionFor[ts] === undefined || v < minVersionFor[ts])) {
        return {
          errorCode: ts < -5 ? ErrorCode.INVALID_REQUEST : ErrorCode.UNSUPPORTED_VERSION,
          offset: -1,
          timestamp: -1,
          leaderEpoch: -1,
        };
      }
      entries.push({
        topic: t.name,
        topicId: node.image.topic(t.name)?.topicId ?? ZERO_UUID,
        partition: p.partitionIndex,
        currentLeaderEpoch: v >= 4 ? p.currentLeaderEpoch : -1,
        timestamp: ts,
      });
      return entries.length - 1;
    })
  );
  const isolation = v >= 2 ? req.isolationLevel : 0;
  const found = entries.length > 0 ? await node.data.listOffsets(isolation, entries) : [];
  const topics = req.topics.map((t, ti) => ({
    name: t.name,
    partitions: t.partitions.map((p, pi) => {
      const s = slots[ti][pi];
      const o = typeof s === "number" ? found[s] : s;
      return {
        partitionIndex: p.partitionIndex,
        errorCode: o.errorCode,
        oldStyleOffsets: o.offset >= 0 ? [o.offset] : [],
        timestamp: o.timestamp,
        offset: o.offset,
        leaderEpoch: o.leaderEpoch,
      } satisfies ListOffsetsResponseListOffsetsPartitionResponse;
    }),
  }));
  return { throttleTimeMs: 0, topics };
});
