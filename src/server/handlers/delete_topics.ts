/**
 * DeleteTopics (20), v0-6: removes topics by name (v0-5 topic_names, v6
 * topics[] by name or id); their partitions' logs are deleted asynchronously
 * once the removal is committed. Unknown names give UNKNOWN_TOPIC_OR_PARTITION,
 * unknown ids UNKNOWN_TOPIC_ID; internal topics cannot be deleted.
 */
import { handler } from "../handler.ts";

export const deleteTopicsHandler = handler(20, { min: 0, max: 6 }, async (ctx, req) => {
  const v = ctx.header.apiVersion;
  const wanted = v >= 6
    ? req.topics.map((t) => ({ name: t.name, topicId: t.topicId }))
    : req.topicNames.map((name) => ({ name, topicId: null }));
  const results = await ctx.broker.controller.deleteTopics(wanted);
  return {
    throttleTimeMs: 0,
    responses: results.map((r) => ({
      name: r.name,
      topicId: r.topicId,
      errorCode: r.errorCode,
      errorMessage: r.errorMessage,
    })),
  };
});
