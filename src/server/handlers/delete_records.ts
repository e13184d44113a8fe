/**
 * DeleteRecords (21), v0-2: moves each partition's log start offset up to the
 * given offset (-1 = the high watermark); earlier segments are deleted in the
 * background. An offset above the high watermark is OFFSET_OUT_OF_RANGE. The
 * response's low_watermark is the new log start offset. The work is the
 * DataPath's (one call for the request).
 */
import { ZERO_UUID } from "../../protocol/uuid.ts";
import type { DeleteRecordsEntry } from "../data_path.ts";
import { handler } from "../handler.ts";

export const deleteRecordsHandler = handler(21, { min: 0, max: 2 }, async (ctx, req) => {
  const broker = ctx.broker;
  const entries: DeleteRecordsEntry[] = req.topics.flatMap((t) =>
    t.partitions.map((p) => ({
      topic: t.name,
      topicId: broker.image.topic(t.name)?.topicId ?? ZERO_UUID,
      partition: p.partitionIndex,
      offset: p.offset,
    }))
  );
  const outcomes = entries.length > 0 ? await broker.data.deleteRecords(entries) : [];
  let i = 0;
  return {
    throttleTimeMs: 0,
    topics: req.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => {
        const o = outcomes[i++];
        return {
          partitionIndex: p.partitionIndex,
          lowWatermark: o.lowWatermark,
          errorCode: o.errorCode,
        };
      }),
    })),
  };
});
