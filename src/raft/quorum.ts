/**
 * RaftQuorum: the KRaft state machine of one node, sans-I/O.
 *
 * - `poll(nowMs)` fires due timers and returns the next deadline;
 *   `handle(message, nowMs)` takes one RPC and returns what to send;
 *   `drain()` returns what poll() and append() queued. The host calls poll()
 *   after every handle(), append() and completed flush.
 * - Elections are KIP-595 with KIP-996 pre-vote: a voter that loses its leader
 *   (fetch timeout) or has none (election timeout, randomized) first asks for
 *   pre-votes without changing its epoch; only a pre-vote majority makes it a
 *   candidate, which bumps the epoch, votes for itself and persists that before
 *   sending Vote. A leader that has not heard from a majority for 1.5 fetch
 *   timeouts resigns (check quorum), so a partitioned leader steps aside.
 * - Replication is KRaft's pull: followers and observers Fetch the metadata
 *   partition; the fetch offset is the follower's durable (flushed) log end, so
 *   it doubles as the acknowledgement. The leader answers with every batch past
 *   that offset (up to the byte limit) or holds the Fetch until new data or a
 *   new high watermark arrives. Appends are pipelined: any number of them may be
 *   in flight, each poll writes what accumulated as one batch, the leader's own
 *   fsync overlaps with followers fetching the unflushed tail, and one Fetch
 *   round trip carries every batch written since the last.
 * - The high watermark is the majority's durable end offset, and only once it
 *   covers the LeaderChange record that opened the current epoch (a leader never
 *   commits an older epoch's entries by counting replicas). With one voter it
 *   moves as soon as the leader's own flush completes.
 * - Divergence: a follower sends its last epoch; the leader answers with the
 *   end of that epoch in its own log when they differ, and the follower
 *   truncates there (never below its high watermark). A follower behind the
 *   leader's log start is sent the snapshot id and fetches it with FetchSnapshot.
 */
import { assert } from "../base/assert.ts";
import {
  raftBatchBytesMax,
  raftFetchBytesMax,
  raftPendingAppendBytesMax,
  raftSnapshotBytesMax,
  raftSnapshotChunkBytes,
} from "../base/limits.ts";
import { DecodeError } from "../protocol/decode_error.ts";
import { ErrorCode } from "../protocol/errors.ts";
import type {
  BeginQuorumEpochRequest,
  BeginQuorumEpochResponse,
} from "../protocol/generated/begin_quorum_epoch.ts";
import type {
  DescribeQuorumResponse,
  DescribeQuorumResponseReplicaState,
} from "../protocol/generated/describe_quorum.ts";
import type {
  EndQuorumEpochRequest,
  EndQuorumEpochResponse,
} from "../protocol/generated/end_quorum_epoch.ts";
import type {
  FetchRequest,
  FetchRequestFetchPartition,
  FetchResponse,
  FetchResponsePartitionData,
} from "../protocol/generated/fetch.ts";
import type {
  FetchSnapshotRequest,
  FetchSnapshotResponse,
  FetchSnapshotResponsePartitionSnapshot,
} from "../protocol/generated/fetch_snapshot.ts";
import type { VoteRequest, VoteResponse } from "../protocol/generated/vote.ts";
import { ZERO_UUID } from "../protocol/uuid.ts";
import {
  BEGIN_QUORUM_EPOCH,
  DESCRIBE_QUORUM,
  END_QUORUM_EPOCH,
  FETCH,
  FETCH_SNAPSHOT,
  type RaftMessage,
  type RaftRequest,
  type RaftRequestBody,
  type RaftResponse,
  type RaftResponseBody,
  VOTE,
} from "./messages.ts";
import {
  buildSnapshot,
  dataBatch,
  fetchedBatches,
  joinRecords,
  leaderChangeBatch,
  METADATA_PARTITION,
  METADATA_TOPIC,
  METADATA_TOPIC_ID,
  parseSnapshot,
} from "./records.ts";
import type {
  ElectionState,
  LogBatch,
  QuorumConfig,
  QuorumMetrics,
  RaftIo,
  Role,
  SnapshotId,
} from "./types.ts";

/** What the state machine above the quorum applies next (see nextCommitted). */
export type Committed =
  | { kind: "snapshot"; id: SnapshotId; values: Uint8Array[] }
  | { kind: "batches"; batches: LogBatch[] };

export type AppendResult =
  | { ok: true; epoch: number; baseOffset: number; lastOffset: number }
  | { ok: false; error: "not_leader" | "backpressure"; leaderId: number; epoch: number };

/** Fate of an append, from the node that accepted it. */
export type AppendStatus = "committed" | "pending" | "lost" | "unknown";

/** What the leader knows of another replica (Kafka's ReplicaState). */
interface ReplicaState {
  readonly id: number;
  readonly voter: boolean;
  /** Durable log end the replica last reported in a valid Fetch; -1 before that. */
  endOffset: number;
  lastFetchMs: number;
  lastCaughtUpMs: number;
  /** Fetched in this epoch, or answered BeginQuorumEpoch: no need to resend it. */
  acknowledged: boolean;
  beginSentMs: number;
}

interface ParkedFetch {
  request: RaftRequest & { apiKey: typeof FETCH };
  partition: FetchRequestFetchPartition;
  deadline: number;
}

interface Pending {
  apiKey: number;
  to: number;
  sentMs: number;
  epoch: number;
  round: number;
  preVote: boolean;
}

interface SnapshotFetch {
  id: SnapshotId;
  position: number;
  size: number;
  chunks: Uint8Array[];
}

/** High watermark a Fetch sends when it does not know one (Kafka's Long.MAX_VALUE). */
const UNKNOWN_HWM = 2 ** 63;

export class RaftQuorum {
  readonly nodeId: number;
  readonly isVoter: boolean;
  readonly metrics: QuorumMetrics = {
    leaderChanges: 0,
    elections: 0,
    preVotes: 0,
    snapshotsFetched: 0,
    truncations: 0,
    lastElectionMs: -1,
  };

  protected readonly voters: readonly number[];
  protected readonly majority: number;
  private readonly log;
  private readonly io: RaftIo;
  private readonly config: QuorumConfig;

  // Persisted election state (Kafka's quorum-state) and the role on top of it.
  private epochValue = 0;
  private votedId = -1;
  private leaderIdValue = -1;
  private roleValue: Role = "unattached";
  private hwm: number;
  private now: number;

  private outbox: RaftMessage[] = [];
  private pending = new Map<number, Pending>();
  private nextCorrelationId: number;

  /** Election deadline (unattached, prospective, candidate, resigned). */
  private electionDeadline = Infinity;
  /** Current pre-vote or vote round; responses from other rounds are ignored. */
  private round = 0;
  private grants = new Set<number>();
  private rejects = new Set<number>();
  /** The leader that resigned this epoch (EndQuorumEpoch): not to be followed again. */
  private resignedLeaderId = -1;
  private leaderlessSinceMs: number;
  /** The last (epoch, leader) counted in metrics.leaderChanges. */
  private knownLeaderEpoch = -1;
  private knownLeaderId = -1;

  // Follower and observer.
  /** Last time the leader itself was heard from (a fetch answered, BeginQuorumEpoch). */
  private lastLeaderContactMs = 0;
  /** A follower that has not heard from its leader by then gives up on it. */
  private followDeadline = 0;
  private fetchInFlight = -1;
  private fetchSentMs = 0;
  private fetchBackoffUntil = 0;
  private snapshotFetch: SnapshotFetch | null = null;
  private bootstrapIndex = 0;

  // Leader.
  private replicas = new Map<number, ReplicaState>();
  private parked = new Map<number, ParkedFetch>();
  private epochStartOffset = -1;
  private leaderSinceMs = 0;
  private accumulated: Uint8Array[] = [];
  private accumulatedBytes = 0;
  private accumulatedSinceMs = 0;

  constructor(config: QuorumConfig, io: RaftIo, nowMs: number) {
    assert(new Set(config.voters).size === config.voters.length, "duplicate voter ids");
    assert(config.voters.length > 0, "a quorum needs at least one voter");
    this.config = config;
    this.io = io;
    this.log = io.log;
    this.nodeId = config.nodeId;
    this.voters = [...config.voters];
    this.isVoter = config.voters.includes(config.nodeId);
    this.majority = Math.floor(config.voters.length / 2) + 1;
    this.now = nowMs;
    this.leaderlessSinceMs = nowMs;
    this.nextCorrelationId = 1 + Math.floor(io.random.next() * 0x3fffffff);
    this.reconcileSnapshot();
    this.hwm = this.log.startOffset;

    const st = io.election.read();
    if (st !== null) {
      this.epochValue = st.epoch;
      this.votedId = st.votedId;
      this.leaderIdValue = st.leaderId;
    }
    // A log entry can only come from a leader of an epoch this node had accepted.
    assert(this.log.lastEpoch <= this.epochValue || st === null, "log is ahead of quorum-state");
    if (this.log.lastEpoch > this.epochValue) this.epochValue = this.log.lastEpoch;

    if (this.leaderIdValue === this.nodeId) {
      // Leadership does not survive a restart: resign the epoch, never lead it twice.
      this.roleValue = "resigned";
      this.leaderIdValue = -1;
      this.resignedLeaderId = this.nodeId;
      this.electionDeadline = nowMs + this.randomElectionTimeout();
    } else if (this.leaderIdValue >= 0) {
      this.roleValue = "follower";
      this.lastLeaderContactMs = nowMs;
      this.followDeadline = nowMs + config.fetchTimeoutMs;
      this.noteLeaderKnown();
    } else {
      this.roleValue = "unattached";
      this.electionDeadline = nowMs + this.randomElectionTimeout();
    }
  }

  /** Makes the log agree with the newest snapshot after a crash between the two writes. */
  private reconcileSnapshot(): void {
    const snap = this.io.snapshots.latest();
    if (snap === null || snap.endOffset <= this.log.startOffset) return;
    const aligned = snap.endOffset < this.log.endOffset &&
      this.log.read(snap.endOffset, 1)[0]?.baseOffset === snap.endOffset;
    if (snap.endOffset === this.log.endOffset || aligned) {
      this.log.deleteBefore(snap.endOffset, snap.epoch);
    } else {
      this.log.resetTo(snap.endOffset, snap.epoch);
    }
  }

  // --- state --------------------------------------------------------------------

  get role(): Role {
    return this.roleValue;
  }
  get epoch(): number {
    return this.epochValue;
  }
  /** The leader of the current epoch as far as this node knows, or -1. */
  get leaderId(): number {
    return this.roleValue === "leader" ? this.nodeId : this.leaderIdValue;
  }
  get highWatermark(): number {
    return this.hwm;
  }
  get logEndOffset(): number {
    return this.log.endOffset;
  }
  get logStartOffset(): number {
    return this.log.startOffset;
  }
  /** Offset of the LeaderChange record that opened the current epoch (leader only, else -1). */
  get epochStart(): number {
    return this.roleValue === "leader" ? this.epochStartOffset : -1;
  }
  /** A snapshot being fetched from the leader, if any. */
  get fetchingSnapshot(): SnapshotId | null {
    return this.snapshotFetch?.id ?? null;
  }

  /** Queued outbound messages (from poll, append, resign), emptied. */
  drain(): RaftMessage[] {
    const out = this.outbox;
    this.outbox = [];
    return out;
  }

  // --- timers -------------------------------------------------------------------

  /** Fires whatever is due at `nowMs`; returns the next deadline (Infinity: none). */
  poll(nowMs: number): number {
    this.now = Math.max(this.now, nowMs);
    const now = this.now;
    this.expirePending();
    if (this.isVoter && this.voters.length === 1 && this.roleValue !== "leader") {
      // The only voter needs nobody's vote: lead at once (single-node metadata quorum).
      this.becomeCandidate();
    }
    switch (this.roleValue) {
      case "leader":
        this.writeAccumulated(false);
        this.updateHighWatermark();
        this.expireParked();
        this.sendBeginQuorumEpochs();
        if (now >= this.checkQuorumDeadline()) this.becomeResigned();
        break;
      case "follower":
        if (now >= this.followDeadline) {
          if (this.isVoter) {
            this.becomeProspective();
          } else {
            this.becomeUnattached(this.epochValue, true);
          }
        } else {
          this.maybeFetch();
        }
        break;
      case "unattached":
        if (this.isVoter) {
          if (now >= this.electionDeadline) this.becomeProspective();
        } else {
          this.maybeFetch();
        }
        break;
      case "prospective":
      case "candidate":
      case "resigned":
        if (now >= this.electionDeadline) this.becomeProspective();
        break;
    }
    return this.nextDeadline();
  }

  private nextDeadline(): number {
    let d = Infinity;
    switch (this.roleValue) {
      case "leader": {
        d = this.checkQuorumDeadline();
        for (const p of this.parked.values()) d = Math.min(d, p.deadline);
        for (const r of this.replicas.values()) {
          if (!r.voter) continue;
          const silentAt = r.acknowledged ? r.lastFetchMs + this.config.fetchTimeoutMs : -Infinity;
          d = Math.min(d, Math.max(silentAt, r.beginSentMs + this.config.requestTimeoutMs));
        }
        if (this.accumulated.length > 0) {
          d = Math.min(d, this.accumulatedSinceMs + this.config.appendLingerMs);
        }
        break;
      }
      case "follower":
      case "unattached":
        if (this.roleValue === "follower") {
          d = this.followDeadline;
        } else if (this.isVoter) {
          d = this.electionDeadline;
        }
        if (this.roleValue === "follower" || !this.isVoter) {
          if (this.fetchInFlight >= 0) d = Math.min(d, this.fetchSentMs + this.fetchExpiryMs());
          else if (this.fetchMayAcknowledge()) {
            d = Math.min(d, Math.max(this.fetchBackoffUntil, this.now));
          }
        }
        break;
      default:
        d = this.electionDeadline;
    }
    return d;
  }

  private fetchExpiryMs(): number {
    return this.config.fetchMaxWaitMs + this.config.requestTimeoutMs;
  }

  /** Forgets requests whose answer is overdue (lost); a lost fetch is simply sent again. */
  private expirePending(): void {
    const fetchExpiry = this.fetchExpiryMs();
    const otherExpiry = Math.max(this.config.requestTimeoutMs, fetchExpiry);
    for (const [id, p] of this.pending) {
      const expiry = id === this.fetchInFlight ? fetchExpiry : otherExpiry;
      if (this.now < p.sentMs + expiry) continue;
      this.pending.delete(id);
      if (id === this.fetchInFlight) this.fetchInFlight = -1;
    }
  }

  private randomElectionTimeout(): number {
    const t = this.config.electionTimeoutMs;
    return t + Math.floor(this.io.random.next() * t);
  }

  private randomBackoff(): number {
    return 1 + Math.floor(this.io.random.next() * this.config.electionBackoffMaxMs);
  }

  private retryBackoff(): number {
    return Math.max(1, Math.floor(this.config.electionBackoffMaxMs / 10));
  }

  // --- transitions ----------------------------------------------------------------

  private persist(): void {
    const s: ElectionState = {
      epoch: this.epochValue,
      votedId: this.votedId,
      leaderId: this.roleValue === "leader" ? this.nodeId : this.leaderIdValue,
    };
    this.io.election.write(s);
  }

  /** Leaving any role: drop what belonged to it. */
  private leaveRole(): void {
    if (this.roleValue === "leader") {
      for (const p of this.parked.values()) this.answerParkedWithError(p);
      this.parked.clear();
      this.replicas.clear();
      this.accumulated = [];
      this.accumulatedBytes = 0;
      this.epochStartOffset = -1;
    }
    this.fetchInFlight = -1;
    this.fetchBackoffUntil = 0;
    this.snapshotFetch = null;
    this.grants.clear();
    this.rejects.clear();
  }

  private noteLeaderless(): void {
    if (this.leaderlessSinceMs < 0) this.leaderlessSinceMs = this.now;
  }

  private noteLeaderKnown(): void {
    const leader = this.leaderId;
    if (this.knownLeaderEpoch === this.epochValue && this.knownLeaderId === leader) {
      // Back to the same leader after a pre-vote that found it alive: no change.
      this.leaderlessSinceMs = -1;
      return;
    }
    this.knownLeaderEpoch = this.epochValue;
    this.knownLeaderId = leader;
    this.metrics.leaderChanges++;
    if (this.leaderlessSinceMs >= 0) {
      this.metrics.lastElectionMs = this.now - this.leaderlessSinceMs;
      this.leaderlessSinceMs = -1;
    }
  }

  private becomeUnattached(epoch: number, keepEpoch = false): void {
    assert(epoch > this.epochValue || keepEpoch, `unattached at ${epoch} from ${this.epochValue}`);
    this.leaveRole();
    if (epoch > this.epochValue) {
      this.epochValue = epoch;
      this.votedId = -1;
      this.resignedLeaderId = -1;
    }
    this.leaderIdValue = -1;
    this.roleValue = "unattached";
    this.persist();
    this.electionDeadline = this.now + this.randomElectionTimeout();
    this.noteLeaderless();
  }

  private becomeFollower(epoch: number, leaderId: number): void {
    assert(leaderId >= 0 && leaderId !== this.nodeId, `follow ${leaderId}`);
    assert(epoch >= this.epochValue, `follow at ${epoch} from ${this.epochValue}`);
    assert(
      this.roleValue !== "leader" || epoch > this.epochValue,
      `two leaders in epoch ${epoch}: ${this.nodeId} and ${leaderId}`,
    );
    this.leaveRole();
    if (epoch > this.epochValue) {
      this.votedId = -1;
      this.resignedLeaderId = -1;
    }
    // Hearing again of the leader this node had given up on is not hearing from it:
    // it gets one fetch to prove itself, and pre-votes are still granted meanwhile.
    // (Else two followers of a dead leader would keep reviving it for each other.)
    const same = this.knownLeaderEpoch === epoch && this.knownLeaderId === leaderId;
    if (!same) this.lastLeaderContactMs = this.now;
    this.followDeadline = Math.max(
      this.lastLeaderContactMs + this.config.fetchTimeoutMs,
      this.now + this.fetchExpiryMs(),
    );
    this.epochValue = epoch;
    this.leaderIdValue = leaderId;
    this.roleValue = "follower";
    this.persist();
    this.noteLeaderKnown();
  }

  private becomeProspective(): void {
    assert(this.isVoter, "an observer never runs for election");
    this.leaveRole();
    this.noteLeaderless();
    this.roleValue = "prospective";
    this.round++;
    this.metrics.preVotes++;
    this.grants.add(this.nodeId);
    this.electionDeadline = this.now + this.randomElectionTimeout();
    if (this.grants.size >= this.majority) {
      this.becomeCandidate();
      return;
    }
    this.sendVotes(true);
  }

  private becomeCandidate(): void {
    this.leaveRole();
    this.noteLeaderless();
    this.epochValue++;
    this.votedId = this.nodeId;
    this.leaderIdValue = -1;
    this.resignedLeaderId = -1;
    this.roleValue = "candidate";
    this.persist();
    this.round++;
    this.metrics.elections++;
    this.grants.add(this.nodeId);
    this.electionDeadline = this.now + this.randomElectionTimeout();
    if (this.grants.size >= this.majority) {
      this.becomeLeader();
      return;
    }
    this.sendVotes(false);
  }

  private becomeLeader(): void {
    assert(this.roleValue === "candidate", "only a candidate becomes leader");
    const granting = [...this.grants].sort((a, b) => a - b);
    this.leaveRole();
    this.roleValue = "leader";
    this.leaderIdValue = this.nodeId;
    this.persist();
    this.leaderSinceMs = this.now;
    for (const v of this.voters) {
      if (v === this.nodeId) continue;
      this.replicas.set(v, {
        id: v,
        voter: true,
        endOffset: -1,
        lastFetchMs: -1,
        lastCaughtUpMs: -1,
        acknowledged: false,
        beginSentMs: -Infinity,
      });
    }
    this.epochStartOffset = this.log.endOffset;
    this.log.append(
      leaderChangeBatch(
        this.nodeId,
        this.voters,
        granting,
        this.epochStartOffset,
        this.epochValue,
        this.now,
      ),
    );
    this.log.flush();
    this.noteLeaderKnown();
    this.sendBeginQuorumEpochs();
    this.updateHighWatermark();
  }

  /** Gives up leadership of the epoch (check quorum, shutdown), telling the voters. */
  private becomeResigned(): void {
    assert(this.roleValue === "leader", "only a leader resigns");
    const successors = this.preferredSuccessors();
    this.leaveRole();
    this.roleValue = "resigned";
    this.leaderIdValue = -1;
    this.resignedLeaderId = this.nodeId;
    this.electionDeadline = this.now + this.randomElectionTimeout();
    this.noteLeaderless();
    for (const v of this.voters) {
      if (v === this.nodeId) continue;
      const body: EndQuorumEpochRequest = {
        clusterId: this.config.clusterId,
        topics: [{
          topicName: METADATA_TOPIC,
          partitions: [{
            partitionIndex: METADATA_PARTITION,
            leaderId: this.nodeId,
            leaderEpoch: this.epochValue,
            preferredSuccessors: successors,
            preferredCandidates: successors.map((id) => ({
              candidateId: id,
              candidateDirectoryId: ZERO_UUID,
            })),
          }],
        }],
        leaderEndpoints: [],
      };
      this.sendRequest(v, { apiKey: END_QUORUM_EPOCH, body }, false);
    }
  }

  /** Voters ordered by how much of the log they hold: the best next leaders first. */
  private preferredSuccessors(): number[] {
    return [...this.replicas.values()]
      .filter((r) => r.voter)
      .sort((a, b) => b.endOffset - a.endOffset || a.id - b.id)
      .map((r) => r.id);
  }

  /**
   * Reacts to an epoch and leader seen in any message. Returns true when the
   * node moved to a newer epoch or to a leader it did not know.
   */
  private observeLeader(epoch: number, leaderId: number): boolean {
    if (epoch > this.epochValue) {
      if (leaderId >= 0 && leaderId !== this.nodeId) this.becomeFollower(epoch, leaderId);
      else this.becomeUnattached(epoch);
      return true;
    }
    if (epoch < this.epochValue || leaderId < 0) return false;
    if (leaderId === this.nodeId) {
      // Old news of our own leadership (we have since resigned it).
      assert(
        this.roleValue === "leader" || this.resignedLeaderId === this.nodeId,
        `node ${this.nodeId} named leader of epoch ${epoch} it did not win`,
      );
      return false;
    }
    assert(
      this.roleValue !== "leader" && this.resignedLeaderId !== this.nodeId,
      `two leaders in epoch ${epoch}: ${this.nodeId} and ${leaderId}`,
    );
    assert(
      this.leaderIdValue < 0 || this.leaderIdValue === leaderId,
      `two leaders in epoch ${epoch}: ${this.leaderIdValue} and ${leaderId}`,
    );
    if (leaderId === this.resignedLeaderId) return false;
    if (this.roleValue === "follower") return false;
    this.becomeFollower(epoch, leaderId);
    return true;
  }

  // --- messaging ------------------------------------------------------------------

  private sendRequest(to: number, req: RaftRequestBody, preVote: boolean): number {
    const correlationId = this.nextCorrelationId;
    this.nextCorrelationId = (this.nextCorrelationId + 1) & 0x7fffffff;
    this.pending.set(correlationId, {
      apiKey: req.apiKey,
      to,
      sentMs: this.now,
      epoch: this.epochValue,
      round: this.round,
      preVote,
    });
    this.outbox.push({ kind: "request", from: this.nodeId, to, correlationId, ...req });
    return correlationId;
  }

  private reply(req: RaftRequest, res: RaftResponseBody): void {
    assert(res.apiKey === req.apiKey, "response to another API");
    this.outbox.push({
      kind: "response",
      from: this.nodeId,
      to: req.from,
      correlationId: req.correlationId,
      ...res,
    });
  }

  /** Takes one message; returns everything queued to send (including by earlier calls). */
  handle(msg: RaftMessage, nowMs: number): RaftMessage[] {
    this.now = Math.max(this.now, nowMs);
    if (msg.to === this.nodeId) {
      if (msg.kind === "request") this.handleRequest(msg);
      else this.handleResponse(msg);
    }
    return this.drain();
  }

  private handleRequest(req: RaftRequest): void {
    switch (req.apiKey) {
      case VOTE:
        return this.onVoteRequest(req, req.body);
      case BEGIN_QUORUM_EPOCH:
        return this.onBeginQuorumEpochRequest(req, req.body);
      case END_QUORUM_EPOCH:
        return this.onEndQuorumEpochRequest(req, req.body);
      case FETCH:
        return this.onFetchRequest(req as RaftRequest & { apiKey: typeof FETCH });
      case FETCH_SNAPSHOT:
        return this.onFetchSnapshotRequest(req, req.body);
      case DESCRIBE_QUORUM:
        return this.reply(req, { apiKey: DESCRIBE_QUORUM, body: this.describeQuorum() });
    }
  }

  private handleResponse(res: RaftResponse): void {
    const p = this.pending.get(res.correlationId);
    if (p === undefined || p.apiKey !== res.apiKey || p.to !== res.from) return;
    this.pending.delete(res.correlationId);
    switch (res.apiKey) {
      case VOTE:
        return this.onVoteResponse(p, res.from, res.body);
      case BEGIN_QUORUM_EPOCH:
        return this.onBeginQuorumEpochResponse(res.from, res.body);
      case END_QUORUM_EPOCH:
        return this.onEndQuorumEpochResponse(res.body);
      case FETCH:
        return this.onFetchResponse(res.correlationId, res.from, res.body);
      case FETCH_SNAPSHOT:
        return this.onFetchSnapshotResponse(res.correlationId, res.from, res.body);
      case DESCRIBE_QUORUM:
        return;
    }
  }

  private clusterIdOk(clusterId: string | null): boolean {
    return clusterId === null || this.config.clusterId === null ||
      clusterId === this.config.clusterId;
  }

  // --- Vote -----------------------------------------------------------------------

  private sendVotes(preVote: boolean): void {
    for (const v of this.voters) {
      if (v === this.nodeId) continue;
      const body: VoteRequest = {
        clusterId: this.config.clusterId,
        voterId: v,
        topics: [{
          topicName: METADATA_TOPIC,
          partitions: [{
            partitionIndex: METADATA_PARTITION,
            replicaEpoch: this.epochValue,
            replicaId: this.nodeId,
            replicaDirectoryId: ZERO_UUID,
            voterDirectoryId: ZERO_UUID,
            lastOffsetEpoch: this.log.lastEpoch,
            lastOffset: this.log.endOffset,
            preVote,
          }],
        }],
      };
      this.sendRequest(v, { apiKey: VOTE, body }, preVote);
    }
  }

  private voteResponse(errorCode: number, granted: boolean, topError = 0): VoteResponse {
    return {
      errorCode: topError,
      topics: [{
        topicName: METADATA_TOPIC,
        partitions: [{
          partitionIndex: METADATA_PARTITION,
          errorCode,
          leaderId: this.leaderId,
          leaderEpoch: this.epochValue,
          voteGranted: granted,
        }],
      }],
      nodeEndpoints: [],
    };
  }

  private onVoteRequest(req: RaftRequest, body: VoteRequest): void {
    const reply = (granted: boolean, errorCode = 0, top = 0) =>
      this.reply(req, { apiKey: VOTE, body: this.voteResponse(errorCode, granted, top) });
    if (!this.clusterIdOk(body.clusterId)) {
      return reply(false, 0, ErrorCode.INCONSISTENT_CLUSTER_ID);
    }
    const p = body.topics[0]?.partitions[0];
    if (p === undefined) return reply(false, 0, ErrorCode.INVALID_REQUEST);
    const candidate = p.replicaId;
    if (!this.isVoter || !this.voters.includes(candidate) || candidate === this.nodeId) {
      return reply(false, ErrorCode.INCONSISTENT_VOTER_SET);
    }
    if (p.replicaEpoch < this.epochValue) return reply(false, ErrorCode.FENCED_LEADER_EPOCH);
    const logOk = p.lastOffsetEpoch > this.log.lastEpoch ||
      (p.lastOffsetEpoch === this.log.lastEpoch && p.lastOffset >= this.log.endOffset);

    if (p.preVote) {
      // A pre-vote changes nothing here; it is refused while this node still hears
      // from a leader, so a node that was partitioned away cannot disrupt the quorum.
      let granted = logOk;
      if (p.replicaEpoch === this.epochValue) {
        if (this.roleValue === "leader") granted = false;
        if (
          this.roleValue === "follower" &&
          this.now < this.lastLeaderContactMs + this.config.fetchTimeoutMs
        ) granted = false;
      }
      return reply(granted);
    }

    if (p.replicaEpoch > this.epochValue) this.becomeUnattached(p.replicaEpoch);
    let granted = false;
    if (this.roleValue === "leader" || this.roleValue === "resigned" || this.leaderIdValue >= 0) {
      granted = false;
    } else if (this.votedId >= 0) {
      granted = this.votedId === candidate;
    } else if (logOk && this.roleValue !== "candidate") {
      this.votedId = candidate;
      this.persist();
      granted = true;
    }
    if (granted && this.roleValue !== "unattached") {
      this.leaveRole();
      this.roleValue = "unattached";
    }
    if (granted) this.electionDeadline = this.now + this.randomElectionTimeout();
    reply(granted);
  }

  private onVoteResponse(p: Pending, from: number, body: VoteResponse): void {
    const part = body.topics[0]?.partitions[0];
    if (part === undefined || body.errorCode !== 0) return;
    if (part.leaderEpoch > this.epochValue) {
      this.observeLeader(part.leaderEpoch, part.leaderId);
      return;
    }
    if (p.epoch !== this.epochValue || p.round !== this.round) return;
    const collecting = (this.roleValue === "prospective" && p.preVote) ||
      (this.roleValue === "candidate" && !p.preVote);
    if (!collecting) return;
    // A real vote is only ever granted at the candidate's own epoch.
    const granted = part.errorCode === 0 && part.voteGranted &&
      (p.preVote || part.leaderEpoch === this.epochValue);
    if (granted) {
      this.grants.add(from);
    } else {
      // Refused because the voter still follows a leader of this epoch: follow it too.
      if (this.observeLeader(part.leaderEpoch, part.leaderId)) return;
      this.rejects.add(from);
    }
    if (this.grants.size >= this.majority) {
      if (this.roleValue === "prospective") this.becomeCandidate();
      else this.becomeLeader();
    } else if (this.rejects.size > this.voters.length - this.majority) {
      // Lost this round: retry after a random backoff rather than a full timeout.
      this.electionDeadline = Math.min(this.electionDeadline, this.now + this.randomBackoff());
      this.round++;
    }
  }

  // --- BeginQuorumEpoch / EndQuorumEpoch ------------------------------------------

  /**
   * Tells voters that have not fetched in this epoch (or not lately) who leads.
   * A silent voter may have moved to a later epoch while partitioned, where
   * pre-votes alone can never bring it back: its FENCED_LEADER_EPOCH answer
   * makes this leader step down to that epoch so the quorum re-forms there.
   */
  private sendBeginQuorumEpochs(): void {
    for (const r of this.replicas.values()) {
      if (!r.voter) continue;
      if (r.acknowledged && this.now < r.lastFetchMs + this.config.fetchTimeoutMs) continue;
      if (this.now < r.beginSentMs + this.config.requestTimeoutMs) continue;
      r.beginSentMs = this.now;
      const body: BeginQuorumEpochRequest = {
        clusterId: this.config.clusterId,
        voterId: r.id,
        topics: [{
          topicName: METADATA_TOPIC,
          partitions: [{
            partitionIndex: METADATA_PARTITION,
            voterDirectoryId: ZERO_UUID,
            leaderId: this.nodeId,
            leaderEpoch: this.epochValue,
          }],
        }],
        leaderEndpoints: [],
      };
      this.sendRequest(r.id, { apiKey: BEGIN_QUORUM_EPOCH, body }, false);
    }
  }

  private epochResponse(errorCode: number, top: number): BeginQuorumEpochResponse {
    return {
      errorCode: top,
      topics: [{
        topicName: METADATA_TOPIC,
        partitions: [{
          partitionIndex: METADATA_PARTITION,
          errorCode,
          leaderId: this.leaderId,
          leaderEpoch: this.epochValue,
        }],
      }],
      nodeEndpoints: [],
    };
  }

  private onBeginQuorumEpochRequest(req: RaftRequest, body: BeginQuorumEpochRequest): void {
    const reply = (errorCode: number, top = 0) =>
      this.reply(req, { apiKey: BEGIN_QUORUM_EPOCH, body: this.epochResponse(errorCode, top) });
    if (!this.clusterIdOk(body.clusterId)) return reply(0, ErrorCode.INCONSISTENT_CLUSTER_ID);
    const p = body.topics[0]?.partitions[0];
    if (p === undefined) return reply(0, ErrorCode.INVALID_REQUEST);
    if (!this.voters.includes(p.leaderId)) return reply(ErrorCode.INCONSISTENT_VOTER_SET);
    if (p.leaderEpoch < this.epochValue) return reply(ErrorCode.FENCED_LEADER_EPOCH);
    this.observeLeader(p.leaderEpoch, p.leaderId);
    if (this.roleValue === "follower" && this.leaderIdValue === p.leaderId) this.heardFromLeader();
    reply(0);
  }

  private onBeginQuorumEpochResponse(from: number, body: BeginQuorumEpochResponse): void {
    const part = body.topics[0]?.partitions[0];
    if (part === undefined) return;
    if (this.observeLeader(part.leaderEpoch, part.leaderId)) return;
    if (this.roleValue !== "leader" || part.leaderEpoch !== this.epochValue) return;
    if (part.errorCode === 0) {
      const r = this.replicas.get(from);
      if (r) r.acknowledged = true;
    }
  }

  private onEndQuorumEpochRequest(req: RaftRequest, body: EndQuorumEpochRequest): void {
    const reply = (errorCode: number, top = 0) => {
      const res: EndQuorumEpochResponse = this.epochResponse(errorCode, top);
      this.reply(req, { apiKey: END_QUORUM_EPOCH, body: res });
    };
    if (!this.clusterIdOk(body.clusterId)) return reply(0, ErrorCode.INCONSISTENT_CLUSTER_ID);
    const p = body.topics[0]?.partitions[0];
    if (p === undefined) return reply(0, ErrorCode.INVALID_REQUEST);
    if (p.leaderEpoch < this.epochValue) return reply(ErrorCode.FENCED_LEADER_EPOCH);
    if (p.leaderEpoch > this.epochValue) {
      this.becomeUnattached(p.leaderEpoch);
      this.resignedLeaderId = p.leaderId;
    } else if (
      (this.roleValue === "follower" && this.leaderIdValue === p.leaderId) ||
      this.roleValue === "unattached"
    ) {
      this.leaveRole();
      this.roleValue = "unattached";
      this.leaderIdValue = -1;
      this.resignedLeaderId = p.leaderId;
      this.noteLeaderless();
    } else {
      return reply(0);
    }
    if (this.isVoter) {
      // The resigning leader ranks its successors: the best placed campaigns first.
      // v1 names them in preferredCandidates, v0 in preferredSuccessors.
      const successors = p.preferredCandidates.length > 0
        ? p.preferredCandidates.map((c) => c.candidateId)
        : p.preferredSuccessors;
      const rank = successors.indexOf(this.nodeId);
      const step = Math.ceil(this.config.electionBackoffMaxMs / this.voters.length);
      this.electionDeadline = this.now +
        (rank >= 0 ? rank * step : this.randomElectionTimeout());
    }
    reply(0);
  }

  private onEndQuorumEpochResponse(body: EndQuorumEpochResponse): void {
    const part = body.topics[0]?.partitions[0];
    if (part !== undefined) this.observeLeader(part.leaderEpoch, part.leaderId);
  }

  // --- Fetch: follower side ---------------------------------------------------------

  private heardFromLeader(): void {
    this.lastLeaderContactMs = this.now;
    this.followDeadline = this.now + this.config.fetchTimeoutMs;
  }

  /**
   * A fetch offset acknowledges the log below it, so a follower fetches only
   * once everything it appended is durable (the flush of the previous response).
   */
  protected fetchMayAcknowledge(): boolean {
    return this.log.flushedOffset >= this.log.endOffset;
  }

  private maybeFetch(): void {
    if (this.fetchInFlight >= 0 || this.now < this.fetchBackoffUntil) return;
    if (!this.fetchMayAcknowledge()) {
      this.log.flush();
      if (!this.fetchMayAcknowledge()) return;
    }
    let target = this.leaderIdValue;
    if (this.roleValue !== "follower") {
      // An observer without a leader asks the voters in turn who leads.
      target = this.voters[this.bootstrapIndex++ % this.voters.length];
    }
    if (this.snapshotFetch !== null) return this.sendFetchSnapshot(target, this.snapshotFetch);
    const body: FetchRequest = {
      clusterId: this.config.clusterId,
      replicaId: -1,
      replicaState: { replicaId: this.nodeId, replicaEpoch: -1 },
      maxWaitMs: this.config.fetchMaxWaitMs,
      minBytes: 0,
      maxBytes: raftFetchBytesMax,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [{
        topic: METADATA_TOPIC,
        topicId: METADATA_TOPIC_ID,
        partitions: [{
          partition: METADATA_PARTITION,
          currentLeaderEpoch: this.epochValue,
          fetchOffset: this.log.endOffset,
          lastFetchedEpoch: this.log.lastEpoch,
          logStartOffset: this.log.startOffset,
          partitionMaxBytes: raftFetchBytesMax,
          replicaDirectoryId: ZERO_UUID,
          highWatermark: this.hwm,
        }],
      }],
      forgottenTopicsData: [],
      rackId: "",
    };
    this.fetchInFlight = this.sendRequest(target, { apiKey: FETCH, body }, false);
    this.fetchSentMs = this.now;
  }

  /** Handles leader-side errors common to Fetch and FetchSnapshot responses. */
  private fetchFailed(leaderId: number, leaderEpoch: number): void {
    if (this.observeLeader(leaderEpoch, leaderId)) return;
    this.fetchBackoffUntil = this.now + this.retryBackoff();
  }

  private onFetchResponse(correlationId: number, from: number, body: FetchResponse): void {
    if (correlationId !== this.fetchInFlight) return;
    this.fetchInFlight = -1;
    const part = body.responses[0]?.partitions[0];
    if (body.errorCode !== 0 || part === undefined) {
      this.fetchBackoffUntil = this.now + this.retryBackoff();
      return;
    }
    const leader = part.currentLeader;
    if (part.errorCode !== ErrorCode.NONE) {
      return this.fetchFailed(leader.leaderId, leader.leaderEpoch);
    }
    this.observeLeader(leader.leaderEpoch, leader.leaderId);
    if (
      this.roleValue !== "follower" || from !== this.leaderIdValue ||
      leader.leaderEpoch !== this.epochValue
    ) return;
    this.heardFromLeader();
    if (part.divergingEpoch.epoch >= 0) return this.truncateDiverging(part);
    if (part.snapshotId.endOffset >= 0) {
      const id = { endOffset: part.snapshotId.endOffset, epoch: part.snapshotId.epoch };
      this.snapshotFetch = { id, position: 0, size: -1, chunks: [] };
      return;
    }
    let fetched: LogBatch[];
    try {
      fetched = fetchedBatches(
        joinRecords(part.records),
        this.log.endOffset,
        this.log.lastEpoch,
        this.epochValue,
      );
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      this.fetchBackoffUntil = this.now + this.retryBackoff();
      return;
    }
    for (const b of fetched) this.log.append(b);
    if (fetched.length > 0) this.log.flush();
    // Everything up to our log end now matches the leader's, so its commit applies to it.
    const hwm = Math.min(part.highWatermark, this.log.endOffset);
    if (hwm > this.hwm) this.hwm = hwm;
  }

  private truncateDiverging(part: FetchResponsePartitionData): void {
    const d = part.divergingEpoch;
    const local = this.log.endOffsetForEpoch(d.epoch);
    assert(local !== null, `leader diverges at epoch ${d.epoch}, below our log start`);
    const offset = Math.min(d.endOffset, local.endOffset);
    assert(offset >= this.hwm, `truncation to ${offset} below high watermark ${this.hwm}`);
    this.log.truncateTo(offset);
    this.metrics.truncations++;
  }

  private sendFetchSnapshot(target: number, s: SnapshotFetch): void {
    const body: FetchSnapshotRequest = {
      clusterId: this.config.clusterId,
      replicaId: this.nodeId,
      maxBytes: raftSnapshotChunkBytes,
      topics: [{
        name: METADATA_TOPIC,
        partitions: [{
          partition: METADATA_PARTITION,
          currentLeaderEpoch: this.epochValue,
          snapshotId: { endOffset: s.id.endOffset, epoch: s.id.epoch },
          position: s.position,
          replicaDirectoryId: ZERO_UUID,
        }],
      }],
    };
    this.fetchInFlight = this.sendRequest(target, { apiKey: FETCH_SNAPSHOT, body }, false);
    this.fetchSentMs = this.now;
  }

  private onFetchSnapshotResponse(
    correlationId: number,
    from: number,
    body: FetchSnapshotResponse,
  ): void {
    if (correlationId !== this.fetchInFlight) return;
    this.fetchInFlight = -1;
    const part = body.topics[0]?.partitions[0];
    const s = this.snapshotFetch;
    if (body.errorCode !== 0 || part === undefined || s === null) {
      this.fetchBackoffUntil = this.now + this.retryBackoff();
      return;
    }
    const leader = part.currentLeader;
    if (
      part.errorCode === ErrorCode.SNAPSHOT_NOT_FOUND ||
      part.errorCode === ErrorCode.POSITION_OUT_OF_RANGE
    ) {
      // The leader moved on to a newer snapshot: fetch again to learn it.
      this.snapshotFetch = null;
      return;
    }
    if (part.errorCode !== ErrorCode.NONE) {
      return this.fetchFailed(leader.leaderId, leader.leaderEpoch);
    }
    this.observeLeader(leader.leaderEpoch, leader.leaderId);
    if (this.roleValue !== "follower" || from !== this.leaderIdValue) return;
    this.heardFromLeader();
    const chunk = joinRecords(part.unalignedRecords);
    if (
      part.snapshotId.endOffset !== s.id.endOffset || part.snapshotId.epoch !== s.id.epoch ||
      part.position !== s.position || part.size > raftSnapshotBytesMax ||
      s.position + chunk.length > part.size || (chunk.length === 0 && s.position < part.size)
    ) {
      this.snapshotFetch = null;
      return;
    }
    s.chunks.push(chunk.slice());
    s.position += chunk.length;
    s.size = part.size;
    if (s.position < s.size) return;
    const bytes = joinRecords(s.chunks);
    try {
      parseSnapshot(bytes);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      this.snapshotFetch = null;
      return;
    }
    this.snapshotFetch = null;
    // The whole log goes, even past the snapshot's end: the leader sends a snapshot
    // only when our last epoch predates it, so anything we hold there diverges.
    this.io.snapshots.write(s.id, bytes);
    this.log.resetTo(s.id.endOffset, s.id.epoch);
    if (s.id.endOffset > this.hwm) this.hwm = s.id.endOffset;
    this.metrics.snapshotsFetched++;
  }

  // --- Fetch and FetchSnapshot: leader side --------------------------------------

  private fetchResponse(
    errorCode: number,
    fill?: (p: FetchResponsePartitionData) => void,
    top = 0,
  ): FetchResponse {
    const partition: FetchResponsePartitionData = {
      partitionIndex: METADATA_PARTITION,
      errorCode,
      highWatermark: this.hwm,
      lastStableOffset: this.hwm,
      logStartOffset: this.log.startOffset,
      divergingEpoch: { epoch: -1, endOffset: -1 },
      currentLeader: { leaderId: this.leaderId, leaderEpoch: this.epochValue },
      snapshotId: { endOffset: -1, epoch: -1 },
      abortedTransactions: null,
      preferredReadReplica: -1,
      records: new Uint8Array(0),
    };
    fill?.(partition);
    return {
      throttleTimeMs: 0,
      errorCode: top,
      sessionId: 0,
      responses: [{ topic: METADATA_TOPIC, topicId: METADATA_TOPIC_ID, partitions: [partition] }],
      nodeEndpoints: [],
    };
  }

  private onFetchRequest(req: RaftRequest & { apiKey: typeof FETCH }): void {
    const body = req.body;
    const reply = (res: FetchResponse) => this.reply(req, { apiKey: FETCH, body: res });
    if (!this.clusterIdOk(body.clusterId)) {
      return reply(this.fetchResponse(0, undefined, ErrorCode.INCONSISTENT_CLUSTER_ID));
    }
    const p = body.topics[0]?.partitions[0];
    if (p === undefined || body.topics[0].topicId !== METADATA_TOPIC_ID) {
      return reply(this.fetchResponse(0, undefined, ErrorCode.INVALID_REQUEST));
    }
    if (p.currentLeaderEpoch < this.epochValue) {
      return reply(this.fetchResponse(ErrorCode.FENCED_LEADER_EPOCH));
    }
    if (p.currentLeaderEpoch > this.epochValue) {
      return reply(this.fetchResponse(ErrorCode.UNKNOWN_LEADER_EPOCH));
    }
    if (this.roleValue !== "leader") {
      return reply(this.fetchResponse(ErrorCode.NOT_LEADER_OR_FOLLOWER));
    }
    const replicaId = body.replicaState.replicaId >= 0
      ? body.replicaState.replicaId
      : body.replicaId;

    const snapshot = this.io.snapshots.latest();
    const check = this.validateFetch(p.fetchOffset, p.lastFetchedEpoch);
    if (check.kind === "snapshot") {
      assert(snapshot !== null, "fetch below the log start without a snapshot");
      return reply(this.fetchResponse(0, (r) => {
        r.snapshotId = { endOffset: snapshot.endOffset, epoch: snapshot.epoch };
      }));
    }
    if (check.kind === "diverging") {
      return reply(this.fetchResponse(0, (r) => {
        r.divergingEpoch = { epoch: check.epoch, endOffset: check.endOffset };
      }));
    }
    if (replicaId >= 0 && replicaId !== this.nodeId) this.updateReplica(replicaId, p.fetchOffset);
    const parked: ParkedFetch = {
      request: req,
      partition: p,
      deadline: this.now + Math.max(0, body.maxWaitMs),
    };
    const old = replicaId >= 0 ? this.parked.get(replicaId) : undefined;
    if (old !== undefined) this.parked.delete(replicaId);
    if (this.fetchReady(parked) || body.maxWaitMs <= 0 || replicaId < 0) {
      this.answerFetch(parked);
    } else {
      // Nothing new for this replica: hold the fetch until there is (long poll).
      this.parked.set(replicaId, parked);
    }
    this.updateHighWatermark();
  }

  /** Kafka's validateOffsetAndEpoch against our log. */
  private validateFetch(
    fetchOffset: number,
    lastFetchedEpoch: number,
  ):
    | { kind: "valid" }
    | { kind: "snapshot" }
    | { kind: "diverging"; epoch: number; endOffset: number } {
    const log = this.log;
    if (fetchOffset < log.startOffset) return { kind: "snapshot" };
    if (fetchOffset === log.startOffset && lastFetchedEpoch === log.startEpoch) {
      return { kind: "valid" };
    }
    const end = log.endOffsetForEpoch(lastFetchedEpoch);
    if (end === null) return { kind: "snapshot" };
    if (end.epoch !== lastFetchedEpoch || end.endOffset < fetchOffset) {
      return { kind: "diverging", epoch: end.epoch, endOffset: end.endOffset };
    }
    return { kind: "valid" };
  }

  private updateReplica(id: number, fetchOffset: number): void {
    let r = this.replicas.get(id);
    if (r === undefined) {
      r = {
        id,
        voter: false,
        endOffset: -1,
        lastFetchMs: -1,
        lastCaughtUpMs: -1,
        acknowledged: true,
        beginSentMs: -Infinity,
      };
      this.replicas.set(id, r);
    }
    r.endOffset = fetchOffset;
    r.lastFetchMs = this.now;
    r.acknowledged = true;
    if (fetchOffset >= this.log.endOffset) r.lastCaughtUpMs = this.now;
  }

  private fetchReady(f: ParkedFetch): boolean {
    const hwmKnown = f.partition.highWatermark;
    return f.partition.fetchOffset < this.log.endOffset ||
      (hwmKnown !== UNKNOWN_HWM && hwmKnown < this.hwm);
  }

  private answerFetch(f: ParkedFetch): void {
    const offset = f.partition.fetchOffset;
    const maxBytes = Math.max(
      1,
      Math.min(f.request.body.maxBytes, f.partition.partitionMaxBytes, raftFetchBytesMax),
    );
    const batches = offset < this.log.endOffset ? this.log.read(offset, maxBytes) : [];
    this.reply(f.request, {
      apiKey: FETCH,
      body: this.fetchResponse(0, (r) => {
        r.records = batches.map((b) => b.bytes);
      }),
    });
  }

  private answerParkedWithError(f: ParkedFetch): void {
    this.reply(f.request, {
      apiKey: FETCH,
      body: this.fetchResponse(ErrorCode.NOT_LEADER_OR_FOLLOWER),
    });
  }

  private completeParked(): void {
    for (const [id, f] of this.parked) {
      if (!this.fetchReady(f)) continue;
      this.parked.delete(id);
      this.answerFetch(f);
    }
  }

  private expireParked(): void {
    for (const [id, f] of this.parked) {
      if (this.now < f.deadline) continue;
      this.parked.delete(id);
      this.answerFetch(f);
    }
  }

  private onFetchSnapshotRequest(req: RaftRequest, body: FetchSnapshotRequest): void {
    const res = (
      errorCode: number,
      fill?: (p: FetchSnapshotResponsePartitionSnapshot) => void,
      top = 0,
    ) => {
      const part: FetchSnapshotResponsePartitionSnapshot = {
        index: METADATA_PARTITION,
        errorCode,
        snapshotId: { endOffset: -1, epoch: -1 },
        currentLeader: { leaderId: this.leaderId, leaderEpoch: this.epochValue },
        size: 0,
        position: 0,
        unalignedRecords: new Uint8Array(0),
      };
      fill?.(part);
      const out: FetchSnapshotResponse = {
        throttleTimeMs: 0,
        errorCode: top,
        topics: [{ name: METADATA_TOPIC, partitions: [part] }],
        nodeEndpoints: [],
      };
      this.reply(req, { apiKey: FETCH_SNAPSHOT, body: out });
    };
    if (!this.clusterIdOk(body.clusterId)) {
      return res(0, undefined, ErrorCode.INCONSISTENT_CLUSTER_ID);
    }
    const p = body.topics[0]?.partitions[0];
    if (p === undefined) return res(0, undefined, ErrorCode.INVALID_REQUEST);
    if (p.currentLeaderEpoch < this.epochValue) return res(ErrorCode.FENCED_LEADER_EPOCH);
    if (p.currentLeaderEpoch > this.epochValue) return res(ErrorCode.UNKNOWN_LEADER_EPOCH);
    if (this.roleValue !== "leader") return res(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    const id = { endOffset: p.snapshotId.endOffset, epoch: p.snapshotId.epoch };
    const size = this.io.snapshots.size(id);
    if (size < 0) return res(ErrorCode.SNAPSHOT_NOT_FOUND);
    if (p.position < 0 || p.position > size) return res(ErrorCode.POSITION_OUT_OF_RANGE);
    const max = Math.max(1, Math.min(body.maxBytes, raftSnapshotChunkBytes));
    const chunk = this.io.snapshots.read(id, p.position, max);
    if (chunk === null) return res(ErrorCode.SNAPSHOT_NOT_FOUND);
    const replica = this.replicas.get(body.replicaId);
    if (replica) replica.lastFetchMs = this.now;
    res(0, (part) => {
      part.snapshotId = { endOffset: id.endOffset, epoch: id.epoch };
      part.size = size;
      part.position = p.position;
      part.unalignedRecords = chunk;
    });
  }

  // --- leader bookkeeping ---------------------------------------------------------

  /**
   * The largest offset a majority of voters hold durably: the leader's flushed
   * log end and each follower's last valid fetch offset.
   */
  protected majorityEndOffset(): number {
    const ends = this.voters.map((v) =>
      v === this.nodeId ? this.log.flushedOffset : (this.replicas.get(v)?.endOffset ?? -1)
    );
    ends.sort((a, b) => b - a);
    return ends[this.majority - 1];
  }

  private updateHighWatermark(): void {
    if (this.roleValue !== "leader") return;
    const m = this.majorityEndOffset();
    // Only a majority that includes this epoch's LeaderChange commits: Raft's rule
    // that a leader commits earlier epochs' entries only through one of its own.
    if (m > this.epochStartOffset && m > this.hwm) {
      this.hwm = m;
      this.completeParked();
    }
  }

  /** When the leader must resign unless a majority fetched since (1.5 fetch timeouts). */
  private checkQuorumDeadline(): number {
    if (this.voters.length === 1) return Infinity;
    const times = this.voters.map((v) =>
      v === this.nodeId
        ? Infinity
        : Math.max(this.replicas.get(v)?.lastFetchMs ?? -1, this.leaderSinceMs)
    );
    times.sort((a, b) => b - a);
    return times[this.majority - 1] + Math.floor(this.config.fetchTimeoutMs * 1.5);
  }

  private writeAccumulated(force: boolean): void {
    if (this.accumulated.length === 0) return;
    if (!force && this.now < this.accumulatedSinceMs + this.config.appendLingerMs) return;
    let i = 0;
    const values = this.accumulated;
    while (i < values.length) {
      const chunk: Uint8Array[] = [];
      let bytes = 0;
      while (
        i < values.length && (chunk.length === 0 || bytes + values[i].length <= raftBatchBytesMax)
      ) {
        bytes += values[i].length;
        chunk.push(values[i++]);
      }
      this.log.append(dataBatch(chunk, this.log.endOffset, this.epochValue, this.now));
    }
    this.accumulated = [];
    this.accumulatedBytes = 0;
    this.log.flush();
    this.completeParked();
  }

  // --- the application's side -------------------------------------------------------

  /**
   * Appends record values (the leader only). Offsets are assigned now; the
   * records are written at the next poll, together with whatever else arrived.
   */
  append(values: readonly Uint8Array[], nowMs: number): AppendResult {
    this.now = Math.max(this.now, nowMs);
    if (this.roleValue !== "leader") {
      return {
        ok: false,
        error: "not_leader",
        leaderId: this.leaderIdValue,
        epoch: this.epochValue,
      };
    }
    let bytes = 0;
    for (const v of values) bytes += v.length;
    if (values.length === 0 || this.accumulatedBytes + bytes > raftPendingAppendBytesMax) {
      return { ok: false, error: "backpressure", leaderId: this.nodeId, epoch: this.epochValue };
    }
    if (this.accumulated.length === 0) this.accumulatedSinceMs = this.now;
    const baseOffset = this.log.endOffset + this.accumulated.length;
    for (const v of values) this.accumulated.push(v);
    this.accumulatedBytes += bytes;
    return {
      ok: true,
      epoch: this.epochValue,
      baseOffset,
      lastOffset: baseOffset + values.length - 1,
    };
  }

  /** Whether an append (its epoch and last offset) committed, may still, or was lost. */
  appendStatus(epoch: number, lastOffset: number): AppendStatus {
    const e = this.log.epochAt(lastOffset);
    if (lastOffset < this.hwm) {
      if (e === epoch) return "committed";
      return e === -1 ? "unknown" : "lost";
    }
    if (e !== -1) return e === epoch ? "pending" : "lost";
    const waiting = this.roleValue === "leader" && this.epochValue === epoch;
    return waiting ? "pending" : "lost";
  }

  /**
   * What the state machine should apply after `appliedOffset` (its next
   * offset): the snapshot when the log no longer reaches back there, else the
   * committed batches from there (control batches included), else null.
   */
  nextCommitted(appliedOffset: number, maxBytes = raftFetchBytesMax): Committed | null {
    if (appliedOffset < this.log.startOffset) {
      const id = this.io.snapshots.latest();
      assert(id !== null && id.endOffset >= this.log.startOffset, "log start without a snapshot");
      const size = this.io.snapshots.size(id);
      const bytes = this.io.snapshots.read(id, 0, size);
      assert(bytes !== null && bytes.length === size, "snapshot vanished while loading");
      return { kind: "snapshot", id, values: parseSnapshot(bytes) };
    }
    if (appliedOffset >= this.hwm) return null;
    const batches = this.log.read(appliedOffset, maxBytes).filter((b) => b.lastOffset < this.hwm);
    if (batches.length === 0) return null;
    assert(
      batches[0].baseOffset === appliedOffset,
      `applied offset ${appliedOffset} inside a batch`,
    );
    return { kind: "batches", batches };
  }

  /**
   * Writes a snapshot of the state at `endOffset` (a committed batch boundary the
   * state machine has applied) and drops the log below it, which bounds replay.
   */
  createSnapshot(
    endOffset: number,
    values: readonly Uint8Array[],
    nowMs: number,
  ): SnapshotId | null {
    this.now = Math.max(this.now, nowMs);
    assert(endOffset <= this.hwm, `snapshot at ${endOffset} above high watermark ${this.hwm}`);
    const latest = this.io.snapshots.latest();
    if (latest !== null && latest.endOffset >= endOffset) return null;
    if (endOffset <= this.log.startOffset) return null;
    const epoch = this.log.epochAt(endOffset - 1);
    assert(epoch >= 0, `no entry below snapshot offset ${endOffset}`);
    const id = { endOffset, epoch };
    this.io.snapshots.write(id, buildSnapshot(id, values, this.now));
    this.log.deleteBefore(endOffset, epoch);
    return id;
  }

  /** Leader only: hands leadership over (EndQuorumEpoch), e.g. on shutdown. */
  resign(nowMs: number): void {
    this.now = Math.max(this.now, nowMs);
    if (this.roleValue === "leader") this.becomeResigned();
  }

  /** Kafka's DescribeQuorum answer for the metadata partition. */
  describeQuorum(): DescribeQuorumResponse {
    const leader = this.roleValue === "leader";
    const state = (id: number): DescribeQuorumResponseReplicaState => {
      if (id === this.nodeId) {
        return {
          replicaId: id,
          replicaDirectoryId: ZERO_UUID,
          logEndOffset: this.log.endOffset,
          lastFetchTimestamp: this.now,
          lastCaughtUpTimestamp: this.now,
        };
      }
      const r = this.replicas.get(id);
      return {
        replicaId: id,
        replicaDirectoryId: ZERO_UUID,
        logEndOffset: r?.endOffset ?? -1,
        lastFetchTimestamp: r?.lastFetchMs ?? -1,
        lastCaughtUpTimestamp: r?.lastCaughtUpMs ?? -1,
      };
    };
    const observers = [...this.replicas.values()].filter((r) => !r.voter).map((r) => state(r.id));
    return {
      errorCode: 0,
      errorMessage: null,
      topics: [{
        topicName: METADATA_TOPIC,
        partitions: [{
          partitionIndex: METADATA_PARTITION,
          errorCode: leader ? 0 : ErrorCode.NOT_LEADER_OR_FOLLOWER,
          errorMessage: null,
          leaderId: this.leaderId,
          leaderEpoch: this.epochValue,
          highWatermark: this.hwm,
          currentVoters: leader ? this.voters.map(state) : [],
          observers: leader ? observers : [],
        }],
      }],
      nodes: [],
    };
  }
}
