/**
 * CreatePartitions (37), v0-3: grows topics to a new partition count, with
 * optional manual assignments; validate_only checks without creating. A count
 * that is not an increase gives INVALID_PARTITIONS. The mapping to and from
 * the controller is shared with controller_rpc.ts (admin_requests.ts).
 */
import { createPartitions } from "../admin_requests.ts";
import { handler } from "../handler.ts";

export const createPartitionsHandler = handler(
  37,
  { min: 0, max: 3 },
  (ctx, req) => createPartitions(ctx.broker.controller, req),
);
