/**
 * CreateTopics (19), v0-7: validates names, partition counts, replication
 * factor (at most the registered brokers), manual assignments and configs,
 * then commits the topics through the controller. validate_only (v1+) checks
 * without creating. v5+ results carry the new topic's partition count,
 * replication factor and effective configs; v7 its topic id. The mapping to
 * and from the controller is shared with controller_rpc.ts (admin_requests.ts).
 * Not implemented: create policies (no CreateTopicPolicy plugin exists here).
 */
import { createTopics } from "../admin_requests.ts";
import { topicConfigEntries } from "../configs.ts";
import { handler } from "../handler.ts";

export const createTopicsHandler = handler(19, { min: 0, max: 7 }, (ctx, req) => {
  const broker = ctx.broker;
  return createTopics(broker.controller, req, {
    createdConfigs: (name) =>
      topicConfigEntries(broker.image, broker.config, name).map((e) => ({
        name: e.name,
        value: e.value,
        readOnly: e.readOnly,
        configSource: e.source,
        isSensitive: e.isSensitive,
      })),
  });
});
