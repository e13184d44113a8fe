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
import { raftFetchBytesMax, raftPendingAppendBytesMax } from "../base/limits.ts";
import { ErrorCode } from "../protocol/errors.ts";
import type {
  BeginQuorumEpochRequest,
  BeginQuorumEpochResponse,
} from "../protocol/generated/begin_quorum_epoch.ts";
import type { DescribeQuorumResponse } from "../protocol/generated/describe_quorum.ts";
import type {
  EndQuorumEpochRequest,
  EndQuorumEpochResponse,
} from "../protocol/generated/end_quorum_epoch.ts";
import type { FetchResponse, FetchResponsePartitionData } from "../protocol/generated/fetch.ts";
import type {
  FetchSnapshotRequest,
  FetchSnapshotResponse,
  FetchSnapshotResponsePartitionSnapshot,
} from "../protocol/generated/fetch_snapshot.ts";
import type { VoteRequest, VoteResponse } from "../protocol/generated/vote.ts";
import { type AppendStatus, appendStatus, type Committed, nextCommitted } from "./commit.ts";
import {
  beginQuorumEpochRequest,
  candidateLogOk,
  ElectionTimers,
  endQuorumEpochRequest,
  epochResponse,
  preVoteGranted,
  successorElectionDelay,
  voteRequest,
  voteResponse,
  VoteTally,
} from "./election.ts";
import { fetchRequest, FollowerFetch } from "./follower.ts";
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
import { type Pending, RpcChannel } from "./rpc.ts";
import { describeQuorum, LeaderChangeTracker } from "./metrics.ts";
import { leaderChangeBatch, METADATA_TOPIC_ID } from "./records.ts";
import { fetchResponse, LeaderReplication } from "./replication.ts";
import {
  fetchSnapshotRequest,
  fetchSnapshotResponse,
  readSnapshotChunk,
  reconcileSnapshot,
  writeSnapshot,
} from "./snapshots.ts";
import type {
  ElectionState,
  QuorumConfig,
  QuorumMetrics,
  RaftIo,
  Role,
  SnapshotId,
} from "./types.ts";

export type AppendResult =
  | { ok: true; epoch: number; baseOffset: number; lastOffset: number }
  | { ok: false; error: "not_leader" | "backpressure"; leaderId: number; epoch: number };

export type { AppendStatus, Committed };

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
  private readonly timers: ElectionTimers;

  // Persisted election state (Kafka's quorum-state) and the role on top of it.
  private epochValue = 0;
  private votedId = -1;
  private leaderIdValue = -1;
  private roleValue: Role = "unattached";
  private hwm: number;
  private now: number;

  private readonly rpc: RpcChannel;

  /** Election deadline (unattached, prospective, candidate, resigned). */
  private electionDeadline = Infinity;
  private readonly votes: VoteTally;
  /** The leader that resigned this epoch (EndQuorumEpoch): not to be followed again. */
  private resignedLeaderId = -1;
  private readonly leaderChanges: LeaderChangeTracker;

  // Follower and observer.
  /** Last time the leader itself was heard from (a fetch answered, BeginQuorumEpoch). */
  private lastLeaderContactMs = 0;
  /** A follower that has not heard from its leader by then gives up on it. */
  private followDeadline = 0;
  private readonly fetcher: FollowerFetch;

  // Leader.
  private readonly leader: LeaderReplication;

  constructor(config: QuorumConfig, io: RaftIo, nowMs: number) {
    assert(new Set(config.voters).size === config.voters.length, "duplicate voter ids");
    assert(config.voters.length > 0, "a quorum needs at least one voter");
    this.config = config;
    this.io = io;
    this.log = io.log;
    this.timers = new ElectionTimers(config, io.random);
    this.fetcher = new FollowerFetch(this.log, io.snapshots, this.metrics, this.timers);
    this.nodeId = config.nodeId;
    this.voters = [...config.voters];
    this.isVoter = config.voters.includes(config.nodeId);
    this.majority = Math.floor(config.voters.length / 2) + 1;
    this.votes = new VoteTally(this.majority, this.voters.length);
    this.leader = new LeaderReplication(
      this.log,
      io.snapshots,
      config,
      this.voters,
      this.majority,
      (request, errorCode, fill) =>
        this.reply(request, { apiKey: FETCH, body: this.fetchResponse(errorCode, fill) }),
    );
    this.now = nowMs;
    this.leaderChanges = new LeaderChangeTracker(this.metrics, nowMs);
    this.rpc = new RpcChannel(this.nodeId, 1 + Math.floor(io.random.next() * 0x3fffffff));
    reconcileSnapshot(this.log, io.snapshots);
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
      this.electionDeadline = nowMs + this.timers.electionTimeout();
    } else if (this.leaderIdValue >= 0) {
      this.roleValue = "follower";
      this.lastLeaderContactMs = nowMs;
      this.followDeadline = nowMs + config.fetchTimeoutMs;
      this.noteLeaderKnown();
    } else {
      this.roleValue = "unattached";
      this.electionDeadline = nowMs + this.timers.electionTimeout();
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
    return this.roleValue === "leader" ? this.leader.epochStartOffset : -1;
  }
  /** A snapshot being fetched from the leader, if any. */
  get fetchingSnapshot(): SnapshotId | null {
    return this.fetcher.snapshot?.id ?? null;
  }

  /** Queued outbound messages (from poll, append, resign), emptied. */
  drain(): RaftMessage[] {
    return this.rpc.drain();
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
        this.leader.expireParked(this.now);
        this.sendBeginQuorumEpochs();
        if (now >= this.leader.checkQuorumDeadline()) this.becomeResigned();
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
      case "leader":
        d = this.leader.nextDeadline();
        break;
      case "follower":
      case "unattached":
        if (this.roleValue === "follower") {
          d = this.followDeadline;
        } else if (this.isVoter) {
          d = this.electionDeadline;
        }
        if (this.roleValue === "follower" || !this.isVoter) {
          const mayAcknowledge = () => this.fetchMayAcknowledge();
          d = Math.min(d, this.fetcher.deadline(this.now, this.fetchExpiryMs(), mayAcknowledge));
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
    this.rpc.expire(
      this.now,
      (id) => this.fetcher.isInFlight(id) ? fetchExpiry : otherExpiry,
      (id) => this.fetcher.take(id),
    );
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
    if (this.roleValue === "leader") this.leader.end();
    this.fetcher.reset();
    this.votes.clear();
  }

  private noteLeaderless(): void {
    this.leaderChanges.leaderless(this.now);
  }

  private noteLeaderKnown(): void {
    this.leaderChanges.leaderKnown(this.epochValue, this.leaderId, this.now);
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
    this.electionDeadline = this.now + this.timers.electionTimeout();
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
    const same = this.leaderChanges.isKnown(epoch, leaderId);
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
    this.votes.round++;
    this.metrics.preVotes++;
    this.votes.grant(this.nodeId);
    this.electionDeadline = this.now + this.timers.electionTimeout();
    if (this.votes.won) {
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
    this.votes.round++;
    this.metrics.elections++;
    this.votes.grant(this.nodeId);
    this.electionDeadline = this.now + this.timers.electionTimeout();
    if (this.votes.won) {
      this.becomeLeader();
      return;
    }
    this.sendVotes(false);
  }

  private becomeLeader(): void {
    assert(this.roleValue === "candidate", "only a candidate becomes leader");
    const granting = this.votes.granting();
    this.leaveRole();
    this.roleValue = "leader";
    this.leaderIdValue = this.nodeId;
    this.persist();
    this.leader.begin(this.now);
    this.log.append(
      leaderChangeBatch(
        this.nodeId,
        this.voters,
        granting,
        this.leader.epochStartOffset,
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
    const successors = this.leader.preferredSuccessors();
    this.leaveRole();
    this.roleValue = "resigned";
    this.leaderIdValue = -1;
    this.resignedLeaderId = this.nodeId;
    this.electionDeadline = this.now + this.timers.electionTimeout();
    this.noteLeaderless();
    for (const v of this.voters) {
      if (v === this.nodeId) continue;
      const body: EndQuorumEpochRequest = endQuorumEpochRequest(
        this.config.clusterId,
        this.nodeId,
        this.epochValue,
        successors,
      );
      this.sendRequest(v, { apiKey: END_QUORUM_EPOCH, body }, false);
    }
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
    const sent = { sentMs: this.now, epoch: this.epochValue, round: this.votes.round, preVote };
    return this.rpc.request(to, req, sent);
  }

  private reply(req: RaftRequest, res: RaftResponseBody): void {
    this.rpc.reply(req, res);
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
    const p = this.rpc.answered(res);
    if (p === undefined) return;
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
      const body: VoteRequest = voteRequest(
        this.config.clusterId,
        v,
        this.nodeId,
        this.epochValue,
        this.log,
        preVote,
      );
      this.sendRequest(v, { apiKey: VOTE, body }, preVote);
    }
  }

  private onVoteRequest(req: RaftRequest, body: VoteRequest): void {
    const reply = (granted: boolean, errorCode = 0, top = 0) =>
      this.reply(req, {
        apiKey: VOTE,
        body: voteResponse(this.leaderId, this.epochValue, errorCode, granted, top),
      });
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
    const logOk = candidateLogOk(p.lastOffsetEpoch, p.lastOffset, this.log);

    if (p.preVote) {
      // A pre-vote changes nothing here; it is refused while this node still hears
      // from a leader, so a node that was partitioned away cannot disrupt the quorum.
      return reply(preVoteGranted(
        logOk,
        p.replicaEpoch === this.epochValue,
        this.roleValue,
        this.now,
        this.lastLeaderContactMs,
        this.config.fetchTimeoutMs,
      ));
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
    if (granted) this.electionDeadline = this.now + this.timers.electionTimeout();
    reply(granted);
  }

  private onVoteResponse(p: Pending, from: number, body: VoteResponse): void {
    const part = body.topics[0]?.partitions[0];
    if (part === undefined || body.errorCode !== 0) return;
    if (part.leaderEpoch > this.epochValue) {
      this.observeLeader(part.leaderEpoch, part.leaderId);
      return;
    }
    if (p.epoch !== this.epochValue || p.round !== this.votes.round) return;
    const collecting = (this.roleValue === "prospective" && p.preVote) ||
      (this.roleValue === "candidate" && !p.preVote);
    if (!collecting) return;
    // A real vote is only ever granted at the candidate's own epoch.
    const granted = part.errorCode === 0 && part.voteGranted &&
      (p.preVote || part.leaderEpoch === this.epochValue);
    if (granted) {
      this.votes.grant(from);
    } else {
      // Refused because the voter still follows a leader of this epoch: follow it too.
      if (this.observeLeader(part.leaderEpoch, part.leaderId)) return;
      this.votes.reject(from);
    }
    if (this.votes.won) {
      if (this.roleValue === "prospective") this.becomeCandidate();
      else this.becomeLeader();
    } else if (this.votes.lost) {
      // Lost this round: retry after a random backoff rather than a full timeout.
      this.electionDeadline = Math.min(this.electionDeadline, this.now + this.timers.backoff());
      this.votes.round++;
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
    for (const id of this.leader.beginQuorumEpochsDue(this.now)) {
      const body: BeginQuorumEpochRequest = beginQuorumEpochRequest(
        this.config.clusterId,
        id,
        this.nodeId,
        this.epochValue,
      );
      this.sendRequest(id, { apiKey: BEGIN_QUORUM_EPOCH, body }, false);
    }
  }

  private epochResponse(errorCode: number, top: number): BeginQuorumEpochResponse {
    return epochResponse(this.leaderId, this.epochValue, errorCode, top);
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
    if (part.errorCode === 0) this.leader.beginQuorumEpochAcknowledged(from);
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
      this.electionDeadline = this.now + successorElectionDelay(
        p,
        this.nodeId,
        this.voters.length,
        this.config.electionBackoffMaxMs,
        () => this.timers.electionTimeout(),
      );
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
    if (!this.fetcher.mayFetch(this.now)) return;
    if (!this.fetchMayAcknowledge()) {
      this.log.flush();
      if (!this.fetchMayAcknowledge()) return;
    }
    const following = this.roleValue === "follower";
    const target = this.fetcher.target(following, this.leaderIdValue, this.voters);
    const s = this.fetcher.snapshot;
    const req: RaftRequestBody = s !== null
      ? {
        apiKey: FETCH_SNAPSHOT,
        body: fetchSnapshotRequest(this.config.clusterId, this.nodeId, this.epochValue, s),
      }
      : { apiKey: FETCH, body: fetchRequest(this.config, this.epochValue, this.log, this.hwm) };
    this.fetcher.sent(this.sendRequest(target, req, false), this.now);
  }

  /** Handles leader-side errors common to Fetch and FetchSnapshot responses. */
  private fetchFailed(leaderId: number, leaderEpoch: number): void {
    if (this.observeLeader(leaderEpoch, leaderId)) return;
    this.fetcher.backOff(this.now);
  }

  private onFetchResponse(correlationId: number, from: number, body: FetchResponse): void {
    if (!this.fetcher.take(correlationId)) return;
    const part = body.responses[0]?.partitions[0];
    if (body.errorCode !== 0 || part === undefined) {
      this.fetcher.backOff(this.now);
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
    this.hwm = this.fetcher.applyFetch(part, this.epochValue, this.hwm, this.now);
  }

  private onFetchSnapshotResponse(
    correlationId: number,
    from: number,
    body: FetchSnapshotResponse,
  ): void {
    if (!this.fetcher.take(correlationId)) return;
    const part = body.topics[0]?.partitions[0];
    const s = this.fetcher.snapshot;
    if (body.errorCode !== 0 || part === undefined || s === null) {
      this.fetcher.backOff(this.now);
      return;
    }
    const leader = part.currentLeader;
    if (
      part.errorCode === ErrorCode.SNAPSHOT_NOT_FOUND ||
      part.errorCode === ErrorCode.POSITION_OUT_OF_RANGE
    ) {
      // The leader moved on to a newer snapshot: fetch again to learn it.
      this.fetcher.snapshot = null;
      return;
    }
    if (part.errorCode !== ErrorCode.NONE) {
      return this.fetchFailed(leader.leaderId, leader.leaderEpoch);
    }
    this.observeLeader(leader.leaderEpoch, leader.leaderId);
    if (this.roleValue !== "follower" || from !== this.leaderIdValue) return;
    this.heardFromLeader();
    this.hwm = this.fetcher.applySnapshotChunk(s, part, this.hwm);
  }

  // --- Fetch and FetchSnapshot: leader side --------------------------------------

  private fetchResponse(
    errorCode: number,
    fill?: (p: FetchResponsePartitionData) => void,
    top = 0,
  ): FetchResponse {
    const state = {
      leaderId: this.leaderId,
      epoch: this.epochValue,
      hwm: this.hwm,
      logStartOffset: this.log.startOffset,
    };
    return fetchResponse(state, errorCode, fill, top);
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
    if (this.leader.fetch(req, p, this.now, this.hwm)) this.updateHighWatermark();
  }

  private onFetchSnapshotRequest(req: RaftRequest, body: FetchSnapshotRequest): void {
    const res = (
      errorCode: number,
      fill?: (p: FetchSnapshotResponsePartitionSnapshot) => void,
      top = 0,
    ) => {
      const out: FetchSnapshotResponse = fetchSnapshotResponse(
        this.leaderId,
        this.epochValue,
        errorCode,
        fill,
        top,
      );
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
    const chunk = readSnapshotChunk(this.io.snapshots, p, body.maxBytes);
    if (typeof chunk === "number") return res(chunk);
    this.leader.snapshotFetched(body.replicaId, this.now);
    res(0, chunk);
  }

  // --- leader bookkeeping ---------------------------------------------------------

  /**
   * The largest offset a majority of voters hold durably: the leader's flushed
   * log end and each follower's last valid fetch offset.
   */
  protected majorityEndOffset(): number {
    return this.leader.majorityEndOffset();
  }

  private updateHighWatermark(): void {
    if (this.roleValue !== "leader") return;
    const m = this.majorityEndOffset();
    // Only a majority that includes this epoch's LeaderChange commits: Raft's rule
    // that a leader commits earlier epochs' entries only through one of its own.
    if (m > this.leader.epochStartOffset && m > this.hwm) {
      this.hwm = m;
      this.leader.completeParked(this.hwm);
    }
  }

  private writeAccumulated(force: boolean): void {
    if (this.leader.writeBuffered(force, this.now, this.epochValue)) {
      this.leader.completeParked(this.hwm);
    }
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
    if (values.length === 0 || this.leader.bufferedBytes + bytes > raftPendingAppendBytesMax) {
      return { ok: false, error: "backpressure", leaderId: this.nodeId, epoch: this.epochValue };
    }
    const baseOffset = this.leader.bufferValues(values, bytes, this.now);
    return {
      ok: true,
      epoch: this.epochValue,
      baseOffset,
      lastOffset: baseOffset + values.length - 1,
    };
  }

  /** Whether an append (its epoch and last offset) committed, may still, or was lost. */
  appendStatus(epoch: number, lastOffset: number): AppendStatus {
    const leadingEpoch = () => this.roleValue === "leader" && this.epochValue === epoch;
    return appendStatus(this.log, this.hwm, epoch, lastOffset, leadingEpoch);
  }

  /**
   * What the state machine should apply after `appliedOffset` (its next
   * offset): the snapshot when the log no longer reaches back there, else the
   * committed batches from there (control batches included), else null.
   */
  nextCommitted(appliedOffset: number, maxBytes = raftFetchBytesMax): Committed | null {
    return nextCommitted(this.log, this.io.snapshots, this.hwm, appliedOffset, maxBytes);
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
    return writeSnapshot(this.log, this.io.snapshots, endOffset, this.hwm, values, this.now);
  }

  /** Leader only: hands leadership over (EndQuorumEpoch), e.g. on shutdown. */
  resign(nowMs: number): void {
    this.now = Math.max(this.now, nowMs);
    if (this.roleValue === "leader") this.becomeResigned();
  }

  /** Kafka's DescribeQuorum answer for the metadata partition. */
  describeQuorum(): DescribeQuorumResponse {
    return describeQuorum({
      nodeId: this.nodeId,
      isLeader: this.roleValue === "leader",
      leaderId: this.leaderId,
      epoch: this.epochValue,
      hwm: this.hwm,
      logEndOffset: this.log.endOffset,
      nowMs: this.now,
      voters: this.voters,
      replicas: this.leader.replicas,
    });
  }
}
