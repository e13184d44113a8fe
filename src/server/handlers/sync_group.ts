/**
 * SyncGroup (14), v0-5: the leader hands out the assignment, every member
 * receives its own.
 * - In CompletingRebalance a member's SyncGroup is parked; the leader's
 *   (whenever it arrives, before or after the followers') is stored in
 *   `__consumer_offsets` and, once durable, answers every parked member and
 *   makes the group Stable. Members the leader left out get empty bytes.
 *   Later SyncGroups of the same generation get the stored assignment.
 * - Errors: UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION, REBALANCE_IN_PROGRESS
 *   (PreparingRebalance), FENCED_INSTANCE_ID (v3+ static members), and from v5
 *   INCONSISTENT_GROUP_PROTOCOL when protocol_type/protocol_name are missing
 *   or differ from the group's.
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { handler } from "../handler.ts";

export const syncGroupHandler = handler(14, { min: 0, max: 5 }, async (ctx, req) => {
  const v = ctx.header.apiVersion;
  if (v >= 5 && (req.protocolType === null || req.protocolName === null)) {
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.INCONSISTENT_GROUP_PROTOCOL,
      protocolType: null,
      protocolName: null,
      assignment: new Uint8Array(0),
    };
  }
  const r = await ctx.broker.groups.sync({
    groupId: req.groupId,
    generationId: req.generationId,
    memberId: req.memberId,
    groupInstanceId: v >= 3 ? req.groupInstanceId : null,
    protocolType: v >= 5 ? req.protocolType : null,
    protocolName: v >= 5 ? req.protocolName : null,
    assignments: req.assignments.map((a) => ({
      memberId: a.memberId,
      assignment: a.assignment.slice(),
    })),
  });
  return {
    throttleTimeMs: 0,
    errorCode: r.errorCode,
    protocolType: r.protocolType,
    protocolName: r.protocolName,
    assignment: r.assignment,
  };
});
