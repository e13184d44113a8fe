/**
 * Leader-side replication: what the leader knows of each replica, validating
 * and answering Fetch (long-polled while there is nothing new), the majority's
 * durable end offset behind the high watermark, check quorum, and the append
 * buffer that each poll writes as batches. LeaderReplication holds the state of
 * one leadership; RaftQuorum decides when (and owns the high watermark).
 */
import { assert } from "../base/assert.ts";
import { raftBatchBytesMax, raftFetchBytesMax } from "../base/limits.ts";
import { ErrorCode } from "../protocol/errors.ts";
import type {
  FetchRequestFetchPartition,
  FetchResponse,
  FetchResponsePartitionData,
} from "../protocol/generated/fetch.ts";
import type { FETCH, RaftRequest } from "./messages.ts";
import { dataBatch, METADATA_PARTITION, METADATA_TOPIC, METADATA_TOPIC_ID } from "./records.ts";
import type { QuorumConfig, RaftLog, SnapshotStore } from "./types.ts";

/** What the leader knows of another replica (Kafka's ReplicaState). */
export interface ReplicaState {
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

export interface ParkedFetch {
  request: RaftRequest & { apiKey: typeof FETCH };
  partition: FetchRequestFetchPartition;
  deadline: number;
}

/** High watermark a Fetch sends when it does not know one (Kafka's Long.MAX_VALUE). */
const UNKNOWN_HWM = 2 ** 63;

/** A replica the leader has not heard from yet (a voter) or just met (an observer). */
function newReplica(id: number, voter: boolean): ReplicaState {
  return {
    id,
    voter,
    endOffset: -1,
    lastFetchMs: -1,
    lastCaughtUpMs: -1,
    acknowledged: !voter,
    beginSentMs: -Infinity,
  };
}

/** Records a valid Fetch from `id` at `fetchOffset` (its durable log end). */
function updateReplica(
  replicas: Map<number, ReplicaState>,
  id: number,
  fetchOffset: number,
  logEndOffset: number,
  nowMs: number,
): void {
  let r = replicas.get(id);
  if (r === undefined) {
    r = newReplica(id, false);
    replicas.set(id, r);
  }
  r.endOffset = fetchOffset;
  r.lastFetchMs = nowMs;
  r.acknowledged = true;
  if (fetchOffset >= logEndOffset) r.lastCaughtUpMs = nowMs;
}

/**
 * Whether a voter needs BeginQuorumEpoch now: it has not fetched in this epoch
 * (or not lately), and the last one sent is older than a request timeout.
 */
function needsBeginQuorumEpoch(
  r: ReplicaState,
  nowMs: number,
  fetchTimeoutMs: number,
  requestTimeoutMs: number,
): boolean {
  if (!r.voter) return false;
  if (r.acknowledged && nowMs < r.lastFetchMs + fetchTimeoutMs) return false;
  if (nowMs < r.beginSentMs + requestTimeoutMs) return false;
  return true;
}

/** When a voter next needs BeginQuorumEpoch (the deadline behind needsBeginQuorumEpoch). */
function beginQuorumEpochDeadline(
  r: ReplicaState,
  fetchTimeoutMs: number,
  requestTimeoutMs: number,
): number {
  const silentAt = r.acknowledged ? r.lastFetchMs + fetchTimeoutMs : -Infinity;
  return Math.max(silentAt, r.beginSentMs + requestTimeoutMs);
}

/** Voters ordered by how much of the log they hold: the best next leaders first. */
function preferredSuccessors(replicas: Map<number, ReplicaState>): number[] {
  return [...replicas.values()]
    .filter((r) => r.voter)
    .sort((a, b) => b.endOffset - a.endOffset || a.id - b.id)
    .map((r) => r.id);
}

/** Kafka's validateOffsetAndEpoch against our log. */
function validateFetch(
  log: RaftLog,
  fetchOffset: number,
  lastFetchedEpoch: number,
):
  | { kind: "valid" }
  | { kind: "snapshot" }
  | { kind: "diverging"; epoch: number; endOffset: number } {
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

/** Whether a (parked) fetch has something to be answered with: new data or a newer hwm. */
function fetchReady(f: ParkedFetch, logEndOffset: number, hwm: number): boolean {
  const hwmKnown = f.partition.highWatermark;
  return f.partition.fetchOffset < logEndOffset ||
    (hwmKnown !== UNKNOWN_HWM && hwmKnown < hwm);
}

/** What the node says in every Fetch answer: who leads, and its log bounds. */
export interface FetchAnswerState {
  leaderId: number;
  epoch: number;
  hwm: number;
  logStartOffset: number;
}

export function fetchResponse(
  s: FetchAnswerState,
  errorCode: number,
  fill?: (p: FetchResponsePartitionData) => void,
  top = 0,
): FetchResponse {
  const partition: FetchResponsePartitionData = {
    partitionIndex: METADATA_PARTITION,
    errorCode,
    highWatermark: s.hwm,
    lastStableOffset: s.hwm,
    logStartOffset: s.logStartOffset,
    divergingEpoch: { epoch: -1, endOffset: -1 },
    currentLeader: { leaderId: s.leaderId, leaderEpoch: s.epoch },
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

/**
 * The largest offset a majority of voters hold durably: the leader's flushed
 * log end and each follower's last valid fetch offset.
 */
function majorityEndOffset(
  voters: readonly number[],
  majority: number,
  nodeId: number,
  flushedOffset: number,
  replicas: Map<number, ReplicaState>,
): number {
  const ends = voters.map((v) => v === nodeId ? flushedOffset : (replicas.get(v)?.endOffset ?? -1));
  ends.sort((a, b) => b - a);
  return ends[majority - 1];
}

/** When the leader must resign unless a majority fetched since (1.5 fetch timeouts). */
function checkQuorumDeadline(
  voters: readonly number[],
  majority: number,
  nodeId: number,
  replicas: Map<number, ReplicaState>,
  leaderSinceMs: number,
  fetchTimeoutMs: number,
): number {
  if (voters.length === 1) return Infinity;
  const times = voters.map((v) =>
    v === nodeId ? Infinity : Math.max(replicas.get(v)?.lastFetchMs ?? -1, leaderSinceMs)
  );
  times.sort((a, b) => b - a);
  return times[majority - 1] + Math.floor(fetchTimeoutMs * 1.5);
}

/**
 * Record values appended since the last write; offsets are assigned on append,
 * the records are written at the next poll, together with whatever else arrived.
 */
class AppendBuffer {
  private values: Uint8Array[] = [];
  private byteCount = 0;
  private sinceMs = 0;

  get count(): number {
    return this.values.length;
  }
  get bytes(): number {
    return this.byteCount;
  }
  /** When the oldest buffered value arrived (meaningful only while count > 0). */
  get firstAppendMs(): number {
    return this.sinceMs;
  }

  add(values: readonly Uint8Array[], bytes: number, nowMs: number): void {
    if (this.values.length === 0) this.sinceMs = nowMs;
    for (const v of values) this.values.push(v);
    this.byteCount += bytes;
  }

  /** Empties the buffer, returning what it held in batches of at most `batchBytesMax`. */
  take(batchBytesMax: number): Uint8Array[][] {
    const values = this.values;
    this.clear();
    return splitBatches(values, batchBytesMax);
  }

  clear(): void {
    this.values = [];
    this.byteCount = 0;
  }
}

/** Groups values in order into batches of at most `maxBytes` (a larger value goes alone). */
function splitBatches(values: readonly Uint8Array[], maxBytes: number): Uint8Array[][] {
  const out: Uint8Array[][] = [];
  let i = 0;
  while (i < values.length) {
    const chunk: Uint8Array[] = [];
    let bytes = 0;
    while (i < values.length && (chunk.length === 0 || bytes + values[i].length <= maxBytes)) {
      bytes += values[i].length;
      chunk.push(values[i++]);
    }
    out.push(chunk);
  }
  return out;
}

/** Sends a Fetch answer built from the node's current state (RaftQuorum's). */
export type FetchAnswer = (
  request: ParkedFetch["request"],
  errorCode: number,
  fill?: (p: FetchResponsePartitionData) => void,
) => void;

/** The leader's side of replication, for the epoch it leads; empty otherwise. */
export class LeaderReplication {
  /** The other voters from the start of the epoch, observers once they fetch. */
  readonly replicas = new Map<number, ReplicaState>();
  private readonly parked = new Map<number, ParkedFetch>();
  /** Offset of the LeaderChange record that opened the current epoch; -1 when not leading. */
  epochStartOffset = -1;
  private leaderSinceMs = 0;
  private readonly buffer = new AppendBuffer();

  constructor(
    private readonly log: RaftLog,
    private readonly snapshots: SnapshotStore,
    private readonly config: QuorumConfig,
    private readonly voters: readonly number[],
    private readonly majority: number,
    private readonly answer: FetchAnswer,
  ) {}

  /** Starts leading: every other voter is yet to hear of it; the epoch opens at the log end. */
  begin(nowMs: number): void {
    this.leaderSinceMs = nowMs;
    for (const v of this.voters) {
      if (v === this.config.nodeId) continue;
      this.replicas.set(v, newReplica(v, true));
    }
    this.epochStartOffset = this.log.endOffset;
  }

  /** Stops leading: parked fetches are told so, the rest is dropped. */
  end(): void {
    for (const p of this.parked.values()) this.answer(p.request, ErrorCode.NOT_LEADER_OR_FOLLOWER);
    this.parked.clear();
    this.replicas.clear();
    this.buffer.clear();
    this.epochStartOffset = -1;
  }

  /** The earliest of: check quorum, a parked fetch's wait, a BeginQuorumEpoch resend, the linger. */
  nextDeadline(): number {
    let d = this.checkQuorumDeadline();
    for (const p of this.parked.values()) d = Math.min(d, p.deadline);
    for (const r of this.replicas.values()) {
      if (!r.voter) continue;
      d = Math.min(
        d,
        beginQuorumEpochDeadline(r, this.config.fetchTimeoutMs, this.config.requestTimeoutMs),
      );
    }
    if (this.buffer.count > 0) {
      d = Math.min(d, this.buffer.firstAppendMs + this.config.appendLingerMs);
    }
    return d;
  }

  /** When the leader must resign unless a majority fetched since (1.5 fetch timeouts). */
  checkQuorumDeadline(): number {
    return checkQuorumDeadline(
      this.voters,
      this.majority,
      this.config.nodeId,
      this.replicas,
      this.leaderSinceMs,
      this.config.fetchTimeoutMs,
    );
  }

  /**
   * The largest offset a majority of voters hold durably: the leader's flushed
   * log end and each follower's last valid fetch offset.
   */
  majorityEndOffset(): number {
    return majorityEndOffset(
      this.voters,
      this.majority,
      this.config.nodeId,
      this.log.flushedOffset,
      this.replicas,
    );
  }

  /** Voters ordered by how much of the log they hold: the best next leaders first. */
  preferredSuccessors(): number[] {
    return preferredSuccessors(this.replicas);
  }

  /**
   * The voters to tell (again) who leads, each marked as told now: those that
   * have not fetched in this epoch (or not lately).
   */
  beginQuorumEpochsDue(nowMs: number): number[] {
    const due: number[] = [];
    for (const r of this.replicas.values()) {
      const { fetchTimeoutMs, requestTimeoutMs } = this.config;
      if (!needsBeginQuorumEpoch(r, nowMs, fetchTimeoutMs, requestTimeoutMs)) continue;
      r.beginSentMs = nowMs;
      due.push(r.id);
    }
    return due;
  }

  /** A voter answered BeginQuorumEpoch: no need to resend it. */
  beginQuorumEpochAcknowledged(id: number): void {
    const r = this.replicas.get(id);
    if (r) r.acknowledged = true;
  }

  /** A replica fetched a snapshot chunk: it is alive, though not yet at any offset. */
  snapshotFetched(id: number, nowMs: number): void {
    const replica = this.replicas.get(id);
    if (replica) replica.lastFetchMs = nowMs;
  }

  /**
   * Takes a Fetch at this leader's epoch. A replica behind the log start is
   * sent the snapshot id, a diverging one the end of its last epoch here;
   * otherwise the fetch is served (returns true): the replica's progress is
   * recorded, then the fetch is answered at once or parked.
   */
  fetch(
    request: ParkedFetch["request"],
    partition: FetchRequestFetchPartition,
    nowMs: number,
    hwm: number,
  ): boolean {
    const body = request.body;
    const replicaId = body.replicaState.replicaId >= 0
      ? body.replicaState.replicaId
      : body.replicaId;

    const snapshot = this.snapshots.latest();
    const check = validateFetch(this.log, partition.fetchOffset, partition.lastFetchedEpoch);
    if (check.kind === "snapshot") {
      assert(snapshot !== null, "fetch below the log start without a snapshot");
      this.answer(request, 0, (r) => {
        r.snapshotId = { endOffset: snapshot.endOffset, epoch: snapshot.epoch };
      });
      return false;
    }
    if (check.kind === "diverging") {
      this.answer(request, 0, (r) => {
        r.divergingEpoch = { epoch: check.epoch, endOffset: check.endOffset };
      });
      return false;
    }
    const maxWaitMs = body.maxWaitMs;
    if (replicaId >= 0 && replicaId !== this.config.nodeId) {
      updateReplica(this.replicas, replicaId, partition.fetchOffset, this.log.endOffset, nowMs);
    }
    const parked: ParkedFetch = {
      request,
      partition,
      deadline: nowMs + Math.max(0, maxWaitMs),
    };
    const old = replicaId >= 0 ? this.parked.get(replicaId) : undefined;
    if (old !== undefined) this.parked.delete(replicaId);
    if (fetchReady(parked, this.log.endOffset, hwm) || maxWaitMs <= 0 || replicaId < 0) {
      this.answerFetch(parked);
    } else {
      // Nothing new for this replica: hold the fetch until there is (long poll).
      this.parked.set(replicaId, parked);
    }
    return true;
  }

  private answerFetch(f: ParkedFetch): void {
    const offset = f.partition.fetchOffset;
    const maxBytes = Math.max(
      1,
      Math.min(f.request.body.maxBytes, f.partition.partitionMaxBytes, raftFetchBytesMax),
    );
    const batches = offset < this.log.endOffset ? this.log.read(offset, maxBytes) : [];
    this.answer(f.request, 0, (r) => {
      r.records = batches.map((b) => b.bytes);
    });
  }

  /** Answers the parked fetches that now have something new (data, or high watermark `hwm`). */
  completeParked(hwm: number): void {
    for (const [id, f] of this.parked) {
      if (!fetchReady(f, this.log.endOffset, hwm)) continue;
      this.parked.delete(id);
      this.answerFetch(f);
    }
  }

  /** Answers the parked fetches whose wait is over, with whatever there is. */
  expireParked(nowMs: number): void {
    for (const [id, f] of this.parked) {
      if (nowMs < f.deadline) continue;
      this.parked.delete(id);
      this.answerFetch(f);
    }
  }

  /** Bytes of appended values not yet written. */
  get bufferedBytes(): number {
    return this.buffer.bytes;
  }

  /** Buffers values for the next write; returns the offset the first will get. */
  bufferValues(values: readonly Uint8Array[], bytes: number, nowMs: number): number {
    const baseOffset = this.log.endOffset + this.buffer.count;
    this.buffer.add(values, bytes, nowMs);
    return baseOffset;
  }

  /**
   * Writes the buffered values as batches of this epoch once they have lingered
   * (or when forced) and flushes; returns whether anything was written.
   */
  writeBuffered(force: boolean, nowMs: number, epoch: number): boolean {
    if (this.buffer.count === 0) return false;
    if (!force && nowMs < this.buffer.firstAppendMs + this.config.appendLingerMs) return false;
    for (const chunk of this.buffer.take(raftBatchBytesMax)) {
      this.log.append(dataBatch(chunk, this.log.endOffset, epoch, nowMs));
    }
    this.log.flush();
    return true;
  }
}
