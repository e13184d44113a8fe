/**
 * LeaveGroup (13), v0-5: members leave a classic group, which rebalances (or
 * becomes Empty when nobody is left).
 * - v0-2: one member_id; its error is the top-level error.
 * - v3+: a batch of members, each answered on its own; a member given only
 *   by group_instance_id (empty member id) is removed administratively;
 *   a static member whose id was replaced gets FENCED_INSTANCE_ID.
 * - Unknown group or member: UNKNOWN_MEMBER_ID per member.
 * Not implemented: the v5 reason is accepted and not recorded.
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { handler } from "../handler.ts";

export const leaveGroupHandler = handler(13, { min: 0, max: 5 }, async (ctx, req) => {
  const v = ctx.header.apiVersion;
  const leaving = v >= 3
    ? req.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId }))
    : [{ memberId: req.memberId, groupInstanceId: null }];
  const r = await ctx.broker.groups.leave(req.groupId, leaving);
  if (v >= 3) return { throttleTimeMs: 0, errorCode: r.errorCode, members: r.members };
  const memberError = r.members.find((m) => m.errorCode !== ErrorCode.NONE)?.errorCode;
  return {
    throttleTimeMs: 0,
    errorCode: r.errorCode !== ErrorCode.NONE ? r.errorCode : memberError ?? ErrorCode.NONE,
    members: [],
  };
});
