/**
 * In-memory implementations of the core's storage contracts. MemoryRaftLog is
 * also the index the file-backed log keeps in memory (the metadata log is
 * small: snapshots bound it). Its flush is either immediate ("sync") or held
 * until the owner calls completeFlush() ("deferred"), which is how the
 * simulation models a page cache that a crash can lose.
 */
import { assert } from "../base/assert.ts";
import type {
  ElectionState,
  ElectionStore,
  LogBatch,
  RaftLog,
  SnapshotId,
  SnapshotStore,
} from "./types.ts";

interface EpochStart {
  epoch: number;
  startOffset: number;
}

export class MemoryRaftLog implements RaftLog {
  private batches: LogBatch[] = [];
  /** bytesBefore[i]: bytes of the batches before batch i (positions in a segment file). */
  private bytesBefore: number[] = [];
  /** Kafka's leader-epoch cache, starting at the log start. */
  private epochs: EpochStart[];
  private start: number;
  private startEp: number;
  private flushed: number;
  private flushTarget = -1;
  /** Called when a deferred flush is requested (the simulation schedules its completion). */
  onFlushRequested: (() => void) | null = null;

  constructor(
    readonly flushMode: "sync" | "deferred" = "sync",
    startOffset = 0,
    startEpoch = 0,
  ) {
    this.start = startOffset;
    this.startEp = startEpoch;
    this.flushed = startOffset;
    this.epochs = [{ epoch: startEpoch, startOffset }];
  }

  get startOffset(): number {
    return this.start;
  }
  get startEpoch(): number {
    return this.startEp;
  }
  get endOffset(): number {
    const n = this.batches.length;
    return n === 0 ? this.start : this.batches[n - 1].lastOffset + 1;
  }
  get flushedOffset(): number {
    return this.flushed;
  }
  get lastEpoch(): number {
    return this.epochs[this.epochs.length - 1].epoch;
  }
  get batchCount(): number {
    return this.batches.length;
  }
  /** Total bytes of the batches held. */
  get sizeBytes(): number {
    const n = this.batches.length;
    return n === 0 ? 0 : this.bytesBefore[n - 1] + this.batches[n - 1].bytes.length;
  }
  get hasPendingFlush(): boolean {
    return this.flushTarget > this.flushed;
  }

  append(batch: LogBatch): void {
    const end = this.endOffset;
    assert(batch.baseOffset === end, `append at ${batch.baseOffset}, log ends at ${end}`);
    assert(batch.lastOffset >= batch.baseOffset, "batch with lastOffset below baseOffset");
    assert(batch.epoch >= this.lastEpoch, `batch epoch ${batch.epoch} < ${this.lastEpoch}`);
    if (batch.epoch > this.lastEpoch) {
      this.epochs.push({ epoch: batch.epoch, startOffset: batch.baseOffset });
    }
    this.bytesBefore.push(this.sizeBytes);
    this.batches.push(batch);
  }

  /** Index of the batch holding `offset`, or -1. */
  private indexOf(offset: number): number {
    let lo = 0;
    let hi = this.batches.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const b = this.batches[mid];
      if (offset < b.baseOffset) hi = mid - 1;
      else if (offset > b.lastOffset) lo = mid + 1;
      else return mid;
    }
    return -1;
  }

  read(offset: number, maxBytes: number): LogBatch[] {
    const i = this.indexOf(offset);
    if (i < 0) return [];
    const out: LogBatch[] = [this.batches[i]];
    let bytes = this.batches[i].bytes.length;
    for (let j = i + 1; j < this.batches.length; j++) {
      bytes += this.batches[j].bytes.length;
      if (bytes > maxBytes) break;
      out.push(this.batches[j]);
    }
    return out;
  }

  /** Byte position of the batch starting at `offset` (or of the end) within the held batches. */
  bytePosition(offset: number): number {
    if (offset === this.endOffset) return this.sizeBytes;
    const i = this.indexOf(offset);
    assert(i >= 0 && this.batches[i].baseOffset === offset, `${offset} is not a batch boundary`);
    return this.bytesBefore[i];
  }

  truncateTo(offset: number): void {
    if (offset >= this.endOffset) return;
    assert(offset >= this.start, `truncate to ${offset} below log start ${this.start}`);
    const i = this.indexOf(offset);
    assert(i >= 0 && this.batches[i].baseOffset === offset, `${offset} is not a batch boundary`);
    this.batches.length = i;
    this.bytesBefore.length = i;
    while (this.epochs.length > 1 && this.epochs[this.epochs.length - 1].startOffset >= offset) {
      this.epochs.pop();
    }
    if (this.flushed > offset) this.flushed = offset;
    if (this.flushTarget > offset) this.flushTarget = offset;
  }

  flush(): void {
    if (this.flushMode === "sync") {
      this.flushed = this.endOffset;
      return;
    }
    if (this.flushed === this.endOffset) return;
    const wasPending = this.hasPendingFlush;
    this.flushTarget = this.endOffset;
    if (!wasPending) this.onFlushRequested?.();
  }

  /** Completes a deferred flush: what was appended when it was requested is now durable. */
  completeFlush(): void {
    if (this.flushTarget > this.flushed) this.flushed = Math.min(this.flushTarget, this.endOffset);
    this.flushTarget = -1;
  }

  /** A crash: the page cache is gone, only flushed batches remain. */
  loseUnflushed(): void {
    this.flushTarget = -1;
    if (this.flushed < this.endOffset) this.truncateTo(this.flushed);
  }

  deleteBefore(offset: number, epoch: number): void {
    if (offset <= this.start) return;
    const end = this.endOffset;
    assert(offset <= end, `delete before ${offset} beyond log end ${end}`);
    const i = offset === end ? this.batches.length : this.indexOf(offset);
    assert(
      i === this.batches.length || this.batches[i].baseOffset === offset,
      `${offset} is not a batch boundary`,
    );
    const dropped = i === 0 ? 0 : this.bytesBefore[i - 1] + this.batches[i - 1].bytes.length;
    this.batches = this.batches.slice(i);
    this.bytesBefore = this.bytesBefore.slice(i).map((b) => b - dropped);
    this.start = offset;
    this.startEp = epoch;
    // The cache restarts at the snapshot's epoch; the entry at `offset` may open a newer one.
    let covering = this.epochs[0];
    for (const e of this.epochs) if (e.startOffset <= offset) covering = e;
    const epochs: EpochStart[] = [{ epoch, startOffset: offset }];
    if (offset < end && covering.epoch !== epoch) {
      epochs.push({ epoch: covering.epoch, startOffset: offset });
    }
    for (const e of this.epochs) if (e.startOffset > offset) epochs.push(e);
    this.epochs = epochs;
    if (this.flushed < offset) this.flushed = offset;
  }

  resetTo(offset: number, epoch: number): void {
    this.batches = [];
    this.bytesBefore = [];
    this.start = offset;
    this.startEp = epoch;
    this.epochs = [{ epoch, startOffset: offset }];
    this.flushed = offset;
    this.flushTarget = -1;
  }

  endOffsetForEpoch(epoch: number): { epoch: number; endOffset: number } | null {
    if (epoch < this.epochs[0].epoch) return null;
    let i = this.epochs.length - 1;
    while (this.epochs[i].epoch > epoch) i--;
    const endOffset = i + 1 < this.epochs.length ? this.epochs[i + 1].startOffset : this.endOffset;
    return { epoch: this.epochs[i].epoch, endOffset };
  }

  epochAt(offset: number): number {
    if (offset < this.start || offset >= this.endOffset) return -1;
    return this.batches[this.indexOf(offset)].epoch;
  }

  /** Every batch held, oldest first (tests, the file layer's rewrite). */
  all(): readonly LogBatch[] {
    return this.batches;
  }
}

export class MemoryElectionStore implements ElectionStore {
  private state: ElectionState | null = null;
  writes = 0;
  read(): ElectionState | null {
    return this.state === null ? null : { ...this.state };
  }
  write(state: ElectionState): void {
    this.state = { ...state };
    this.writes++;
  }
}

/** Keeps the newest `retain` snapshots, like Kafka keeps a few around for slow fetchers. */
export class MemorySnapshotStore implements SnapshotStore {
  private snaps: { id: SnapshotId; bytes: Uint8Array }[] = [];
  constructor(readonly retain = 2) {}

  latest(): SnapshotId | null {
    return this.snaps.length === 0 ? null : this.snaps[this.snaps.length - 1].id;
  }
  private find(id: SnapshotId): Uint8Array | null {
    for (const s of this.snaps) {
      if (s.id.endOffset === id.endOffset && s.id.epoch === id.epoch) return s.bytes;
    }
    return null;
  }
  size(id: SnapshotId): number {
    return this.find(id)?.length ?? -1;
  }
  read(id: SnapshotId, position: number, maxBytes: number): Uint8Array | null {
    const b = this.find(id);
    if (b === null || position < 0 || position > b.length) return null;
    return b.subarray(position, Math.min(b.length, position + maxBytes));
  }
  write(id: SnapshotId, bytes: Uint8Array): void {
    if (this.find(id) !== null) return;
    this.snaps.push({ id, bytes });
    this.snaps.sort((a, b) => a.id.endOffset - b.id.endOffset);
    while (this.snaps.length > this.retain) this.snaps.shift();
  }
}
