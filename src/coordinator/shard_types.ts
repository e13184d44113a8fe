/** The requests and answers of GroupShard's API (re-exported by shard.ts). */
import type { GroupCoordinatorConfig } from "./config.ts";
import type { GroupState, Protocol } from "./group.ts";

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
