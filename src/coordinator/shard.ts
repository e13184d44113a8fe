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
import { ErrorCode } from "../protocol/errors.ts";
import * as admin from "./admin.ts";
import type { Group, GroupState, JoinResult, Protocol, SyncResult } from "./group.ts";
import * as joinSync from "./join_sync.ts";
import { buildGroups, newReplayed, type Replayed, replayRecord } from "./loading.ts";
import * as membership from "./membership.ts";
import * as offsets from "./offsets.ts";
import { joinError, newShardState, type ShardState, syncError } from "./shard_state.ts";
import type {
  CommitRequest,
  DeleteOffsetsResult,
  DescribedGroup,
  FetchOffsetsResult,
  HeartbeatRequest,
  JoinRequest,
  LeaveResult,
  LeavingMember,
  ListedGroup,
  PendingWrite,
  ShardOptions,
  SyncRequest,
} from "./shard_types.ts";

export type { GroupState, JoinResult, Protocol, SyncResult };
export type {
  CommitPartition,
  CommitRequest,
  DeleteOffsetsResult,
  DescribedGroup,
  DescribedMember,
  FetchedOffset,
  FetchOffsetsResult,
  HeartbeatRequest,
  JoinRequest,
  LeaveResult,
  LeavingMember,
  ListedGroup,
  PendingWrite,
  ShardOptions,
  StoredRecord,
  SyncRequest,
} from "./shard_types.ts";

/**
 * The shard's requests are handled by functions over its `ShardState`:
 * join_sync.ts (JoinGroup, SyncGroup), rebalance.ts (rebalance phases, member
 * sessions), membership.ts (Heartbeat, LeaveGroup), offsets.ts (OffsetCommit,
 * OffsetFetch, retention), admin.ts (describe, list, deletion),
 * persistence.ts (write effects) and loading.ts (replay).
 */
export class GroupShard {
  private readonly s: ShardState;
  /** Replay state, until finishLoading. */
  private loading: Replayed | null = newReplayed();

  constructor(readonly partition: number, opts: ShardOptions) {
    this.s = newShardState(opts);
  }

  // --- loading ----------------------------------------------------------------

  /** Replays one stored record (in log order) while loading. */
  replay(key: Uint8Array, value: Uint8Array | null, logOffset: number): void {
    const l = this.loading;
    if (l === null) throw new Error("replay after loading finished");
    replayRecord(l, key, value, logOffset);
  }

  /**
   * Builds the groups from what was replayed: a group with members is Stable
   * (its members' sessions restart now), one without is Empty, offsets with no
   * group make a simple group. Starts the retention check.
   */
  finishLoading(nowMs: number): void {
    this.s.now = nowMs;
    const l = this.loading;
    if (l === null) throw new Error("finishLoading twice");
    this.loading = null;
    buildGroups(this.s, l, nowMs);
  }

  get isLoaded(): boolean {
    return this.loading === null;
  }

  /** Gives the groups up (shutdown or lost leadership): every parked request gets NOT_COORDINATOR. */
  unload(): void {
    const s = this.s;
    s.unloaded = true;
    for (const g of s.groups.values()) {
      for (const m of g.members.values()) {
        g.invokeJoin(m, joinError(m.memberId, ErrorCode.NOT_COORDINATOR));
        g.invokeSync(m, syncError(ErrorCode.NOT_COORDINATOR));
      }
      const waiters = g.stableWaiters;
      g.stableWaiters = [];
      for (const w of waiters) w();
    }
    s.groups.clear();
    s.timers.clear();
  }

  // --- time and effects --------------------------------------------------------

  nextDeadlineMs(): number | null {
    return this.s.timers.next();
  }

  /** Fires every deadline due at `nowMs`. */
  poll(nowMs: number): void {
    this.s.now = nowMs;
    this.s.timers.runDue(nowMs);
  }

  /** Records to append, in order; each is one unit (one batch). */
  takeWrites(): PendingWrite[] {
    const w = this.s.writes;
    this.s.writes = [];
    return w;
  }

  /** A write finished: errorCode NONE once durable (logOffset = its last offset), else the append error. */
  completeWrite(id: number, errorCode: number, logOffset: number, nowMs: number): void {
    this.s.now = nowMs;
    const done = this.s.writeDone.get(id);
    if (!done) throw new Error(`unknown coordinator write ${id}`);
    this.s.writeDone.delete(id);
    done(errorCode, logOffset);
  }

  get pendingWriteCount(): number {
    return this.s.writeDone.size;
  }

  // --- inspection (tests, ListGroups) ---------------------------------------------

  group(groupId: string): Group | undefined {
    return this.s.groups.get(groupId);
  }

  groupIds(): string[] {
    return [...this.s.groups.keys()];
  }

  // --- requests ------------------------------------------------------------------

  join(req: JoinRequest, nowMs: number, respond: (r: JoinResult) => void): void {
    joinSync.join(this.s, req, nowMs, respond);
  }

  sync(req: SyncRequest, nowMs: number, respond: (r: SyncResult) => void): void {
    joinSync.sync(this.s, req, nowMs, respond);
  }

  heartbeat(req: HeartbeatRequest, nowMs: number): number {
    return membership.heartbeat(this.s, req, nowMs);
  }

  leave(groupId: string, leaving: LeavingMember[], nowMs: number): LeaveResult {
    return membership.leave(this.s, groupId, leaving, nowMs);
  }

  commitOffsets(req: CommitRequest, nowMs: number, respond: (errorCodes: number[]) => void): void {
    offsets.commitOffsets(this.s, req, nowMs, respond);
  }

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
    offsets.fetchOffsets(this.s, groupId, partitions, requireStable, nowMs, respond);
  }

  describe(groupId: string, nowMs: number): DescribedGroup {
    return admin.describe(this.s, groupId, nowMs);
  }

  list(): ListedGroup[] {
    return admin.list(this.s);
  }

  /** Deletes empty groups and their offsets (tombstones); answers once they are stored. */
  deleteGroups(
    groupIds: string[],
    nowMs: number,
    respond: (r: { groupId: string; errorCode: number }[]) => void,
  ): void {
    admin.deleteGroups(this.s, groupIds, nowMs, respond);
  }

  /** OffsetDelete: drops offsets of topics the group does not consume (any when it is empty). */
  deleteOffsets(
    groupId: string,
    partitions: { topic: string; partition: number }[],
    nowMs: number,
    respond: (r: DeleteOffsetsResult) => void,
  ): void {
    admin.deleteOffsets(this.s, groupId, partitions, nowMs, respond);
  }
}
