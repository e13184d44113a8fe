/**
 * Heartbeat and LeaveGroup: keeping a member's session alive, and members
 * leaving (or being removed by group.instance.id).
 */
import { ErrorCode } from "../protocol/errors.ts";
import { removeMember, removePendingMember, scheduleHeartbeat } from "./rebalance.ts";
import type { ShardState } from "./shard_state.ts";
import type { HeartbeatRequest, LeaveResult, LeavingMember } from "./shard_types.ts";

// --- Heartbeat -------------------------------------------------------------------

export function heartbeat(s: ShardState, req: HeartbeatRequest, nowMs: number): number {
  s.now = nowMs;
  if (s.unloaded) return ErrorCode.NOT_COORDINATOR;
  if (req.groupId === "") return ErrorCode.INVALID_GROUP_ID;
  const group = s.groups.get(req.groupId);
  if (!group) return ErrorCode.UNKNOWN_MEMBER_ID;
  if (group.is("Dead")) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
  if (group.isStaticMemberFenced(req.groupInstanceId, req.memberId)) {
    return ErrorCode.FENCED_INSTANCE_ID;
  }
  if (!group.has(req.memberId)) return ErrorCode.UNKNOWN_MEMBER_ID;
  if (req.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
  const member = group.get(req.memberId);
  switch (group.state) {
    case "Empty":
      return ErrorCode.UNKNOWN_MEMBER_ID;
    case "CompletingRebalance":
    case "Stable":
      scheduleHeartbeat(s, group, member, member.sessionTimeoutMs);
      return ErrorCode.NONE;
    case "PreparingRebalance":
      scheduleHeartbeat(s, group, member, member.sessionTimeoutMs);
      return ErrorCode.REBALANCE_IN_PROGRESS;
    case "Dead":
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
  }
}

// --- LeaveGroup ------------------------------------------------------------------

export function leave(
  s: ShardState,
  groupId: string,
  leaving: LeavingMember[],
  nowMs: number,
): LeaveResult {
  s.now = nowMs;
  if (s.unloaded) return { errorCode: ErrorCode.NOT_COORDINATOR, members: [] };
  if (groupId === "") return { errorCode: ErrorCode.INVALID_GROUP_ID, members: [] };
  const group = s.groups.get(groupId);
  const result = (l: LeavingMember, errorCode: number) => ({
    memberId: l.memberId,
    groupInstanceId: l.groupInstanceId,
    errorCode,
  });
  if (!group) {
    return {
      errorCode: ErrorCode.NONE,
      members: leaving.map((l) => result(l, ErrorCode.UNKNOWN_MEMBER_ID)),
    };
  }
  if (group.is("Dead")) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, members: [] };
  const members = leaving.map((l) => {
    if (l.memberId === "") {
      // Administrative removal by group.instance.id.
      const current = l.groupInstanceId === null
        ? undefined
        : group.staticMembers.get(l.groupInstanceId);
      if (current === undefined) return result(l, ErrorCode.UNKNOWN_MEMBER_ID);
      removeMember(s, group, group.get(current));
      return result(l, ErrorCode.NONE);
    }
    if (group.pendingMembers.has(l.memberId)) {
      removePendingMember(s, group, l.memberId);
      return result(l, ErrorCode.NONE);
    }
    if (group.isStaticMemberFenced(l.groupInstanceId, l.memberId)) {
      return result(l, ErrorCode.FENCED_INSTANCE_ID);
    }
    if (group.has(l.memberId)) {
      s.log(`group ${groupId}: member ${l.memberId} leaves`);
      removeMember(s, group, group.get(l.memberId));
      return result(l, ErrorCode.NONE);
    }
    return result(l, ErrorCode.UNKNOWN_MEMBER_ID);
  });
  return { errorCode: ErrorCode.NONE, members };
}
