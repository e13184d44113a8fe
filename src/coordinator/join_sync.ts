/**
 * JoinGroup and SyncGroup: admitting members (new, current, static
 * replacement), parking their answers until the rebalance phase completes,
 * and storing the leader's assignment.
 */
import { groupNewMemberJoinTimeoutMs, groupPendingMembersMax } from "../base/limits.ts";
import { ErrorCode } from "../protocol/errors.ts";
import { Group, type JoinResult, Member, type SyncResult } from "./group.ts";
import { storeGroup } from "./persistence.ts";
import {
  answerRemovedSync,
  maybePrepareRebalance,
  prepareRebalance,
  propagateAssignment,
  removePendingSyncMember,
  resetAndPropagateAssignmentError,
  scheduleHeartbeat,
  schedulePendingMemberExpiry,
  tryCompleteJoin,
} from "./rebalance.ts";
import {
  dropIfUnused,
  EMPTY,
  heartbeatKey,
  joinError,
  pendingKey,
  type ShardState,
  syncError,
} from "./shard_state.ts";
import type { JoinRequest, SyncRequest } from "./shard_types.ts";

// --- JoinGroup -------------------------------------------------------------------

export function join(
  s: ShardState,
  req: JoinRequest,
  nowMs: number,
  respond: (r: JoinResult) => void,
): void {
  s.now = nowMs;
  if (s.unloaded) return respond(joinError(req.memberId, ErrorCode.NOT_COORDINATOR));
  if (req.groupId === "") return respond(joinError(req.memberId, ErrorCode.INVALID_GROUP_ID));
  if (
    req.sessionTimeoutMs < s.config.groupMinSessionTimeoutMs ||
    req.sessionTimeoutMs > s.config.groupMaxSessionTimeoutMs
  ) {
    return respond(joinError(req.memberId, ErrorCode.INVALID_SESSION_TIMEOUT));
  }
  const unknown = req.memberId === "";
  let group = s.groups.get(req.groupId);
  if (!group) {
    if (!unknown) return respond(joinError(req.memberId, ErrorCode.UNKNOWN_MEMBER_ID));
    group = new Group(req.groupId, "Empty", nowMs);
    s.groups.set(req.groupId, group);
  }
  if (!acceptJoiningMember(s, group, req.memberId)) {
    // Over group.max.size: a member that has not rejoined yet is the one left out.
    const m = group.members.get(req.memberId);
    group.remove(req.memberId);
    s.timers.cancel(heartbeatKey(group, req.memberId));
    s.timers.cancel(pendingKey(group, req.memberId));
    if (m) answerRemovedSync(group, m);
    respond(joinError("", ErrorCode.GROUP_MAX_SIZE_REACHED));
  } else if (unknown) {
    newMemberJoin(s, group, req, respond);
  } else {
    currentMemberJoin(s, group, req, respond);
  }
  if (group.is("PreparingRebalance")) tryCompleteJoin(s, group);
  dropIfUnused(s, group);
}

function acceptJoiningMember(s: ShardState, group: Group, memberId: string): boolean {
  switch (group.state) {
    case "Empty":
    case "Dead":
      return true;
    case "PreparingRebalance":
      return (group.has(memberId) && group.get(memberId).awaitingJoin !== null) ||
        group.numAwaitingJoin < s.config.groupMaxSize;
    case "CompletingRebalance":
    case "Stable":
      return group.has(memberId) || group.size < s.config.groupMaxSize;
  }
}

function newMemberJoin(
  s: ShardState,
  group: Group,
  req: JoinRequest,
  respond: (r: JoinResult) => void,
): void {
  if (group.is("Dead")) return respond(joinError("", ErrorCode.COORDINATOR_NOT_AVAILABLE));
  if (!group.supportsProtocols(req.protocolType, req.protocols.map((p) => p.name))) {
    return respond(joinError("", ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
  }
  const newMemberId = `${req.groupInstanceId ?? req.clientId}-${s.newId()}`;
  if (req.groupInstanceId !== null) {
    const oldId = group.staticMembers.get(req.groupInstanceId);
    if (oldId !== undefined) {
      updateStaticMemberAndRebalance(s, group, oldId, newMemberId, req, respond);
    } else {
      addMemberAndRebalance(s, group, newMemberId, req, respond);
    }
  } else if (req.requireKnownMemberId) {
    if (group.pendingMembers.size >= groupPendingMembersMax) {
      return respond(joinError("", ErrorCode.GROUP_MAX_SIZE_REACHED));
    }
    group.pendingMembers.add(newMemberId);
    schedulePendingMemberExpiry(s, group, newMemberId, req.sessionTimeoutMs);
    respond(joinError(newMemberId, ErrorCode.MEMBER_ID_REQUIRED));
  } else {
    addMemberAndRebalance(s, group, newMemberId, req, respond);
  }
}

function currentMemberJoin(
  s: ShardState,
  group: Group,
  req: JoinRequest,
  respond: (r: JoinResult) => void,
): void {
  const memberId = req.memberId;
  if (group.is("Dead")) return respond(joinError(memberId, ErrorCode.COORDINATOR_NOT_AVAILABLE));
  if (!group.supportsProtocols(req.protocolType, req.protocols.map((p) => p.name))) {
    return respond(joinError(memberId, ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
  }
  if (group.pendingMembers.has(memberId)) {
    // A pending member is never static: it got its id from MEMBER_ID_REQUIRED.
    return addMemberAndRebalance(s, group, memberId, { ...req, groupInstanceId: null }, respond);
  }
  const instanceUnknown = req.groupInstanceId !== null &&
    !group.staticMembers.has(req.groupInstanceId);
  if (group.isStaticMemberFenced(req.groupInstanceId, memberId)) {
    return respond(joinError(memberId, ErrorCode.FENCED_INSTANCE_ID));
  }
  if (!group.has(memberId) || instanceUnknown) {
    return respond(joinError(memberId, ErrorCode.UNKNOWN_MEMBER_ID));
  }
  const member = group.get(memberId);
  switch (group.state) {
    case "PreparingRebalance":
      return updateMemberAndRebalance(s, group, member, req, respond);
    case "CompletingRebalance":
      if (member.matches(req.protocols)) {
        // It lost the JoinGroup answer: give it the current generation again.
        return respond(currentJoinResult(group, memberId, group.isLeader(memberId)));
      }
      return updateMemberAndRebalance(s, group, member, req, respond);
    case "Stable":
      if (group.isLeader(memberId) || !member.matches(req.protocols)) {
        // The leader rejoining forces a rebalance (it may have seen metadata change).
        return updateMemberAndRebalance(s, group, member, req, respond);
      }
      return respond(currentJoinResult(group, memberId, false));
    case "Empty":
    case "Dead":
      return respond(joinError(memberId, ErrorCode.UNKNOWN_MEMBER_ID));
  }
}

function currentJoinResult(
  group: Group,
  memberId: string,
  withMembers: boolean,
): JoinResult {
  return {
    errorCode: ErrorCode.NONE,
    generationId: group.generationId,
    protocolType: group.protocolType,
    protocolName: group.protocolName,
    leader: group.leaderId ?? "",
    skipAssignment: false,
    memberId,
    members: withMembers ? group.currentMemberMetadata() : [],
  };
}

function addMemberAndRebalance(
  s: ShardState,
  group: Group,
  memberId: string,
  req: JoinRequest,
  respond: (r: JoinResult) => void,
): void {
  const member = new Member(
    memberId,
    req.groupInstanceId,
    req.clientId,
    req.clientHost,
    req.rebalanceTimeoutMs,
    req.sessionTimeoutMs,
    req.protocolType,
    req.protocols,
  );
  member.isNew = true;
  if (group.is("PreparingRebalance") && group.generationId === 0) group.newMemberAdded = true;
  group.add(member, respond);
  s.timers.cancel(pendingKey(group, memberId));
  // A JoinGroup parked this long from a member we cannot hear from (no id yet) is dropped.
  scheduleHeartbeat(s, group, member, groupNewMemberJoinTimeoutMs);
  s.log(`group ${group.groupId}: member ${memberId} joins (${group.state})`);
  maybePrepareRebalance(s, group, `member ${memberId} joined`);
}

function updateMemberAndRebalance(
  s: ShardState,
  group: Group,
  member: Member,
  req: JoinRequest,
  respond: (r: JoinResult) => void,
): void {
  if (member.awaitingJoin !== null) {
    group.invokeJoin(member, joinError(member.memberId, ErrorCode.REBALANCE_IN_PROGRESS));
  }
  group.updateMember(
    member,
    req.protocols,
    req.rebalanceTimeoutMs,
    req.sessionTimeoutMs,
    respond,
  );
  maybePrepareRebalance(s, group, `member ${member.memberId} rejoined`);
}

function updateStaticMemberAndRebalance(
  s: ShardState,
  group: Group,
  oldId: string,
  newId: string,
  req: JoinRequest,
  respond: (r: JoinResult) => void,
): void {
  const instanceId = req.groupInstanceId!;
  const currentLeader = group.leaderId ?? "";
  const old = group.get(oldId);
  // The old incarnation is fenced: its parked requests end now.
  group.invokeJoin(old, joinError(oldId, ErrorCode.FENCED_INSTANCE_ID));
  group.invokeSync(old, syncError(ErrorCode.FENCED_INSTANCE_ID));
  const oldProtocols = old.protocols;
  const oldRebalanceTimeout = old.rebalanceTimeoutMs;
  const oldSessionTimeout = old.sessionTimeoutMs;
  const member = group.replaceStaticMember(instanceId, oldId, newId);
  s.timers.cancel(heartbeatKey(group, oldId));
  scheduleHeartbeat(s, group, member, member.sessionTimeoutMs);
  group.updateMember(
    member,
    req.protocols,
    req.rebalanceTimeoutMs,
    req.sessionTimeoutMs,
    respond,
  );
  s.log(`group ${group.groupId}: static member ${instanceId} replaces ${oldId} with ${newId}`);
  switch (group.state) {
    case "Stable": {
      if (group.protocolName !== group.selectProtocol()) {
        return maybePrepareRebalance(s, group, `static member ${instanceId} changed protocols`);
      }
      // Same protocol: no rebalance. Store the new member id, then answer.
      const generation = group.generationId;
      const assignments = new Map(
        [...group.members.values()].map((m) => [m.memberId, m.assignment]),
      );
      storeGroup(s, group, assignments, (error) => {
        // A rebalance that started meanwhile answers the parked JoinGroup itself.
        if (
          !group.has(newId) || group.get(newId).awaitingJoin !== respond ||
          !group.is("Stable") || group.generationId !== generation
        ) return;
        if (error !== ErrorCode.NONE) {
          // Not stored: the old member id stays the valid one.
          group.updateMember(member, oldProtocols, oldRebalanceTimeout, oldSessionTimeout, null);
          const back = group.replaceStaticMember(instanceId, newId, oldId);
          s.timers.cancel(heartbeatKey(group, newId));
          scheduleHeartbeat(s, group, back, back.sessionTimeoutMs);
          return respond({
            ...joinError("", error),
            generationId: group.generationId,
            protocolType: group.protocolType,
            protocolName: group.protocolName,
            leader: currentLeader,
          });
        }
        const isLeader = group.isLeader(newId);
        group.invokeJoin(member, {
          errorCode: ErrorCode.NONE,
          generationId: group.generationId,
          protocolType: group.protocolType,
          protocolName: group.protocolName,
          // Before v9 the old leader id is returned so a rejoining leader does not reassign.
          leader: req.supportSkippingAssignment ? (group.leaderId ?? "") : currentLeader,
          skipAssignment: req.supportSkippingAssignment && isLeader,
          memberId: newId,
          members: req.supportSkippingAssignment && isLeader ? group.currentMemberMetadata() : [],
        });
      });
      return;
    }
    case "CompletingRebalance":
      // The leader may have assigned to the old id: rebalance so the new id gets a share.
      return prepareRebalance(s, group, `static member ${instanceId} rejoined`);
    case "PreparingRebalance":
      return;
    case "Empty":
    case "Dead":
      throw new Error(`static member rejoined group ${group.groupId} in state ${group.state}`);
  }
}

// --- SyncGroup -------------------------------------------------------------------

export function sync(
  s: ShardState,
  req: SyncRequest,
  nowMs: number,
  respond: (r: SyncResult) => void,
): void {
  s.now = nowMs;
  if (s.unloaded) return respond(syncError(ErrorCode.NOT_COORDINATOR));
  if (req.groupId === "") return respond(syncError(ErrorCode.INVALID_GROUP_ID));
  const group = s.groups.get(req.groupId);
  if (!group) return respond(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
  if (group.is("Dead")) return respond(syncError(ErrorCode.COORDINATOR_NOT_AVAILABLE));
  if (group.isStaticMemberFenced(req.groupInstanceId, req.memberId)) {
    return respond(syncError(ErrorCode.FENCED_INSTANCE_ID));
  }
  if (!group.has(req.memberId)) return respond(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
  if (req.generationId !== group.generationId) {
    return respond(syncError(ErrorCode.ILLEGAL_GENERATION));
  }
  if (
    (req.protocolType !== null && req.protocolType !== group.protocolType) ||
    (req.protocolName !== null && req.protocolName !== group.protocolName)
  ) {
    return respond(syncError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
  }
  const member = group.get(req.memberId);
  switch (group.state) {
    case "Empty":
      return respond(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    case "PreparingRebalance":
      return respond(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
    case "CompletingRebalance": {
      group.invokeSync(member, syncError(ErrorCode.REBALANCE_IN_PROGRESS));
      member.awaitingSync = respond;
      removePendingSyncMember(s, group, req.memberId);
      if (!group.isLeader(req.memberId)) return;
      const given = new Map(req.assignments.map((a) => [a.memberId, a.assignment]));
      const assignment = new Map(
        [...group.members.keys()].map((id) => [id, given.get(id) ?? EMPTY]),
      );
      const generation = group.generationId;
      storeGroup(s, group, assignment, (error) => {
        // Another member may have joined meanwhile: only the same generation, still completing, counts.
        if (!group.is("CompletingRebalance") || group.generationId !== generation) return;
        if (error !== ErrorCode.NONE) {
          resetAndPropagateAssignmentError(s, group, error);
          maybePrepareRebalance(s, group, "storing the assignment failed");
          return;
        }
        for (const m of group.members.values()) {
          m.assignment = assignment.get(m.memberId) ?? EMPTY;
        }
        propagateAssignment(s, group, ErrorCode.NONE);
        group.transitionTo("Stable", s.now);
        s.log(`group ${group.groupId} generation ${generation} is stable`);
      });
      return;
    }
    case "Stable":
      removePendingSyncMember(s, group, req.memberId);
      respond({
        errorCode: ErrorCode.NONE,
        protocolType: group.protocolType,
        protocolName: group.protocolName,
        assignment: member.assignment,
      });
      scheduleHeartbeat(s, group, member, member.sessionTimeoutMs);
      return;
    case "Dead":
      return respond(syncError(ErrorCode.COORDINATOR_NOT_AVAILABLE));
  }
}
