/**
 * DeleteTopics (20), v0-6: removes topics by name (v0-5 topic_names, v6
 * topics[] by name or id); their partitions' logs are deleted asynchronously
 * once the removal is committed. Unknown names give UNKNOWN_TOPIC_OR_PARTITION,
 * unknown ids UNKNOWN_TOPIC_ID; internal topics cannot be deleted. The mapping
 * to and from the controller is shared with controller_rpc.ts
 * (admin_requests.ts).
 */
import { deleteTopics } from "../admin_requests.ts";
import { handler } from "../handler.ts";

export const deleteTopicsHandler = handler(
  20,
  { min: 0, max: 6 },
  (ctx, req) => deleteTopics(ctx.broker.controller, req, ctx.header.apiVersion >= 6),
);
