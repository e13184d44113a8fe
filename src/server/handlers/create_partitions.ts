/**
 * CreatePartitions (37), v0-3: grows topics to a new partition count, with
 * optional manual assignments; validate_only checks without creating. A count
 * that is not an increase gives INVALID_PARTITIONS.
 */
import { handler } from "../handler.ts";

export const createPartitionsHandler = handler(37, { min: 0, max: 3 }, async (ctx, req) => {
  const results = await ctx.broker.controller.createPartitions(
    req.topics.map((t) => ({
      name: t.name,
      count: t.count,
      assignments: t.assignments === null ? null : t.assignments.map((a) => a.brokerIds),
    })),
    req.validateOnly,
  );
  return {
    throttleTimeMs: 0,
    results: results.map((r) => ({
      name: r.name,
      errorCode: r.errorCode,
      errorMessage: r.errorMessage,
    })),
  };
});
