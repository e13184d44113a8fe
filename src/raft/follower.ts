/**
 * Follower- and observer-side fetching: the Fetch in flight and its backoff,
 * the Fetch request, appending what the leader sent, truncating a diverging
 * log, and taking a snapshot in when the leader's log no longer reaches back.
 * RaftQuorum handles the leader and epoch in each answer (its transitions) and
 * hands the rest to FollowerFetch.
 */
import { assert } from "../base/assert.ts";
import { raftFetchBytesMax } from "../base/limits.ts";
import { DecodeError } from "../protocol/decode_error.ts";
import type { FetchRequest, FetchResponsePartitionData } from "../protocol/generated/fetch.ts";
import type { FetchSnapshotResponsePartitionSnapshot } from "../protocol/generated/fetch_snapshot.ts";
import { ZERO_UUID } from "../protocol/uuid.ts";
import type { ElectionTimers } from "./election.ts";
import {
  fetchedBatches,
  joinRecords,
  METADATA_PARTITION,
  METADATA_TOPIC,
  METADATA_TOPIC_ID,
} from "./records.ts";
import { acceptSnapshotChunk, type SnapshotFetch } from "./snapshots.ts";
import type { LogBatch, QuorumConfig, QuorumMetrics, RaftLog, SnapshotStore } from "./types.ts";

/**
 * The Fetch a follower sends: its fetch offset is its log end, sent only once
 * that is durable, so it doubles as the acknowledgement.
 */
export function fetchRequest(
  config: QuorumConfig,
  epoch: number,
  log: RaftLog,
  hwm: number,
): FetchRequest {
  return {
    clusterId: config.clusterId,
    replicaId: -1,
    replicaState: { replicaId: config.nodeId, replicaEpoch: -1 },
    maxWaitMs: config.fetchMaxWaitMs,
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
        currentLeaderEpoch: epoch,
        fetchOffset: log.endOffset,
        lastFetchedEpoch: log.lastEpoch,
        logStartOffset: log.startOffset,
        partitionMaxBytes: raftFetchBytesMax,
        replicaDirectoryId: ZERO_UUID,
        highWatermark: hwm,
      }],
    }],
    forgottenTopicsData: [],
    rackId: "",
  };
}

/** The batches of a Fetch answer that continue our log, or null when they do not decode. */
function decodeFetched(
  part: FetchResponsePartitionData,
  log: RaftLog,
  epoch: number,
): LogBatch[] | null {
  try {
    return fetchedBatches(joinRecords(part.records), log.endOffset, log.lastEpoch, epoch);
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    return null;
  }
}

/** Where to truncate when the leader reports divergence (never below the high watermark). */
function divergenceTruncationOffset(
  part: FetchResponsePartitionData,
  log: RaftLog,
  hwm: number,
): number {
  const d = part.divergingEpoch;
  const local = log.endOffsetForEpoch(d.epoch);
  assert(local !== null, `leader diverges at epoch ${d.epoch}, below our log start`);
  const offset = Math.min(d.endOffset, local.endOffset);
  assert(offset >= hwm, `truncation to ${offset} below high watermark ${hwm}`);
  return offset;
}

/** The fetch of a follower or observer: one Fetch or FetchSnapshot in flight at a time. */
export class FollowerFetch {
  /** Correlation id of the request in flight, or -1. */
  private inFlight = -1;
  private sentMs = 0;
  private backoffUntil = 0;
  /** The snapshot being fetched, since the leader's log stopped reaching back to ours. */
  snapshot: SnapshotFetch | null = null;
  private bootstrapIndex = 0;

  constructor(
    private readonly log: RaftLog,
    private readonly snapshots: SnapshotStore,
    private readonly metrics: QuorumMetrics,
    private readonly timers: ElectionTimers,
  ) {}

  /** Leaving a role: the answer to a fetch in flight is no longer awaited. */
  reset(): void {
    this.inFlight = -1;
    this.backoffUntil = 0;
    this.snapshot = null;
  }

  isInFlight(correlationId: number): boolean {
    return correlationId === this.inFlight;
  }

  /** Takes the answer to `correlationId` if it is the fetch in flight. */
  take(correlationId: number): boolean {
    if (correlationId !== this.inFlight) return false;
    this.inFlight = -1;
    return true;
  }

  /** When to fetch next: the answer overdue, or the backoff over (Infinity: not yet known). */
  deadline(nowMs: number, expiryMs: number, mayAcknowledge: () => boolean): number {
    if (this.inFlight >= 0) return this.sentMs + expiryMs;
    if (mayAcknowledge()) return Math.max(this.backoffUntil, nowMs);
    return Infinity;
  }

  /** Whether a fetch may be sent now (none in flight, no backoff). */
  mayFetch(nowMs: number): boolean {
    return !(this.inFlight >= 0 || nowMs < this.backoffUntil);
  }

  /** Whom to fetch from: the leader; an observer without one asks the voters in turn. */
  target(following: boolean, leaderId: number, voters: readonly number[]): number {
    if (following) return leaderId;
    return voters[this.bootstrapIndex++ % voters.length];
  }

  sent(correlationId: number, nowMs: number): void {
    this.inFlight = correlationId;
    this.sentMs = nowMs;
  }

  backOff(nowMs: number): void {
    this.backoffUntil = nowMs + this.timers.retryBackoff();
  }

  /**
   * Applies a Fetch answer from the current leader: truncates on divergence,
   * starts a snapshot fetch, or appends (and flushes) the batches; returns the
   * high watermark that results from `hwm`.
   */
  applyFetch(part: FetchResponsePartitionData, epoch: number, hwm: number, nowMs: number): number {
    if (part.divergingEpoch.epoch >= 0) {
      this.log.truncateTo(divergenceTruncationOffset(part, this.log, hwm));
      this.metrics.truncations++;
      return hwm;
    }
    if (part.snapshotId.endOffset >= 0) {
      const id = { endOffset: part.snapshotId.endOffset, epoch: part.snapshotId.epoch };
      this.snapshot = { id, position: 0, size: -1, chunks: [] };
      return hwm;
    }
    const fetched = decodeFetched(part, this.log, epoch);
    if (fetched === null) {
      this.backOff(nowMs);
      return hwm;
    }
    for (const b of fetched) this.log.append(b);
    if (fetched.length > 0) this.log.flush();
    // Everything up to our log end now matches the leader's, so its commit applies to it.
    const leaderHwm = Math.min(part.highWatermark, this.log.endOffset);
    return leaderHwm > hwm ? leaderHwm : hwm;
  }

  /**
   * Applies a FetchSnapshot chunk from the current leader to `s` (the fetch it
   * answers); once complete, installs the snapshot. Returns the resulting high
   * watermark.
   */
  applySnapshotChunk(
    s: SnapshotFetch,
    part: FetchSnapshotResponsePartitionSnapshot,
    hwm: number,
  ): number {
    const got = acceptSnapshotChunk(s, part);
    if (got === "more") return hwm;
    this.snapshot = null;
    if (got === "abandon") return hwm;
    // The whole log goes, even past the snapshot's end: the leader sends a snapshot
    // only when our last epoch predates it, so anything we hold there diverges.
    this.snapshots.write(s.id, got.bytes);
    this.log.resetTo(s.id.endOffset, s.id.epoch);
    this.metrics.snapshotsFetched++;
    return s.id.endOffset > hwm ? s.id.endOffset : hwm;
  }
}
