/**
 * DeleteRecords (21), v0-2: moves each partition's log start offset up to the
 * given offset (-1 = the high watermark); earlier segments are deleted in the
 * background. An offset above the high watermark is OFFSET_OUT_OF_RANGE. The
 * response's low_watermark is the new log start offset.
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { OffsetOutOfRangeError } from "../../storage/errors.ts";
import { handler } from "../handler.ts";
import { lookupPartition } from "./partition_lookup.ts";

export const deleteRecordsHandler = handler(21, { min: 0, max: 2 }, async (ctx, req) => ({
  throttleTimeMs: 0,
  topics: await Promise.all(req.topics.map(async (t) => ({
    name: t.name,
    partitions: await Promise.all(t.partitions.map(async (p) => {
      const found = await lookupPartition(ctx.broker, t.name, p.partitionIndex);
      if ("errorCode" in found) {
        return { partitionIndex: p.partitionIndex, lowWatermark: -1, errorCode: found.errorCode };
      }
      const log = found.log;
      const target = p.offset === -1 ? log.highWatermark : p.offset;
      if (target < 0) {
        return {
          partitionIndex: p.partitionIndex,
          lowWatermark: -1,
          errorCode: ErrorCode.OFFSET_OUT_OF_RANGE,
        };
      }
      try {
        const low = log.deleteRecordsBefore(target);
        return { partitionIndex: p.partitionIndex, lowWatermark: low, errorCode: ErrorCode.NONE };
      } catch (e) {
        if (e instanceof OffsetOutOfRangeError) {
          return {
            partitionIndex: p.partitionIndex,
            lowWatermark: -1,
            errorCode: ErrorCode.OFFSET_OUT_OF_RANGE,
          };
        }
        throw e;
      }
    })),
  }))),
}));
