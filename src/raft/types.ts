/**
 * The contracts of the Raft core: its configuration and the I/O it is given.
 * The core never touches files, sockets, clocks or randomness itself; the host
 * (a real node in src/server/, or the simulation in tests/) implements these.
 */

/** Kafka's OffsetAndEpoch of a snapshot: it covers every offset below endOffset. */
export interface SnapshotId {
  readonly endOffset: number;
  /** Epoch of the entry at endOffset - 1. */
  readonly epoch: number;
}

/** One v2 record batch of the metadata log, as stored and as sent in Fetch responses. */
export interface LogBatch {
  readonly baseOffset: number;
  /** Inclusive. */
  readonly lastOffset: number;
  /** The batch's partitionLeaderEpoch: the epoch of the leader that appended it. */
  readonly epoch: number;
  readonly bytes: Uint8Array;
}

/**
 * The metadata log. Batches are appended whole at endOffset, truncation is
 * batch-aligned, and everything below startOffset is covered by a snapshot.
 * `flush()` asks for durability of everything appended so far; it may complete
 * at once (a file fsync) or later (the simulation), in which case the host
 * calls the core's `poll` once flushedOffset has moved.
 */
export interface RaftLog {
  readonly startOffset: number;
  /** Epoch of the entry just below startOffset (the covering snapshot's epoch); 0 at offset 0. */
  readonly startEpoch: number;
  readonly endOffset: number;
  /** Everything below this offset survives a crash. */
  readonly flushedOffset: number;
  /** Epoch of the last entry, or startEpoch when the log is empty. */
  readonly lastEpoch: number;
  append(batch: LogBatch): void;
  /** Whole batches from the one holding `offset`, at least one, then up to `maxBytes`. */
  read(offset: number, maxBytes: number): LogBatch[];
  /** Removes every batch at or above `offset` (a batch boundary); durable when it returns. */
  truncateTo(offset: number): void;
  flush(): void;
  /** Drops the batches below `offset` (a batch boundary now covered by a snapshot). */
  deleteBefore(offset: number, epoch: number): void;
  /** Discards the whole log: it restarts empty at a snapshot's end. Durable when it returns. */
  resetTo(offset: number, epoch: number): void;
  /**
   * Kafka's OffsetForLeaderEpoch: the largest epoch <= `epoch` in the log and
   * the offset where it ends (the next epoch's start, or endOffset). Null when
   * `epoch` is older than the log's start.
   */
  endOffsetForEpoch(epoch: number): { epoch: number; endOffset: number } | null;
  /** Epoch of the entry at `offset`, or -1 when the log does not hold it. */
  epochAt(offset: number): number;
}

/** Kafka's quorum-state file: what a voter must remember across crashes. */
export interface ElectionState {
  epoch: number;
  /** -1 when this node has not voted in `epoch`. */
  votedId: number;
  /** -1 when no leader is known for `epoch`. */
  leaderId: number;
}

/** Durable on return: a vote must be on disk before it is sent. */
export interface ElectionStore {
  read(): ElectionState | null;
  write(state: ElectionState): void;
}

/** Snapshot files; each write is atomic and durable on return. */
export interface SnapshotStore {
  latest(): SnapshotId | null;
  /** Size in bytes, or -1 when the store does not hold this snapshot. */
  size(id: SnapshotId): number;
  /** Bytes [position, position + maxBytes) of a snapshot, or null when it is gone. */
  read(id: SnapshotId, position: number, maxBytes: number): Uint8Array | null;
  write(id: SnapshotId, bytes: Uint8Array): void;
}

/** Uniform in [0, 1). Injected so the simulation is reproducible from a seed. */
export interface Random {
  next(): number;
}

export interface RaftIo {
  log: RaftLog;
  election: ElectionStore;
  snapshots: SnapshotStore;
  random: Random;
}

/** Kafka's controller.quorum.* settings, in milliseconds. */
export interface QuorumConfig {
  nodeId: number;
  /** controller.quorum.voters ids. A node not listed is an observer. */
  voters: readonly number[];
  clusterId: string | null;
  /** Base election timeout; each wait is randomized in [t, 2t). */
  electionTimeoutMs: number;
  /** Upper bound of the random backoff after a lost election. */
  electionBackoffMaxMs: number;
  /** A follower that hears nothing from its leader this long starts a pre-vote. */
  fetchTimeoutMs: number;
  /** An unanswered request is given up after this long. */
  requestTimeoutMs: number;
  /** How long the leader may hold a Fetch that has nothing new to return. */
  fetchMaxWaitMs: number;
  /** How long the leader waits to gather appended records into one batch (0: next poll). */
  appendLingerMs: number;
}

export function defaultQuorumConfig(
  nodeId: number,
  voters: readonly number[],
  overrides: Partial<QuorumConfig> = {},
): QuorumConfig {
  return {
    nodeId,
    voters,
    clusterId: null,
    electionTimeoutMs: 1000,
    electionBackoffMaxMs: 1000,
    fetchTimeoutMs: 2000,
    requestTimeoutMs: 2000,
    fetchMaxWaitMs: 500,
    appendLingerMs: 0,
    ...overrides,
  };
}

/** Roles of KIP-595 and KIP-996 (prospective = running a pre-vote). */
export type Role = "unattached" | "prospective" | "candidate" | "leader" | "follower" | "resigned";

/** The leadership metric and a few counters a broker exports. */
export interface QuorumMetrics {
  /** Times this node saw a new (leaderId, epoch): the leadership-change counter. */
  leaderChanges: number;
  /** Elections this node started as a candidate. */
  elections: number;
  /** Pre-vote rounds this node started. */
  preVotes: number;
  /** Snapshots installed from the leader. */
  snapshotsFetched: number;
  /** Log truncations forced by a diverging leader. */
  truncations: number;
  /** Ms from losing a leader (fetch timeout, resignation, start) to knowing the next one. */
  lastElectionMs: number;
}
