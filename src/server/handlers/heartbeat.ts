/**
 * Heartbeat (12), v0-4: keeps a member's session alive (session timeout
 * restarts) and tells it of a rebalance (REBALANCE_IN_PROGRESS while the
 * group is PreparingRebalance). Errors: UNKNOWN_MEMBER_ID (not a member, or
 * the group is Empty), ILLEGAL_GENERATION, FENCED_INSTANCE_ID (v3+ static
 * members replaced by a newer incarnation), NOT_COORDINATOR.
 */
import { handler } from "../handler.ts";

export const heartbeatHandler = handler(12, { min: 0, max: 4 }, async (ctx, req) => ({
  throttleTimeMs: 0,
  errorCode: await ctx.broker.groups.heartbeat({
    groupId: req.groupId,
    generationId: req.generationId,
    memberId: req.memberId,
    groupInstanceId: ctx.header.apiVersion >= 3 ? req.groupInstanceId : null,
  }),
}));
