/**
 * GroupShard: the classic group coordinator for the groups of one
 * `__consumer_offsets` partition, as a sans-I/O state machine. It never reads
 * a clock, sets a timer or touches a log:
 * - time comes in as `nowMs` on every call; deadlines (session, rebalance,
 *   initial delay, pending sync, new-member and pending-member expiry, offset
 *   retention) are kept in `Timers` and fire from `poll(nowMs)`;
 *   `nextDeadlineMs()` says when to call it next;
 * - records to store leave as write effects (`takeWrites()`); the driver
 *   appends them, waits for durability and reports back with
 *   `completeWrite(id, errorCode, logOffset, nowMs)`;
 * - responses go to the callback each request passes; JoinGroup and SyncGroup
 *   may answer much later (parked until the phase completes).
 *
 * Behaviour follows Kafka's classic GroupCoordinator (3.x) and, where 4.x
 * changed the protocol's answers, 4.x: states Empty -> PreparingRebalance ->
 * CompletingRebalance -> Stable (and Dead), MEMBER_ID_REQUIRED for dynamic
 * members from JoinGroup v4, protocol voting, the initial rebalance delay,
 * rebalance timeout (stragglers dropped), session timeouts (members awaiting a
 * join or sync answer do not expire), pending-sync expiry, static membership
 * (replacement without rebalance, FENCED_INSTANCE_ID), group.max.size,
 * simple commits, offsets retention, deletion. Each shard writes only to its
 * own partition, so groups move with partition leadership.
 *
 * Deviations, all on requests Kafka leaves hanging: a second JoinGroup or
 * SyncGroup from a member that already has one parked answers the older one
 * with REBALANCE_IN_PROGRESS, and a member removed while its SyncGroup is
 * parked gets UNKNOWN_MEMBER_ID (in-order connections would otherwise stall).
 */
import { groupNewMemberJoinTimeoutMs, groupPendingMembersMax } from "../base/limits.ts";
import { ErrorCode } from "../protocol/errors.ts";
import type { GroupCoordinatorConfig } from "./config.ts";
import {
  Group,
  type GroupState,
  type JoinResult,
  Member,
  type OffsetEntry,
  type Protocol,
  splitTpKey,
  type SyncResult,
  tpKey,
} from "./group.ts";
import {
  decodeGroupValue,
  decodeKey,
  decodeOffsetValue,
  encodeGroupKey,
  encodeGroupValue,
  encodeOffsetKey,
  encodeOffsetValue,
  type GroupValue,
  type OffsetValue,
} from "./records.ts";
import { Timers } from "./timers.ts";

export type { GroupState, JoinResult, Protocol, SyncResult };

export interface JoinRequest {
  groupId: string;
  /** "" for a first join. */
  memberId: string;
  groupInstanceId: string | null;
  /** JoinGroup v4+ from a dynamic member: hand out an id with MEMBER_ID_REQUIRED first. */
  requireKnownMemberId: boolean;
  /** JoinGroup v9+: a rejoining static leader may skip the assignment. */
  supportSkippingAssignment: boolean;
  clientId: string;
  clientHost: string;
  rebalanceTimeoutMs: number;
  sessionTimeoutMs: number;
  protocolType: string;
  protocols: Protocol[];
}

export interface SyncRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  /** v5+: checked against the group's when given. */
  protocolType: string | null;
  protocolName: string | null;
  assignments: { memberId: string; assignment: Uint8Array }[];
}

export interface HeartbeatRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
}

export interface LeavingMember {
  memberId: string;
  groupInstanceId: string | null;
}

export interface LeaveResult {
  errorCode: number;
  members: { memberId: string; groupInstanceId: string | null; errorCode: number }[];
}

export interface CommitPartition {
  topic: string;
  partition: number;
  offset: number;
  leaderEpoch: number;
  metadata: string | null;
  /** OffsetCommit v1's per-partition timestamp; -1 = now. */
  commitTimestamp: number;
}

export interface CommitRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  /** v2-4 retention_time_ms; -1 = the broker's offsets.retention.minutes. */
  retentionTimeMs: number;
  /** OffsetCommit v9+: a missing group is GROUP_ID_NOT_FOUND rather than ILLEGAL_GENERATION. */
  groupIdNotFoundError: boolean;
  partitions: CommitPartition[];
}

export interface FetchedOffset {
  topic: string;
  partition: number;
  offset: number;
  leaderEpoch: number;
  metadata: string;
  errorCode: number;
}

export interface FetchOffsetsResult {
  errorCode: number;
  offsets: FetchedOffset[];
}

export interface DescribedMember {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  metadata: Uint8Array;
  assignment: Uint8Array;
}

export interface DescribedGroup {
  errorCode: number;
  errorMessage: string | null;
  groupId: string;
  state: GroupState;
  protocolType: string;
  protocolData: string;
  members: DescribedMember[];
}

export interface ListedGroup {
  groupId: string;
  protocolType: string;
  state: GroupState;
  type: "classic";
}

export interface DeleteOffsetsResult {
  errorCode: number;
  partitions: { topic: string; partition: number; errorCode: number }[];
}

export interface StoredRecord {
  key: Uint8Array;
  /** null: tombstone. */
  value: Uint8Array | null;
}

export interface PendingWrite {
  id: number;
  records: StoredRecord[];
}

export interface ShardOptions {
  config: GroupCoordinatorConfig;
  /** A fresh unique suffix for member ids (a UUID in production). */
  newId: () => string;
  /** Lines for operators (joins, rebalances, expiries). */
  log?: (msg: string) => void;
}

type WriteDone = (errorCode: number, logOffset: number) => void;

const EMPTY = new Uint8Array(0);

function joinError(memberId: string, errorCode: number): JoinResult {
  return {
    errorCode,
    generationId: -1,
    protocolType: null,
    protocolName: null,
    leader: "",
    skipAssignment: false,
    memberId,
    members: [],
  };
}

function syncError(errorCode: number): SyncResult {
  return { errorCode, protocolType: null, protocolName: null, assignment: EMPTY };
}

/** Kafka's mapping of append errors for group metadata writes. */
function groupWriteError(code: number): number {
  switch (code) {
    case ErrorCode.NONE:
      return ErrorCode.NONE;
    case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
    case ErrorCode.NOT_ENOUGH_REPLICAS:
    case ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    case ErrorCode.REQUEST_TIMED_OUT:
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    case ErrorCode.NOT_LEADER_OR_FOLLOWER:
    case ErrorCode.KAFKA_STORAGE_ERROR:
      return ErrorCode.NOT_COORDINATOR;
    case ErrorCode.MESSAGE_TOO_LARGE:
    case ErrorCode.RECORD_LIST_TOO_LARGE:
    case ErrorCode.INVALID_FETCH_SIZE:
      return ErrorCode.UNKNOWN_SERVER_ERROR;
    default:
      return code;
  }
}

/** Kafka's mapping of append errors for offset commits. */
function commitWriteError(code: number): number {
  switch (code) {
    case ErrorCode.MESSAGE_TOO_LARGE:
    case ErrorCode.RECORD_LIST_TOO_LARGE:
    case ErrorCode.INVALID_FETCH_SIZE:
      return ErrorCode.INVALID_COMMIT_OFFSET_SIZE;
    default:
      return groupWriteError(code);
  }
}

const utf8 = new TextEncoder();

export class GroupShard {
  private readonly groups = new Map<string, Group>();
  private readonly timers = new Timers();
  private writes: PendingWrite[] = [];
  private readonly writeDone = new Map<number, WriteDone>();
  private nextWriteId = 1;
  private now = 0;
  private unloaded = false;
  private readonly config: GroupCoordinatorConfig;
  private readonly newId: () => string;
  private readonly log: (msg: string) => void;
  /** Replay state, until finishLoading. */
  private loading: {
    offsets: Map<string, Map<string, OffsetEntry>>;
    groups: Map<string, GroupValue>;
  } | null = { offsets: new Map(), groups: new Map() };

  constructor(readonly partition: number, opts: ShardOptions) {
    this.config = opts.config;
    this.newId = opts.newId;
    this.log = opts.log ?? (() => {});
  }

  // --- loading ----------------------------------------------------------------

  /** Replays one stored record (in log order) while loading. */
  replay(key: Uint8Array, value: Uint8Array | null, logOffset: number): void {
    const l = this.loading;
    if (l === null) throw new Error("replay after loading finished");
    const k = decodeKey(key);
    if (k === null) return;
    if (k.type === "offset") {
      let offsets = l.offsets.get(k.group);
      if (value === null) {
        offsets?.delete(tpKey(k.topic, k.partition));
        return;
      }
      if (!offsets) l.offsets.set(k.group, offsets = new Map());
      offsets.set(tpKey(k.topic, k.partition), { ...decodeOffsetValue(value), logOffset });
    } else if (value === null) {
      l.groups.delete(k.group);
    } else {
      l.groups.set(k.group, decodeGroupValue(value));
    }
  }

  /**
   * Builds the groups from what was replayed: a group with members is Stable
   * (its members' sessions restart now), one without is Empty, offsets with no
   * group make a simple group. Starts the retention check.
   */
  finishLoading(nowMs: number): void {
    this.now = nowMs;
    const l = this.loading;
    if (l === null) throw new Error("finishLoading twice");
    this.loading = null;
    for (const [groupId, value] of l.groups) {
      const g = new Group(groupId, value.members.length > 0 ? "Stable" : "Empty", nowMs);
      g.protocolType = value.protocolType === "" ? null : value.protocolType;
      g.generationId = value.generation;
      g.protocolName = value.protocol;
      if (value.currentStateTimestamp >= 0) g.stateTimestamp = value.currentStateTimestamp;
      for (const mv of value.members) {
        const m = new Member(
          mv.memberId,
          mv.groupInstanceId,
          mv.clientId,
          mv.clientHost,
          mv.rebalanceTimeoutMs,
          mv.sessionTimeoutMs,
          g.protocolType ?? "",
          [{ name: value.protocol ?? "", metadata: mv.subscription }],
        );
        m.assignment = mv.assignment;
        g.add(m, null);
      }
      g.leaderId = value.leader !== null && g.has(value.leader)
        ? value.leader
        : (g.members.keys().next().value ?? null);
      g.computeSubscribedTopics();
      this.groups.set(groupId, g);
    }
    for (const [groupId, offsets] of l.offsets) {
      if (offsets.size === 0) continue;
      let g = this.groups.get(groupId);
      if (!g) this.groups.set(groupId, g = new Group(groupId, "Empty", nowMs));
      for (const [k, v] of offsets) g.offsets.set(k, v);
    }
    for (const g of this.groups.values()) {
      for (const m of g.members.values()) this.scheduleHeartbeat(g, m, m.sessionTimeoutMs);
      if (g.size > this.config.groupMaxSize) {
        this.prepareRebalance(g, "group is over group.max.size");
      }
    }
    this.scheduleRetention();
  }

  get isLoaded(): boolean {
    return this.loading === null;
  }

  /** Gives the groups up (shutdown or lost leadership): every parked request gets NOT_COORDINATOR. */
  unload(): void {
    this.unloaded = true;
    for (const g of this.groups.values()) {
      for (const m of g.members.values()) {
        g.invokeJoin(m, joinError(m.memberId, ErrorCode.NOT_COORDINATOR));
        g.invokeSync(m, syncError(ErrorCode.NOT_COORDINATOR));
      }
      const waiters = g.stableWaiters;
      g.stableWaiters = [];
      for (const w of waiters) w();
    }
    this.groups.clear();
    this.timers.clear();
  }

  // --- time and effects --------------------------------------------------------

  nextDeadlineMs(): number | null {
    return this.timers.next();
  }

  /** Fires every deadline due at `nowMs`. */
  poll(nowMs: number): void {
    this.now = nowMs;
    this.timers.runDue(nowMs);
  }

  /** Records to append, in order; each is one unit (one batch). */
  takeWrites(): PendingWrite[] {
    const w = this.writes;
    this.writes = [];
    return w;
  }

  /** A write finished: errorCode NONE once durable (logOffset = its last offset), else the append error. */
  completeWrite(id: number, errorCode: number, logOffset: number, nowMs: number): void {
    this.now = nowMs;
    const done = this.writeDone.get(id);
    if (!done) throw new Error(`unknown coordinator write ${id}`);
    this.writeDone.delete(id);
    done(errorCode, logOffset);
  }

  get pendingWriteCount(): number {
    return this.writeDone.size;
  }

  private write(records: StoredRecord[], done: WriteDone): void {
    const id = this.nextWriteId++;
    this.writes.push({ id, records });
    this.writeDone.set(id, done);
  }

  // --- inspection (tests, ListGroups) ---------------------------------------------

  group(groupId: string): Group | undefined {
    return this.groups.get(groupId);
  }

  groupIds(): string[] {
    return [...this.groups.keys()];
  }

  // --- JoinGroup -----------------------------------------------------------------

  join(req: JoinRequest, nowMs: number, respond: (r: JoinResult) => void): void {
    this.now = nowMs;
    if (this.unloaded) return respond(joinError(req.memberId, ErrorCode.NOT_COORDINATOR));
    if (req.groupId === "") return respond(joinError(req.memberId, ErrorCode.INVALID_GROUP_ID));
    if (
      req.sessionTimeoutMs < this.config.groupMinSessionTimeoutMs ||
      req.sessionTimeoutMs > this.config.groupMaxSessionTimeoutMs
    ) {
      return respond(joinError(req.memberId, ErrorCode.INVALID_SESSION_TIMEOUT));
    }
    const unknown = req.memberId === "";
    let group = this.groups.get(req.groupId);
    if (!group) {
      if (!unknown) return respond(joinError(req.memberId, ErrorCode.UNKNOWN_MEMBER_ID));
      group = new Group(req.groupId, "Empty", nowMs);
      this.groups.set(req.groupId, group);
    }
    if (!this.acceptJoiningMember(group, req.memberId)) {
      // Over group.max.size: a member that has not rejoined yet is the one left out.
      const m = group.members.get(req.memberId);
      group.remove(req.memberId);
      this.timers.cancel(this.heartbeatKey(group, req.memberId));
      this.timers.cancel(this.pendingKey(group, req.memberId));
      if (m) this.answerRemovedSync(group, m);
      respond(joinError("", ErrorCode.GROUP_MAX_SIZE_REACHED));
    } else if (unknown) {
      this.newMemberJoin(group, req, respond);
    } else {
      this.currentMemberJoin(group, req, respond);
    }
    if (group.is("PreparingRebalance")) this.tryCompleteJoin(group);
    this.dropIfUnused(group);
  }

  private acceptJoiningMember(group: Group, memberId: string): boolean {
    switch (group.state) {
      case "Empty":
      case "Dead":
        return true;
      case "PreparingRebalance":
        return (group.has(memberId) && group.get(memberId).awaitingJoin !== null) ||
          group.numAwaitingJoin < this.config.groupMaxSize;
      case "CompletingRebalance":
      case "Stable":
        return group.has(memberId) || group.size < this.config.groupMaxSize;
    }
  }

  private newMemberJoin(group: Group, req: JoinRequest, respond: (r: JoinResult) => void): void {
    if (group.is("Dead")) return respond(joinError("", ErrorCode.COORDINATOR_NOT_AVAILABLE));
    if (!group.supportsProtocols(req.protocolType, req.protocols.map((p) => p.name))) {
      return respond(joinError("", ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
    }
    const newMemberId = `${req.groupInstanceId ?? req.clientId}-${this.newId()}`;
    if (req.groupInstanceId !== null) {
      const oldId = group.staticMembers.get(req.groupInstanceId);
      if (oldId !== undefined) {
        this.updateStaticMemberAndRebalance(group, oldId, newMemberId, req, respond);
      } else {
        this.addMemberAndRebalance(group, newMemberId, req, respond);
      }
    } else if (req.requireKnownMemberId) {
      if (group.pendingMembers.size >= groupPendingMembersMax) {
        return respond(joinError("", ErrorCode.GROUP_MAX_SIZE_REACHED));
      }
      group.pendingMembers.add(newMemberId);
      this.schedulePendingMemberExpiry(group, newMemberId, req.sessionTimeoutMs);
      respond(joinError(newMemberId, ErrorCode.MEMBER_ID_REQUIRED));
    } else {
      this.addMemberAndRebalance(group, newMemberId, req, respond);
    }
  }

  private currentMemberJoin(
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
      return this.addMemberAndRebalance(
        group,
        memberId,
        { ...req, groupInstanceId: null },
        respond,
      );
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
        return this.updateMemberAndRebalance(group, member, req, respond);
      case "CompletingRebalance":
        if (member.matches(req.protocols)) {
          // It lost the JoinGroup answer: give it the current generation again.
          return respond(this.currentJoinResult(group, memberId, group.isLeader(memberId)));
        }
        return this.updateMemberAndRebalance(group, member, req, respond);
      case "Stable":
        if (group.isLeader(memberId) || !member.matches(req.protocols)) {
          // The leader rejoining forces a rebalance (it may have seen metadata change).
          return this.updateMemberAndRebalance(group, member, req, respond);
        }
        return respond(this.currentJoinResult(group, memberId, false));
      case "Empty":
      case "Dead":
        return respond(joinError(memberId, ErrorCode.UNKNOWN_MEMBER_ID));
    }
  }

  private currentJoinResult(group: Group, memberId: string, withMembers: boolean): JoinResult {
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

  private addMemberAndRebalance(
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
    this.timers.cancel(this.pendingKey(group, memberId));
    // A JoinGroup parked this long from a member we cannot hear from (no id yet) is dropped.
    this.scheduleHeartbeat(group, member, groupNewMemberJoinTimeoutMs);
    this.log(`group ${group.groupId}: member ${memberId} joins (${group.state})`);
    this.maybePrepareRebalance(group, `member ${memberId} joined`);
  }

  private updateMemberAndRebalance(
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
    this.maybePrepareRebalance(group, `member ${member.memberId} rejoined`);
  }

  private updateStaticMemberAndRebalance(
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
    this.timers.cancel(this.heartbeatKey(group, oldId));
    this.scheduleHeartbeat(group, member, member.sessionTimeoutMs);
    group.updateMember(
      member,
      req.protocols,
      req.rebalanceTimeoutMs,
      req.sessionTimeoutMs,
      respond,
    );
    this.log(`group ${group.groupId}: static member ${instanceId} replaces ${oldId} with ${newId}`);
    switch (group.state) {
      case "Stable": {
        if (group.protocolName !== group.selectProtocol()) {
          return this.maybePrepareRebalance(group, `static member ${instanceId} changed protocols`);
        }
        // Same protocol: no rebalance. Store the new member id, then answer.
        const generation = group.generationId;
        const assignments = new Map(
          [...group.members.values()].map((m) => [m.memberId, m.assignment]),
        );
        this.storeGroup(group, assignments, (error) => {
          // A rebalance that started meanwhile answers the parked JoinGroup itself.
          if (
            !group.has(newId) || group.get(newId).awaitingJoin !== respond ||
            !group.is("Stable") || group.generationId !== generation
          ) return;
          if (error !== ErrorCode.NONE) {
            // Not stored: the old member id stays the valid one.
            group.updateMember(member, oldProtocols, oldRebalanceTimeout, oldSessionTimeout, null);
            const back = group.replaceStaticMember(instanceId, newId, oldId);
            this.timers.cancel(this.heartbeatKey(group, newId));
            this.scheduleHeartbeat(group, back, back.sessionTimeoutMs);
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
        return this.prepareRebalance(group, `static member ${instanceId} rejoined`);
      case "PreparingRebalance":
        return;
      case "Empty":
      case "Dead":
        throw new Error(`static member rejoined group ${group.groupId} in state ${group.state}`);
    }
  }

  private maybePrepareRebalance(group: Group, reason: string): void {
    if (group.is("Stable") || group.is("CompletingRebalance") || group.is("Empty")) {
      this.prepareRebalance(group, reason);
    }
  }

  private prepareRebalance(group: Group, reason: string): void {
    if (group.is("CompletingRebalance")) {
      this.resetAndPropagateAssignmentError(group, ErrorCode.REBALANCE_IN_PROGRESS);
    }
    this.timers.cancel(this.syncKey(group));
    const key = this.joinKey(group);
    if (group.is("Empty")) {
      const delay = this.config.groupInitialRebalanceDelayMs;
      group.joinPhase = {
        kind: "initial",
        delayMs: delay,
        remainingMs: Math.max(group.rebalanceTimeoutMs - delay, 0),
      };
      this.timers.set(key, this.now + delay, () => this.onInitialDelay(group));
    } else {
      group.joinPhase = { kind: "rebalance" };
      this.timers.set(key, this.now + group.rebalanceTimeoutMs, () => this.completeJoin(group));
    }
    this.log(
      `group ${group.groupId}: preparing rebalance from ${group.state} (generation ${group.generationId}): ${reason}`,
    );
    group.transitionTo("PreparingRebalance", this.now);
    this.tryCompleteJoin(group);
  }

  /** The initial delay elapsed: extend it while members keep arriving, within the rebalance timeout. */
  private onInitialDelay(group: Group): void {
    const phase = group.joinPhase;
    if (phase?.kind !== "initial") return;
    if (group.newMemberAdded && phase.remainingMs !== 0) {
      group.newMemberAdded = false;
      const delay = Math.min(this.config.groupInitialRebalanceDelayMs, phase.remainingMs);
      group.joinPhase = {
        kind: "initial",
        delayMs: delay,
        remainingMs: Math.max(phase.remainingMs - delay, 0),
      };
      this.timers.set(this.joinKey(group), this.now + delay, () => this.onInitialDelay(group));
      return;
    }
    this.completeJoin(group);
  }

  /** The initial delay never completes early; the rebalance phase does once everyone joined. */
  private tryCompleteJoin(group: Group): void {
    if (
      group.is("PreparingRebalance") && group.joinPhase?.kind === "rebalance" &&
      group.hasAllMembersJoined()
    ) {
      this.completeJoin(group);
    }
  }

  /** Kafka's onCompleteJoin: drop stragglers, start the next generation, answer every JoinGroup. */
  private completeJoin(group: Group): void {
    if (!group.is("PreparingRebalance")) return;
    this.timers.cancel(this.joinKey(group));
    group.joinPhase = null;
    for (const m of [...group.members.values()]) {
      if (m.awaitingJoin === null && !m.isStatic) {
        this.log(
          `group ${group.groupId}: member ${m.memberId} did not rejoin in time; removing it`,
        );
        group.remove(m.memberId);
        this.timers.cancel(this.heartbeatKey(group, m.memberId));
        this.answerRemovedSync(group, m);
      }
    }
    if (!this.maybeElectNewJoinedLeader(group) && group.size > 0) {
      // Only static members that have not rejoined are left: wait for them or their sessions.
      group.joinPhase = { kind: "rebalance" };
      this.timers.set(
        this.joinKey(group),
        this.now + group.rebalanceTimeoutMs,
        () => this.completeJoin(group),
      );
      return;
    }
    group.generationId++;
    group.pendingSyncMembers.clear();
    if (group.size > 0) {
      group.protocolName = group.selectProtocol();
      group.computeSubscribedTopics();
      group.transitionTo("CompletingRebalance", this.now);
    } else {
      group.protocolName = null;
      group.computeSubscribedTopics();
      group.transitionTo("Empty", this.now);
    }
    if (group.is("Empty")) {
      this.log(`group ${group.groupId} generation ${group.generationId} is empty`);
      this.storeGroup(group, new Map(), (error) => {
        if (error !== ErrorCode.NONE) {
          this.log(`group ${group.groupId}: storing the empty generation failed (error ${error})`);
        }
      });
      return;
    }
    this.log(
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
      this.scheduleHeartbeat(group, m, m.sessionTimeoutMs);
      m.isNew = false;
      group.pendingSyncMembers.add(m.memberId);
    }
    const generation = group.generationId;
    this.timers.set(this.syncKey(group), this.now + group.rebalanceTimeoutMs, () => {
      this.onPendingSyncExpired(group, generation);
    });
  }

  private maybeElectNewJoinedLeader(group: Group): boolean {
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

  private onPendingSyncExpired(group: Group, generation: number): void {
    if (!(group.is("CompletingRebalance") || group.is("Stable"))) return;
    if (group.generationId !== generation || group.pendingSyncMembers.size === 0) return;
    const late = [...group.pendingSyncMembers];
    this.log(
      `group ${group.groupId}: members ${late.join(", ")} sent no SyncGroup in time; removing them`,
    );
    for (const id of late) {
      const m = group.members.get(id);
      group.remove(id);
      this.timers.cancel(this.heartbeatKey(group, id));
      if (m) this.answerRemovedSync(group, m);
    }
    this.maybePrepareRebalance(group, "pending SyncGroup expired");
  }

  // --- SyncGroup -------------------------------------------------------------------

  sync(req: SyncRequest, nowMs: number, respond: (r: SyncResult) => void): void {
    this.now = nowMs;
    if (this.unloaded) return respond(syncError(ErrorCode.NOT_COORDINATOR));
    if (req.groupId === "") return respond(syncError(ErrorCode.INVALID_GROUP_ID));
    const group = this.groups.get(req.groupId);
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
        this.removePendingSyncMember(group, req.memberId);
        if (!group.isLeader(req.memberId)) return;
        const given = new Map(req.assignments.map((a) => [a.memberId, a.assignment]));
        const assignment = new Map(
          [...group.members.keys()].map((id) => [id, given.get(id) ?? EMPTY]),
        );
        const generation = group.generationId;
        this.storeGroup(group, assignment, (error) => {
          // Another member may have joined meanwhile: only the same generation, still completing, counts.
          if (!group.is("CompletingRebalance") || group.generationId !== generation) return;
          if (error !== ErrorCode.NONE) {
            this.resetAndPropagateAssignmentError(group, error);
            this.maybePrepareRebalance(group, "storing the assignment failed");
            return;
          }
          for (const m of group.members.values()) {
            m.assignment = assignment.get(m.memberId) ?? EMPTY;
          }
          this.propagateAssignment(group, ErrorCode.NONE);
          group.transitionTo("Stable", this.now);
          this.log(`group ${group.groupId} generation ${generation} is stable`);
        });
        return;
      }
      case "Stable":
        this.removePendingSyncMember(group, req.memberId);
        respond({
          errorCode: ErrorCode.NONE,
          protocolType: group.protocolType,
          protocolName: group.protocolName,
          assignment: member.assignment,
        });
        this.scheduleHeartbeat(group, member, member.sessionTimeoutMs);
        return;
      case "Dead":
        return respond(syncError(ErrorCode.COORDINATOR_NOT_AVAILABLE));
    }
  }

  private removePendingSyncMember(group: Group, memberId: string): void {
    group.pendingSyncMembers.delete(memberId);
    if (group.pendingSyncMembers.size === 0) this.timers.cancel(this.syncKey(group));
  }

  private resetAndPropagateAssignmentError(group: Group, errorCode: number): void {
    for (const m of group.members.values()) m.assignment = EMPTY;
    this.propagateAssignment(group, errorCode);
  }

  /** Answers every parked SyncGroup (with its assignment, or the error) and restarts their sessions. */
  private propagateAssignment(group: Group, errorCode: number): void {
    for (const m of group.members.values()) {
      const answered = group.invokeSync(m, {
        errorCode,
        protocolType: errorCode === ErrorCode.NONE ? group.protocolType : null,
        protocolName: errorCode === ErrorCode.NONE ? group.protocolName : null,
        assignment: errorCode === ErrorCode.NONE ? m.assignment : EMPTY,
      });
      if (answered) this.scheduleHeartbeat(group, m, m.sessionTimeoutMs);
    }
  }

  // --- Heartbeat -----------------------------------------------------------------

  heartbeat(req: HeartbeatRequest, nowMs: number): number {
    this.now = nowMs;
    if (this.unloaded) return ErrorCode.NOT_COORDINATOR;
    if (req.groupId === "") return ErrorCode.INVALID_GROUP_ID;
    const group = this.groups.get(req.groupId);
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
        this.scheduleHeartbeat(group, member, member.sessionTimeoutMs);
        return ErrorCode.NONE;
      case "PreparingRebalance":
        this.scheduleHeartbeat(group, member, member.sessionTimeoutMs);
        return ErrorCode.REBALANCE_IN_PROGRESS;
      case "Dead":
        return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    }
  }

  // --- LeaveGroup -----------------------------------------------------------------

  leave(groupId: string, leaving: LeavingMember[], nowMs: number): LeaveResult {
    this.now = nowMs;
    if (this.unloaded) return { errorCode: ErrorCode.NOT_COORDINATOR, members: [] };
    if (groupId === "") return { errorCode: ErrorCode.INVALID_GROUP_ID, members: [] };
    const group = this.groups.get(groupId);
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
        this.removeMember(group, group.get(current));
        return result(l, ErrorCode.NONE);
      }
      if (group.pendingMembers.has(l.memberId)) {
        this.removePendingMember(group, l.memberId);
        return result(l, ErrorCode.NONE);
      }
      if (group.isStaticMemberFenced(l.groupInstanceId, l.memberId)) {
        return result(l, ErrorCode.FENCED_INSTANCE_ID);
      }
      if (group.has(l.memberId)) {
        this.log(`group ${groupId}: member ${l.memberId} leaves`);
        this.removeMember(group, group.get(l.memberId));
        return result(l, ErrorCode.NONE);
      }
      return result(l, ErrorCode.UNKNOWN_MEMBER_ID);
    });
    return { errorCode: ErrorCode.NONE, members };
  }

  /** Kafka's removeMemberAndUpdateGroup (plus the heartbeat removal). */
  private removeMember(group: Group, member: Member): void {
    group.invokeJoin(member, joinError("", ErrorCode.UNKNOWN_MEMBER_ID));
    this.answerRemovedSync(group, member);
    group.remove(member.memberId);
    this.timers.cancel(this.heartbeatKey(group, member.memberId));
    switch (group.state) {
      case "Stable":
      case "CompletingRebalance":
        this.maybePrepareRebalance(group, `member ${member.memberId} left`);
        break;
      case "PreparingRebalance":
        this.tryCompleteJoin(group);
        break;
      case "Empty":
      case "Dead":
        break;
    }
  }

  private answerRemovedSync(group: Group, member: Member): void {
    group.invokeSync(member, syncError(ErrorCode.UNKNOWN_MEMBER_ID));
  }

  private removePendingMember(group: Group, memberId: string): void {
    group.remove(memberId);
    this.timers.cancel(this.pendingKey(group, memberId));
    if (group.is("PreparingRebalance")) this.tryCompleteJoin(group);
    this.dropIfUnused(group);
  }

  // --- session timers ---------------------------------------------------------------

  private heartbeatKey(group: Group, memberId: string): string {
    return `hb\u0000${group.groupId}\u0000${memberId}`;
  }
  private pendingKey(group: Group, memberId: string): string {
    return `pending\u0000${group.groupId}\u0000${memberId}`;
  }
  private joinKey(group: Group): string {
    return `join\u0000${group.groupId}`;
  }
  private syncKey(group: Group): string {
    return `sync\u0000${group.groupId}`;
  }

  /** (Re)starts a member's expiry: it must be heard from within `timeoutMs`. */
  private scheduleHeartbeat(group: Group, member: Member, timeoutMs: number): void {
    const memberId = member.memberId;
    this.timers.set(this.heartbeatKey(group, memberId), this.now + timeoutMs, () => {
      if (this.groups.get(group.groupId) !== group || !group.has(memberId)) return;
      const m = group.get(memberId);
      // Members waiting for a JoinGroup or SyncGroup answer are alive by definition
      // (the rebalance and pending-sync timeouts cover them); new members are not.
      if (!m.isNew && (m.awaitingJoin !== null || m.awaitingSync !== null)) return;
      this.log(
        `group ${group.groupId}: member ${memberId} ${m.isNew ? "join" : "session"} timed out`,
      );
      this.removeMember(group, m);
      this.dropIfUnused(group);
    });
  }

  private schedulePendingMemberExpiry(group: Group, memberId: string, timeoutMs: number): void {
    this.timers.set(this.pendingKey(group, memberId), this.now + timeoutMs, () => {
      if (this.groups.get(group.groupId) !== group || !group.pendingMembers.has(memberId)) return;
      this.removePendingMember(group, memberId);
    });
  }

  /** A group created by a JoinGroup that came to nothing is forgotten (nothing was stored). */
  private dropIfUnused(group: Group): void {
    if (
      group.is("Empty") && group.generationId === 0 && group.size === 0 &&
      group.pendingMembers.size === 0 && !group.hasOffsets() && group.protocolType === null &&
      this.groups.get(group.groupId) === group
    ) {
      this.groups.delete(group.groupId);
    }
  }

  // --- persistence of group metadata ----------------------------------------------------

  private groupRecord(group: Group, assignment: ReadonlyMap<string, Uint8Array>): StoredRecord {
    const value: GroupValue = {
      protocolType: group.protocolType ?? "",
      generation: group.generationId,
      protocol: group.protocolName,
      leader: group.size > 0 ? group.leaderId : null,
      currentStateTimestamp: group.stateTimestamp,
      members: [...group.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        rebalanceTimeoutMs: m.rebalanceTimeoutMs,
        sessionTimeoutMs: m.sessionTimeoutMs,
        subscription: m.metadata(group.protocolName),
        assignment: assignment.get(m.memberId) ?? EMPTY,
      })),
    };
    return { key: encodeGroupKey(group.groupId), value: encodeGroupValue(value) };
  }

  private storeGroup(
    group: Group,
    assignment: ReadonlyMap<string, Uint8Array>,
    done: (errorCode: number) => void,
  ): void {
    this.write([this.groupRecord(group, assignment)], (code) => done(groupWriteError(code)));
  }

  // --- OffsetCommit -----------------------------------------------------------------

  commitOffsets(req: CommitRequest, nowMs: number, respond: (errorCodes: number[]) => void): void {
    this.now = nowMs;
    const all = (code: number) => respond(req.partitions.map(() => code));
    if (this.unloaded) return all(ErrorCode.NOT_COORDINATOR);
    if (req.groupId === "") return all(ErrorCode.INVALID_GROUP_ID);
    let group = this.groups.get(req.groupId);
    if (!group) {
      if (req.generationId >= 0) {
        return all(
          req.groupIdNotFoundError ? ErrorCode.GROUP_ID_NOT_FOUND : ErrorCode.ILLEGAL_GENERATION,
        );
      }
      // A "simple" group: offsets stored for a consumer that assigns partitions itself.
      group = new Group(req.groupId, "Empty", nowMs);
      this.groups.set(req.groupId, group);
    }
    const invalid = this.validateOffsetCommit(group, req);
    if (invalid !== ErrorCode.NONE) {
      this.dropIfUnused(group);
      return all(invalid);
    }
    if ((group.is("Stable") || group.is("PreparingRebalance")) && group.has(req.memberId)) {
      const m = group.get(req.memberId);
      this.scheduleHeartbeat(group, m, m.sessionTimeoutMs);
    }
    const codes = req.partitions.map((): number => ErrorCode.NONE);
    const records: StoredRecord[] = [];
    const stored: { index: number; key: string; value: OffsetValue }[] = [];
    const expireTimestamp = req.retentionTimeMs === -1 ? null : nowMs + req.retentionTimeMs;
    req.partitions.forEach((p, index) => {
      const metadata = p.metadata ?? "";
      if (utf8.encode(metadata).length > this.config.offsetMetadataMaxBytes) {
        codes[index] = ErrorCode.OFFSET_METADATA_TOO_LARGE;
        return;
      }
      const value: OffsetValue = {
        offset: p.offset,
        leaderEpoch: p.leaderEpoch,
        metadata,
        commitTimestamp: p.commitTimestamp === -1 ? nowMs : p.commitTimestamp,
        expireTimestamp,
      };
      records.push({
        key: encodeOffsetKey(req.groupId, p.topic, p.partition),
        value: encodeOffsetValue(value),
      });
      stored.push({ index, key: tpKey(p.topic, p.partition), value });
    });
    if (records.length === 0) {
      this.dropIfUnused(group);
      return respond(codes);
    }
    const g = group;
    for (const s of stored) {
      g.pendingCommits.set(s.key, (g.pendingCommits.get(s.key) ?? 0) + 1);
      g.pendingCommitCount++;
    }
    this.write(records, (code, logOffset) => {
      const error = commitWriteError(code);
      for (const s of stored) {
        const n = g.pendingCommits.get(s.key)! - 1;
        if (n === 0) g.pendingCommits.delete(s.key);
        else g.pendingCommits.set(s.key, n);
        g.pendingCommitCount--;
        if (error === ErrorCode.NONE && !g.is("Dead")) {
          // Later writes win; within one write (same log offset) the later entry does.
          const prev = g.offsets.get(s.key);
          if (prev === undefined || prev.logOffset <= logOffset) {
            g.offsets.set(s.key, { ...s.value, logOffset });
          }
        }
        codes[s.index] = error;
      }
      if (g.pendingCommitCount === 0 && g.stableWaiters.length > 0) {
        const waiters = g.stableWaiters;
        g.stableWaiters = [];
        for (const w of waiters) w();
      }
      if (this.groups.get(g.groupId) === g) this.dropIfUnused(g);
      respond(codes);
    });
  }

  /** Kafka 4.x ClassicGroup.validateOffsetCommit (non-transactional). */
  private validateOffsetCommit(group: Group, req: CommitRequest): number {
    if (group.is("Dead")) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    // Admin clients and assign-only consumers commit with generation -1 to an empty group.
    if (req.generationId < 0 && group.is("Empty")) return ErrorCode.NONE;
    if (req.generationId >= 0 || req.memberId !== "" || req.groupInstanceId !== null) {
      if (req.groupInstanceId !== null) {
        const current = group.staticMembers.get(req.groupInstanceId);
        if (current === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
        if (current !== req.memberId) return ErrorCode.FENCED_INSTANCE_ID;
      }
      if (!group.has(req.memberId)) return ErrorCode.UNKNOWN_MEMBER_ID;
      if (req.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    } else if (!group.is("Empty")) {
      // Only members may commit to a group that has members.
      return ErrorCode.UNKNOWN_MEMBER_ID;
    }
    if (group.is("CompletingRebalance")) return ErrorCode.REBALANCE_IN_PROGRESS;
    return ErrorCode.NONE;
  }

  // --- OffsetFetch -------------------------------------------------------------------

  /**
   * Committed offsets (-1 where none). With `requireStable` the answer waits
   * for the group's in-flight commits, so it includes every acknowledged one.
   */
  fetchOffsets(
    groupId: string,
    partitions: { topic: string; partition: number }[] | null,
    requireStable: boolean,
    nowMs: number,
    respond: (r: FetchOffsetsResult) => void,
  ): void {
    this.now = nowMs;
    if (this.unloaded) return respond({ errorCode: ErrorCode.NOT_COORDINATOR, offsets: [] });
    if (groupId === "") return respond({ errorCode: ErrorCode.INVALID_GROUP_ID, offsets: [] });
    const group = this.groups.get(groupId);
    const answer = () => {
      if (this.unloaded) return respond({ errorCode: ErrorCode.NOT_COORDINATOR, offsets: [] });
      const live = group !== undefined && this.groups.get(groupId) === group && !group.is("Dead");
      const wanted = partitions ??
        (live ? [...group.offsets.keys()].sort().map(splitTpKey) : []);
      respond({
        errorCode: ErrorCode.NONE,
        offsets: wanted.map(({ topic, partition }) => {
          const o = live ? group.offsets.get(tpKey(topic, partition)) : undefined;
          return {
            topic,
            partition,
            offset: o?.offset ?? -1,
            leaderEpoch: o?.leaderEpoch ?? -1,
            metadata: o?.metadata ?? "",
            errorCode: ErrorCode.NONE,
          };
        }),
      });
    };
    if (requireStable && group !== undefined && group.pendingCommitCount > 0) {
      group.stableWaiters.push(answer);
    } else {
      answer();
    }
  }

  // --- DescribeGroups / ListGroups --------------------------------------------------------

  describe(groupId: string, nowMs: number): DescribedGroup {
    this.now = nowMs;
    const base = {
      errorMessage: null,
      groupId,
      protocolType: "",
      protocolData: "",
      members: [] as DescribedMember[],
    };
    if (this.unloaded) return { ...base, errorCode: ErrorCode.NOT_COORDINATOR, state: "Dead" };
    if (groupId === "") return { ...base, errorCode: ErrorCode.INVALID_GROUP_ID, state: "Dead" };
    const group = this.groups.get(groupId);
    if (!group || group.is("Dead")) {
      return {
        ...base,
        errorCode: ErrorCode.GROUP_ID_NOT_FOUND,
        errorMessage: `Group ${groupId} not found.`,
        state: "Dead",
      };
    }
    const stable = group.is("Stable");
    return {
      ...base,
      errorCode: ErrorCode.NONE,
      state: group.state,
      protocolType: group.protocolType ?? "",
      protocolData: stable ? (group.protocolName ?? "") : "",
      members: [...group.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        metadata: stable ? m.metadata(group.protocolName) : EMPTY,
        assignment: stable ? m.assignment : EMPTY,
      })),
    };
  }

  list(): ListedGroup[] {
    if (this.unloaded) return [];
    return [...this.groups.values()].filter((g) => !g.is("Dead")).map((g) => ({
      groupId: g.groupId,
      protocolType: g.protocolType ?? "",
      state: g.state,
      type: "classic",
    }));
  }

  // --- DeleteGroups / OffsetDelete / retention ------------------------------------------

  /** Deletes empty groups and their offsets (tombstones); answers once they are stored. */
  deleteGroups(
    groupIds: string[],
    nowMs: number,
    respond: (r: { groupId: string; errorCode: number }[]) => void,
  ): void {
    this.now = nowMs;
    const results = groupIds.map((groupId) => ({ groupId, errorCode: ErrorCode.NONE as number }));
    const records: StoredRecord[] = [];
    const deleted: number[] = [];
    results.forEach((r, i) => {
      const group = this.groups.get(r.groupId);
      if (this.unloaded) r.errorCode = ErrorCode.NOT_COORDINATOR;
      else if (r.groupId === "") r.errorCode = ErrorCode.INVALID_GROUP_ID;
      else if (!group || group.is("Dead")) r.errorCode = ErrorCode.GROUP_ID_NOT_FOUND;
      else if (!group.is("Empty")) r.errorCode = ErrorCode.NON_EMPTY_GROUP;
      else {
        records.push(...this.removeGroup(group, [...group.offsets.keys()], true));
        deleted.push(i);
      }
    });
    if (records.length === 0) return respond(results);
    this.write(records, (code) => {
      const error = groupWriteError(code);
      for (const i of deleted) results[i].errorCode = error;
      respond(results);
    });
  }

  /**
   * Drops `keys` from a group's offsets; a group left empty with no offsets
   * (or any empty group, when `force`: DeleteGroups) dies. Returns the tombstones.
   */
  private removeGroup(group: Group, keys: string[], force = false): StoredRecord[] {
    const records: StoredRecord[] = [];
    for (const k of keys) {
      if (!group.offsets.delete(k)) continue;
      const { topic, partition } = splitTpKey(k);
      records.push({ key: encodeOffsetKey(group.groupId, topic, partition), value: null });
    }
    if (group.is("Empty") && (force || !group.hasOffsets())) {
      group.transitionTo("Dead", this.now);
      this.groups.delete(group.groupId);
      this.cancelGroupTimers(group);
      records.push({ key: encodeGroupKey(group.groupId), value: null });
      this.log(`group ${group.groupId} deleted`);
    }
    return records;
  }

  private cancelGroupTimers(group: Group): void {
    this.timers.cancel(this.joinKey(group));
    this.timers.cancel(this.syncKey(group));
    for (const id of group.members.keys()) this.timers.cancel(this.heartbeatKey(group, id));
    for (const id of group.pendingMembers) this.timers.cancel(this.pendingKey(group, id));
  }

  /** OffsetDelete: drops offsets of topics the group does not consume (any when it is empty). */
  deleteOffsets(
    groupId: string,
    partitions: { topic: string; partition: number }[],
    nowMs: number,
    respond: (r: DeleteOffsetsResult) => void,
  ): void {
    this.now = nowMs;
    const fail = (errorCode: number) => respond({ errorCode, partitions: [] });
    if (this.unloaded) return fail(ErrorCode.NOT_COORDINATOR);
    if (groupId === "") return fail(ErrorCode.INVALID_GROUP_ID);
    const group = this.groups.get(groupId);
    if (!group || group.is("Dead")) return fail(ErrorCode.GROUP_ID_NOT_FOUND);
    let eligible: { topic: string; partition: number }[];
    const results = partitions.map((p) => ({ ...p, errorCode: ErrorCode.NONE as number }));
    if (group.is("Empty")) {
      eligible = partitions;
    } else if (group.protocolType === "consumer") {
      eligible = [];
      for (const r of results) {
        if (group.isSubscribedToTopic(r.topic)) r.errorCode = ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC;
        else eligible.push(r);
      }
    } else {
      return fail(ErrorCode.NON_EMPTY_GROUP);
    }
    const records = this.removeGroup(group, eligible.map((p) => tpKey(p.topic, p.partition)));
    if (records.length === 0) return respond({ errorCode: ErrorCode.NONE, partitions: results });
    this.write(records, (code) => {
      const error = groupWriteError(code);
      if (error !== ErrorCode.NONE) return fail(error);
      respond({ errorCode: ErrorCode.NONE, partitions: results });
    });
  }

  private scheduleRetention(): void {
    this.timers.set("retention", this.now + this.config.offsetsRetentionCheckIntervalMs, () => {
      this.expireOffsets();
      this.scheduleRetention();
    });
  }

  /**
   * offsets.retention.minutes (KIP-211): an empty group's offsets expire that
   * long after it became empty; a stable consumer group's offsets of topics
   * it no longer subscribes to, that long after their commit; a simple group's,
   * that long after their commit; an explicit expire timestamp (OffsetCommit
   * v1-4 retention) wins. Empty groups left without offsets are deleted.
   */
  private expireOffsets(): void {
    const now = this.now;
    const retention = this.config.offsetsRetentionMs;
    const records: StoredRecord[] = [];
    for (const group of [...this.groups.values()]) {
      let base: ((o: OffsetEntry) => number) | null = null;
      let keep: Set<string> | null = null;
      if (group.protocolType !== null && group.is("Empty")) {
        base = () => group.stateTimestamp;
      } else if (
        group.protocolType === "consumer" && group.subscribedTopics !== null && group.is("Stable")
      ) {
        base = (o) => o.commitTimestamp;
        keep = group.subscribedTopics;
      } else if (group.protocolType === null) {
        base = (o) => o.commitTimestamp;
      }
      if (base === null) continue;
      const expired: string[] = [];
      for (const [k, o] of group.offsets) {
        if (group.pendingCommits.has(k)) continue;
        if (keep !== null && keep.has(splitTpKey(k).topic)) continue;
        const due = o.expireTimestamp !== null
          ? now >= o.expireTimestamp
          : now - base(o) >= retention;
        if (due) expired.push(k);
      }
      if (expired.length > 0) {
        this.log(`group ${group.groupId}: ${expired.length} offsets expired`);
      }
      if (expired.length > 0 || (group.is("Empty") && !group.hasOffsets())) {
        records.push(...this.removeGroup(group, expired));
      }
    }
    if (records.length > 0) {
      this.write(records, (code) => {
        if (code !== ErrorCode.NONE) this.log(`storing expired offsets failed (error ${code})`);
      });
    }
  }
}
