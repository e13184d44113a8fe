/**
 * CreateTopics (19), v0-7: validates names, partition counts, replication
 * factor (at most the registered brokers), manual assignments and configs,
 * then commits the topics through the controller. validate_only (v1+) checks
 * without creating. v5+ results carry the new topic's partition count,
 * replication factor and effective configs; v7 its topic id.
 * Not implemented: create policies (no CreateTopicPolicy plugin exists here).
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { topicConfigEntries } from "../configs.ts";
import { handler } from "../handler.ts";

export const createTopicsHandler = handler(19, { min: 0, max: 7 }, async (ctx, req) => {
  const broker = ctx.broker;
  const results = await broker.controller.createTopics(
    req.topics.map((t) => ({
      name: t.name,
      numPartitions: t.numPartitions,
      replicationFactor: t.replicationFactor,
      assignments: t.assignments,
      configs: t.configs,
    })),
    req.validateOnly,
  );
  return {
    throttleTimeMs: 0,
    topics: results.map((r) => {
      const created = r.errorCode === ErrorCode.NONE;
      return {
        name: r.name,
        topicId: r.topicId,
        errorCode: r.errorCode,
        errorMessage: r.errorMessage,
        topicConfigErrorCode: ErrorCode.NONE,
        numPartitions: r.numPartitions,
        replicationFactor: r.replicationFactor,
        configs: created
          ? topicConfigEntries(broker.image, broker.config, r.name).map((e) => ({
            name: e.name,
            value: e.value,
            readOnly: e.readOnly,
            configSource: e.source,
            isSensitive: e.isSensitive,
          }))
          : null,
      };
    }),
  };
});
