/**
 * Elections (KIP-595 with KIP-996 pre-vote): randomized timers, the vote
 * rules, and the Vote, BeginQuorumEpoch and EndQuorumEpoch bodies. Pure
 * helpers; RaftQuorum owns the election state and the transitions.
 */
import type {
  BeginQuorumEpochRequest,
  BeginQuorumEpochResponse,
} from "../protocol/generated/begin_quorum_epoch.ts";
import type { EndQuorumEpochRequest } from "../protocol/generated/end_quorum_epoch.ts";
import type { VoteRequest, VoteResponse } from "../protocol/generated/vote.ts";
import { ZERO_UUID } from "../protocol/uuid.ts";
import { METADATA_PARTITION, METADATA_TOPIC } from "./records.ts";
import type { QuorumConfig, RaftLog, Random, Role } from "./types.ts";

/** The randomized waits of elections, drawn from the injected Random. */
export class ElectionTimers {
  constructor(
    private readonly config: QuorumConfig,
    private readonly random: Random,
  ) {}

  electionTimeout(): number {
    const t = this.config.electionTimeoutMs;
    return t + Math.floor(this.random.next() * t);
  }

  backoff(): number {
    return 1 + Math.floor(this.random.next() * this.config.electionBackoffMaxMs);
  }

  retryBackoff(): number {
    return Math.max(1, Math.floor(this.config.electionBackoffMaxMs / 10));
  }
}

/** Whether a candidate's log (its last epoch and end offset) is at least as up to date as ours. */
export function candidateLogOk(lastOffsetEpoch: number, lastOffset: number, log: RaftLog): boolean {
  return lastOffsetEpoch > log.lastEpoch ||
    (lastOffsetEpoch === log.lastEpoch && lastOffset >= log.endOffset);
}

/**
 * A pre-vote changes nothing here; it is refused while this node still hears
 * from a leader, so a node that was partitioned away cannot disrupt the quorum.
 */
export function preVoteGranted(
  logOk: boolean,
  sameEpoch: boolean,
  role: Role,
  nowMs: number,
  lastLeaderContactMs: number,
  fetchTimeoutMs: number,
): boolean {
  let granted = logOk;
  if (sameEpoch) {
    if (role === "leader") granted = false;
    if (
      role === "follower" &&
      nowMs < lastLeaderContactMs + fetchTimeoutMs
    ) granted = false;
  }
  return granted;
}

/**
 * How long a voter told of a resignation waits before campaigning: the
 * resigning leader ranks its successors, and the best placed campaigns first.
 * v1 names them in preferredCandidates, v0 in preferredSuccessors.
 */
export function successorElectionDelay(
  p: EndQuorumEpochRequest["topics"][number]["partitions"][number],
  nodeId: number,
  voterCount: number,
  electionBackoffMaxMs: number,
  randomElectionTimeout: () => number,
): number {
  const successors = p.preferredCandidates.length > 0
    ? p.preferredCandidates.map((c) => c.candidateId)
    : p.preferredSuccessors;
  const rank = successors.indexOf(nodeId);
  const step = Math.ceil(electionBackoffMaxMs / voterCount);
  return rank >= 0 ? rank * step : randomElectionTimeout();
}

export function voteRequest(
  clusterId: string | null,
  voterId: number,
  nodeId: number,
  epoch: number,
  log: RaftLog,
  preVote: boolean,
): VoteRequest {
  return {
    clusterId,
    voterId,
    topics: [{
      topicName: METADATA_TOPIC,
      partitions: [{
        partitionIndex: METADATA_PARTITION,
        replicaEpoch: epoch,
        replicaId: nodeId,
        replicaDirectoryId: ZERO_UUID,
        voterDirectoryId: ZERO_UUID,
        lastOffsetEpoch: log.lastEpoch,
        lastOffset: log.endOffset,
        preVote,
      }],
    }],
  };
}

export function voteResponse(
  leaderId: number,
  epoch: number,
  errorCode: number,
  granted: boolean,
  topError = 0,
): VoteResponse {
  return {
    errorCode: topError,
    topics: [{
      topicName: METADATA_TOPIC,
      partitions: [{
        partitionIndex: METADATA_PARTITION,
        errorCode,
        leaderId,
        leaderEpoch: epoch,
        voteGranted: granted,
      }],
    }],
    nodeEndpoints: [],
  };
}

export function beginQuorumEpochRequest(
  clusterId: string | null,
  voterId: number,
  leaderId: number,
  epoch: number,
): BeginQuorumEpochRequest {
  return {
    clusterId,
    voterId,
    topics: [{
      topicName: METADATA_TOPIC,
      partitions: [{
        partitionIndex: METADATA_PARTITION,
        voterDirectoryId: ZERO_UUID,
        leaderId,
        leaderEpoch: epoch,
      }],
    }],
    leaderEndpoints: [],
  };
}

export function endQuorumEpochRequest(
  clusterId: string | null,
  leaderId: number,
  epoch: number,
  successors: number[],
): EndQuorumEpochRequest {
  return {
    clusterId,
    topics: [{
      topicName: METADATA_TOPIC,
      partitions: [{
        partitionIndex: METADATA_PARTITION,
        leaderId,
        leaderEpoch: epoch,
        preferredSuccessors: successors,
        preferredCandidates: successors.map((id) => ({
          candidateId: id,
          candidateDirectoryId: ZERO_UUID,
        })),
      }],
    }],
    leaderEndpoints: [],
  };
}

/** The BeginQuorumEpoch answer; EndQuorumEpoch's has the same shape. */
export function epochResponse(
  leaderId: number,
  epoch: number,
  errorCode: number,
  top: number,
): BeginQuorumEpochResponse {
  return {
    errorCode: top,
    topics: [{
      topicName: METADATA_TOPIC,
      partitions: [{
        partitionIndex: METADATA_PARTITION,
        errorCode,
        leaderId,
        leaderEpoch: epoch,
      }],
    }],
    nodeEndpoints: [],
  };
}

/**
 * The pre-vote or vote round being collected: who granted and who refused.
 * Responses to other rounds are ignored (see Pending.round).
 */
export class VoteTally {
  /** Current pre-vote or vote round; responses from other rounds are ignored. */
  round = 0;
  private readonly grants = new Set<number>();
  private readonly rejects = new Set<number>();

  constructor(
    private readonly majority: number,
    private readonly voterCount: number,
  ) {}

  clear(): void {
    this.grants.clear();
    this.rejects.clear();
  }

  grant(id: number): void {
    this.grants.add(id);
  }

  reject(id: number): void {
    this.rejects.add(id);
  }

  /** A majority granted. */
  get won(): boolean {
    return this.grants.size >= this.majority;
  }

  /** Enough refused that no majority can grant this round. */
  get lost(): boolean {
    return this.rejects.size > this.voterCount - this.majority;
  }

  /** The voters that granted, in id order. */
  granting(): number[] {
    return [...this.grants].sort((a, b) => a - b);
  }
}
