/**
 * DescribeLogDirs (35), v0-4: each log directory, online or not
 * (KAFKA_STORAGE_ERROR), with the size of each partition on it; offset lag is
 * 0 (no future replicas). v4 adds the directory's total and usable bytes.
 * The dirs and partitions come from the DataPath (every owner's).
 * Not implemented: total/usable bytes (reported as -1, "unknown", which v4 allows).
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { handler } from "../handler.ts";

export const describeLogDirsHandler = handler(35, { min: 0, max: 4 }, async (ctx, req) => {
  const wanted = req.topics === null
    ? null
    : new Map(req.topics.map((t) => [t.topic, new Set(t.partitions)]));
  return {
    throttleTimeMs: 0,
    errorCode: ErrorCode.NONE,
    results: (await ctx.broker.data.logDirs()).map((d) => {
      const topics = new Map<
        string,
        { partitionIndex: number; partitionSize: number; offsetLag: number; isFutureKey: boolean }[]
      >();
      for (const l of d.logs) {
        if (wanted && !wanted.get(l.topic)?.has(l.partition)) continue;
        const list = topics.get(l.topic) ?? topics.set(l.topic, []).get(l.topic)!;
        list.push({
          partitionIndex: l.partition,
          partitionSize: d.online ? l.sizeBytes : 0,
          offsetLag: 0,
          isFutureKey: false,
        });
      }
      return {
        errorCode: d.online ? ErrorCode.NONE : ErrorCode.KAFKA_STORAGE_ERROR,
        logDir: d.path,
        topics: [...topics].map(([name, partitions]) => ({ name, partitions })),
        totalBytes: -1,
        usableBytes: -1,
      };
    }),
  };
});
