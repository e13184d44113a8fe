/**
 * The rebalance phases (PreparingRebalance with the initial delay or the
 * rebalance timeout, CompletingRebalance with the pending-sync timeout, the
 * assignment's propagation) and member sessions: expiry timers and removal,
 * which may start the next rebalance.
 */
import { ErrorCode } from "../protocol/errors.ts";
import type { Group, Member } from "./group.ts";
import { storeGroup } from "./persistence.ts";
import {
  dropIfUnused,
  EMPTY,
  heartbeatKey,
  joinError,
  joinKey,
  pendingKey,
  type ShardState,
  syncError,
  syncKey,
} from "./shard_state.ts";

// --- rebalance phases ------------------------------------------------------------

export function maybePrepareRebalance(s: ShardState, group: Group, reason: string): void {
  if (group.is("Stable") || group.is("CompletingRebalance") || group.is("Empty")) {
    prepareRebalance(s, group, reason);
  }
}

export function prepareRebalance(s: ShardState, group: Group, reason: string): void {
  if (group.is("CompletingRebalance")) {
    resetAndPropagateAssignmentError(s, group, ErrorCode.REBALANCE_IN_PROGRESS);
  }
  s.timers.cancel(syncKey(group));
  const key = joinKey(group);
  if (group.is("Empty")) {
    const delay = s.config.groupInitialRebalanceDelayMs;
    group.joinPhase = {
      kind: "initial",
      delayMs: delay,
      remainingMs: Math.max(group.rebalanceTimeoutMs - delay, 0),
    };
    s.timers.set(key, s.now + delay, () => onInitialDelay(s, group));
  } else {
    group.joinPhase = { kind: "rebalance" };
    s.timers.set(key, s.now + group.rebalanceTimeoutMs, () => completeJoin(s, group));
  }
  s.log(
    `group ${group.groupId}: preparing rebalance from ${group.state} (generation ${group.generationId}): ${reason}`,
  );
  group.transitionTo("PreparingRebalance", s.now);
  tryCompleteJoin(s, group);
}

/** The initial delay elapsed: extend it while members keep arriving, within the rebalance timeout. */
function onInitialDelay(s: ShardState, group: Group): void {
  const phase = group.joinPhase;
  if (phase?.kind !== "initial") return;
  if (group.newMemberAdded && phase.remainingMs !== 0) {
    group.newMemberAdded = false;
    const delay = Math.min(s.config.groupInitialRebalanceDelayMs, phase.remainingMs);
    group.joinPhase = {
      kind: "initial",
      delayMs: delay,
      remainingMs: Math.max(phase.remainingMs - delay, 0),
    };
    s.timers.set(joinKey(group), s.now + delay, () => onInitialDelay(s, group));
    return;
  }
  completeJoin(s, group);
}

/** The initial delay never completes early; the rebalance phase does once everyone joined. */
export function tryCompleteJoin(s: ShardState, group: Group): void {
  if (
    group.is("PreparingRebalance") && group.joinPhase?.kind === "rebalance" &&
    group.hasAllMembersJoined()
  ) {
    completeJoin(s, group);
  }
}

/** Kafka's onCompleteJoin: drop stragglers, start the next generation, answer every JoinGroup. */
function completeJoin(s: ShardState, group: Group): void {
  if (!group.is("PreparingRebalance")) return;
  s.timers.cancel(joinKey(group));
  group.joinPhase = null;
  for (const m of [...group.members.values()]) {
    if (m.awaitingJoin === null && !m.isStatic) {
      s.log(
        `group ${group.groupId}: member ${m.memberId} did not rejoin in time; removing it`,
      );
      group.remove(m.memberId);
      s.timers.cancel(heartbeatKey(group, m.memberId));
      answerRemovedSync(group, m);
    }
  }
  if (!maybeElectNewJoinedLeader(group) && group.size > 0) {
    // Only static members that have not rejoined are left: wait for them or their sessions.
    group.joinPhase = { kind: "rebalance" };
    s.timers.set(
      joinKey(group),
      s.now + group.rebalanceTimeoutMs,
      () => completeJoin(s, group),
    );
    return;
  }
  group.generationId++;
  group.pendingSyncMembers.clear();
  if (group.size > 0) {
    group.protocolName = group.selectProtocol();
    group.computeSubscribedTopics();
    group.transitionTo("CompletingRebalance", s.now);
  } else {
    group.protocolName = null;
    group.computeSubscribedTopics();
    group.transitionTo("Empty", s.now);
  }
  if (group.is("Empty")) {
    s.log(`group ${group.groupId} generation ${group.generationId} is empty`);
    storeGroup(s, group, new Map(), (error) => {
      if (error !== ErrorCode.NONE) {
        s.log(`group ${group.groupId}: storing the empty generation failed (error ${error})`);
      }
    });
    return;
  }
  s.log(
    `group ${group.groupId}: generation ${group.generationId} with ${group.size} members, protocol ${group.protocolName}, leader ${group.leaderId}`,
  );
  const leaderMembers = group.currentMemberMetadata();
  for (const m of group.members.values()) {
    group.invokeJoin(m, {
      errorCode: ErrorCode.NONE,
      generationId: group.generationId,
      protocolType: group.protocolType,
      protocolName: group.protocolName,
      leader: group.leaderId ?? "",
      skipAssignment: false,
      memberId: m.memberId,
      members: group.isLeader(m.memberId) ? leaderMembers : [],
    });
    scheduleHeartbeat(s, group, m, m.sessionTimeoutMs);
    m.isNew = false;
    group.pendingSyncMembers.add(m.memberId);
  }
  const generation = group.generationId;
  s.timers.set(syncKey(group), s.now + group.rebalanceTimeoutMs, () => {
    onPendingSyncExpired(s, group, generation);
  });
}

function maybeElectNewJoinedLeader(group: Group): boolean {
  if (group.leaderId === null) return false;
  if (group.get(group.leaderId).awaitingJoin !== null) return true;
  for (const m of group.members.values()) {
    if (m.awaitingJoin !== null) {
      group.leaderId = m.memberId;
      return true;
    }
  }
  return false;
}

function onPendingSyncExpired(s: ShardState, group: Group, generation: number): void {
  if (!(group.is("CompletingRebalance") || group.is("Stable"))) return;
  if (group.generationId !== generation || group.pendingSyncMembers.size === 0) return;
  const late = [...group.pendingSyncMembers];
  s.log(
    `group ${group.groupId}: members ${late.join(", ")} sent no SyncGroup in time; removing them`,
  );
  for (const id of late) {
    const m = group.members.get(id);
    group.remove(id);
    s.timers.cancel(heartbeatKey(group, id));
    if (m) answerRemovedSync(group, m);
  }
  maybePrepareRebalance(s, group, "pending SyncGroup expired");
}

export function removePendingSyncMember(s: ShardState, group: Group, memberId: string): void {
  group.pendingSyncMembers.delete(memberId);
  if (group.pendingSyncMembers.size === 0) s.timers.cancel(syncKey(group));
}

export function resetAndPropagateAssignmentError(
  s: ShardState,
  group: Group,
  errorCode: number,
): void {
  for (const m of group.members.values()) m.assignment = EMPTY;
  propagateAssignment(s, group, errorCode);
}

/** Answers every parked SyncGroup (with its assignment, or the error) and restarts their sessions. */
export function propagateAssignment(s: ShardState, group: Group, errorCode: number): void {
  for (const m of group.members.values()) {
    const answered = group.invokeSync(m, {
      errorCode,
      protocolType: errorCode === ErrorCode.NONE ? group.protocolType : null,
      protocolName: errorCode === ErrorCode.NONE ? group.protocolName : null,
      assignment: errorCode === ErrorCode.NONE ? m.assignment : EMPTY,
    });
    if (answered) scheduleHeartbeat(s, group, m, m.sessionTimeoutMs);
  }
}

// --- member removal and session timers -------------------------------------------

/** Kafka's removeMemberAndUpdateGroup (plus the heartbeat removal). */
export function removeMember(s: ShardState, group: Group, member: Member): void {
  group.invokeJoin(member, joinError("", ErrorCode.UNKNOWN_MEMBER_ID));
  answerRemovedSync(group, member);
  group.remove(member.memberId);
  s.timers.cancel(heartbeatKey(group, member.memberId));
  switch (group.state) {
    case "Stable":
    case "CompletingRebalance":
      maybePrepareRebalance(s, group, `member ${member.memberId} left`);
      break;
    case "PreparingRebalance":
      tryCompleteJoin(s, group);
      break;
    case "Empty":
    case "Dead":
      break;
  }
}

export function answerRemovedSync(group: Group, member: Member): void {
  group.invokeSync(member, syncError(ErrorCode.UNKNOWN_MEMBER_ID));
}

export function removePendingMember(s: ShardState, group: Group, memberId: string): void {
  group.remove(memberId);
  s.timers.cancel(pendingKey(group, memberId));
  if (group.is("PreparingRebalance")) tryCompleteJoin(s, group);
  dropIfUnused(s, group);
}

/** (Re)starts a member's expiry: it must be heard from within `timeoutMs`. */
export function scheduleHeartbeat(
  s: ShardState,
  group: Group,
  member: Member,
  timeoutMs: number,
): void {
  const memberId = member.memberId;
  s.timers.set(heartbeatKey(group, memberId), s.now + timeoutMs, () => {
    if (s.groups.get(group.groupId) !== group || !group.has(memberId)) return;
    const m = group.get(memberId);
    // Members waiting for a JoinGroup or SyncGroup answer are alive by definition
    // (the rebalance and pending-sync timeouts cover them); new members are not.
    if (!m.isNew && (m.awaitingJoin !== null || m.awaitingSync !== null)) return;
    s.log(
      `group ${group.groupId}: member ${memberId} ${m.isNew ? "join" : "session"} timed out`,
    );
    removeMember(s, group, m);
    dropIfUnused(s, group);
  });
}

export function schedulePendingMemberExpiry(
  s: ShardState,
  group: Group,
  memberId: string,
  timeoutMs: number,
): void {
  s.timers.set(pendingKey(group, memberId), s.now + timeoutMs, () => {
    if (s.groups.get(group.groupId) !== group || !group.pendingMembers.has(memberId)) return;
    removePendingMember(s, group, memberId);
  });
}
