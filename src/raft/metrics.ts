/**
 * What the quorum tells about itself: leader-change metrics and Kafka's
 * DescribeQuorum answer.
 */
import { ErrorCode } from "../protocol/errors.ts";
import type {
  DescribeQuorumResponse,
  DescribeQuorumResponseReplicaState,
} from "../protocol/generated/describe_quorum.ts";
import { ZERO_UUID } from "../protocol/uuid.ts";
import { METADATA_PARTITION, METADATA_TOPIC } from "./records.ts";
import type { ReplicaState } from "./replication.ts";
import type { QuorumMetrics } from "./types.ts";

/** Counts leader changes and times elections (metrics.leaderChanges, lastElectionMs). */
export class LeaderChangeTracker {
  private leaderlessSinceMs: number;
  /** The last (epoch, leader) counted in metrics.leaderChanges. */
  private knownLeaderEpoch = -1;
  private knownLeaderId = -1;

  constructor(private readonly metrics: QuorumMetrics, nowMs: number) {
    this.leaderlessSinceMs = nowMs;
  }

  /** Whether (epoch, leaderId) is the leader last counted. */
  isKnown(epoch: number, leaderId: number): boolean {
    return this.knownLeaderEpoch === epoch && this.knownLeaderId === leaderId;
  }

  leaderless(nowMs: number): void {
    if (this.leaderlessSinceMs < 0) this.leaderlessSinceMs = nowMs;
  }

  leaderKnown(epoch: number, leader: number, nowMs: number): void {
    if (this.isKnown(epoch, leader)) {
      // Back to the same leader after a pre-vote that found it alive: no change.
      this.leaderlessSinceMs = -1;
      return;
    }
    this.knownLeaderEpoch = epoch;
    this.knownLeaderId = leader;
    this.metrics.leaderChanges++;
    if (this.leaderlessSinceMs >= 0) {
      this.metrics.lastElectionMs = nowMs - this.leaderlessSinceMs;
      this.leaderlessSinceMs = -1;
    }
  }
}

/** The node's view, as describeQuorum reports it. */
export interface DescribeState {
  nodeId: number;
  isLeader: boolean;
  leaderId: number;
  epoch: number;
  hwm: number;
  logEndOffset: number;
  nowMs: number;
  voters: readonly number[];
  replicas: Map<number, ReplicaState>;
}

/** Kafka's DescribeQuorum answer for the metadata partition. */
export function describeQuorum(s: DescribeState): DescribeQuorumResponse {
  const leader = s.isLeader;
  const state = (id: number): DescribeQuorumResponseReplicaState => {
    if (id === s.nodeId) {
      return {
        replicaId: id,
        replicaDirectoryId: ZERO_UUID,
        logEndOffset: s.logEndOffset,
        lastFetchTimestamp: s.nowMs,
        lastCaughtUpTimestamp: s.nowMs,
      };
    }
    const r = s.replicas.get(id);
    return {
      replicaId: id,
      replicaDirectoryId: ZERO_UUID,
      logEndOffset: r?.endOffset ?? -1,
      lastFetchTimestamp: r?.lastFetchMs ?? -1,
      lastCaughtUpTimestamp: r?.lastCaughtUpMs ?? -1,
    };
  };
  const observers = [...s.replicas.values()].filter((r) => !r.voter).map((r) => state(r.id));
  return {
    errorCode: 0,
    errorMessage: null,
    topics: [{
      topicName: METADATA_TOPIC,
      partitions: [{
        partitionIndex: METADATA_PARTITION,
        errorCode: leader ? 0 : ErrorCode.NOT_LEADER_OR_FOLLOWER,
        errorMessage: null,
        leaderId: s.leaderId,
        leaderEpoch: s.epoch,
        highWatermark: s.hwm,
        currentVoters: leader ? s.voters.map(state) : [],
        observers: leader ? observers : [],
      }],
    }],
    nodes: [],
  };
}
