/**
 * The data path: every operation on partition data that a request handler
 * needs, as one interface, so the same handlers run whether the partitions
 * live on this thread (LocalDataPath over a ShardCore: single-thread mode, and
 * the main thread's internal topics) or in shard workers behind
 * SharedArrayBuffer rings (workers/ring_data_path.ts).
 *
 * Handlers keep what depends on the request (versions, validation of produce
 * batches, down-conversion, sessions, response layout); the data path does
 * what depends on the partition (existence, leader epoch, offline dirs,
 * appends, reads, offsets, waits) and answers with Kafka error codes.
 *
 * Ordering: an append is ordered when `append` is called (later calls on the
 * same path land after it in the partition), even though its outcomes resolve
 * later (after the fsync for a flush.messages=1 topic). `accepted` resolves
 * once the path has taken the request (a full ring waits there: that wait is
 * the backpressure that slows request intake).
 */

/** Kafka names a partition by topic name and (newer versions) topic id; both are carried. */
export interface PartitionRef {
  readonly topic: string;
  readonly topicId: string;
  readonly partition: number;
}

export interface AppendEntry extends PartitionRef {
  /** One validated record batch (magic 2), offsets assigned in place on append. */
  readonly records: Uint8Array;
}

export interface AppendOutcome {
  readonly errorCode: number;
  readonly errorMessage: string | null;
  readonly baseOffset: number;
  readonly logStartOffset: number;
}

export interface AppendCall {
  /** Resolves when the request is taken (ordered); wait on it before reading the next request. */
  readonly accepted: Promise<void>;
  /** One outcome per entry, in order; after the fsync where the topic asks for it. */
  readonly outcomes: Promise<AppendOutcome[]>;
}

/** `upperOffset` values resolved by the partition's owner. */
export const ReadUpper = {
  /** read_uncommitted consumers: up to the high watermark. */
  HighWatermark: -1,
  /** read_committed consumers: up to the last stable offset. */
  LastStable: -2,
} as const;

export interface ReadEntry extends PartitionRef {
  readonly fetchOffset: number;
  /** One of ReadUpper. */
  readonly upperOffset: number;
  readonly partitionMaxBytes: number;
  /** -1 when the client sent none. */
  readonly currentLeaderEpoch: number;
}

export interface ReadOutcome {
  readonly errorCode: number;
  readonly highWatermark: number;
  readonly lastStableOffset: number;
  readonly logStartOffset: number;
  /** Stored batches, unchanged, as chunks (empty when none). */
  readonly records: Uint8Array[];
  readonly sizeBytes: number;
}

export interface WatchEntry extends PartitionRef {
  /** Wake when the readable end passes this offset. */
  readonly offset: number;
}

export interface OffsetsEntry extends PartitionRef {
  readonly currentLeaderEpoch: number;
  /** ListOffsets' timestamp: -1 latest, -2 earliest, -3 max timestamp, -4 earliest local, -5 latest tiered, or a time. */
  readonly timestamp: number;
}

export interface OffsetsOutcome {
  readonly errorCode: number;
  readonly offset: number;
  readonly timestamp: number;
  readonly leaderEpoch: number;
}

export interface DeleteRecordsEntry extends PartitionRef {
  /** New log start offset; -1 for the high watermark. */
  readonly offset: number;
}

export interface DeleteRecordsOutcome {
  readonly errorCode: number;
  readonly lowWatermark: number;
}

export interface EpochEntry extends PartitionRef {
  readonly currentLeaderEpoch: number;
  readonly leaderEpoch: number;
}

export interface EpochOutcome {
  readonly errorCode: number;
  readonly leaderEpoch: number;
  readonly endOffset: number;
}

export interface LogInfo {
  readonly topic: string;
  readonly partition: number;
  readonly sizeBytes: number;
  readonly logStartOffset: number;
  readonly logEndOffset: number;
  readonly highWatermark: number;
  readonly offsetLag: number;
}

export interface LogDirInfo {
  readonly path: string;
  readonly online: boolean;
  readonly logs: LogInfo[];
}

export interface DataPath {
  /**
   * Whether appended bytes are kept by reference after `append` (a log's
   * recent-batch cache on this thread), so callers copy small slices of a
   * large buffer first; false when the path copies them itself (into a ring).
   */
  readonly keepsAppendedBytes: boolean;
  append(acks: number, timeoutMs: number, entries: readonly AppendEntry[]): AppendCall;
  /**
   * Reads each entry in order under one byte budget; the first entry with data
   * may exceed the budget by one batch when `minOneBatch`.
   */
  read(
    maxBytes: number,
    minOneBatch: boolean,
    entries: readonly ReadEntry[],
  ): Promise<ReadOutcome[]>;
  /** Resolves true once data may have arrived at any entry, false after `maxWaitMs`. */
  watch(entries: readonly WatchEntry[], maxWaitMs: number): Promise<boolean>;
  listOffsets(isolationLevel: number, entries: readonly OffsetsEntry[]): Promise<OffsetsOutcome[]>;
  deleteRecords(entries: readonly DeleteRecordsEntry[]): Promise<DeleteRecordsOutcome[]>;
  offsetForLeaderEpoch(entries: readonly EpochEntry[]): Promise<EpochOutcome[]>;
  /** Every log dir with the partitions on it, across every owner. */
  logDirs(): Promise<LogDirInfo[]>;
  /** Whether a partition's log dir is offline (Metadata reports it); answered from the last report. */
  isOffline(topic: string, partition: number): boolean;
}
