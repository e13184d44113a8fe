/**
 * One log segment: `<20-digit base offset>.log` holding record batches back to
 * back, with its sparse `.index` and `.timeindex`. The active (last) segment is
 * appended to; the others are immutable and keep their file handle and indexes
 * only while the handle pool lets them (their summary numbers stay in memory).
 */
import { assert } from "../base/assert.ts";
import { BatchHeader } from "../protocol/records/layout.ts";
import type { LogConfig } from "./config.ts";
import { offsetIndexEntriesMax, timeIndexEntriesMax } from "./config.ts";
import { type FsLayer, isNotFound, joinPath, type LogFile } from "./fs.ts";
import { type IndexEntry, OffsetIndex } from "./offset_index.ts";
import { scanBatches, type ScanResult } from "./scan.ts";
import { TimeIndex } from "./time_index.ts";

export const LOG_SUFFIX = ".log";
export const INDEX_SUFFIX = ".index";
export const TIME_INDEX_SUFFIX = ".timeindex";
export const DELETED_SUFFIX = ".deleted";
export const CLEANED_SUFFIX = ".cleaned";
export const SWAP_SUFFIX = ".swap";

/** Kafka's file name stem for a base offset: 20 digits, zero padded. */
export function offsetStem(offset: number): string {
  return String(offset).padStart(20, "0");
}

/** Parses "<20 digits><suffix>" into the base offset, or null. */
export function parseStem(name: string, suffix: string): number | null {
  if (!name.endsWith(suffix)) return null;
  const stem = name.slice(0, name.length - suffix.length);
  return /^\d{20}$/.test(stem) ? Number(stem) : null;
}

/** Where a lookup landed: the batch at `position` is the first ending at or after the target. */
export interface BatchLocation {
  position: number;
  baseOffset: number;
  lastOffset: number;
  sizeBytes: number;
}

export class Segment {
  file: LogFile | null = null;
  offsetIndex: OffsetIndex | null = null;
  timeIndex: TimeIndex | null = null;
  #indexFile: LogFile | null = null;
  #timeIndexFile: LogFile | null = null;

  /** Bytes in the .log file. */
  sizeBytes = 0;
  /** Offset after the last batch, when known (always for the active segment). */
  nextOffset: number;
  /** Largest batch maxTimestamp in the segment (-1 when empty or unknown). */
  maxTimestamp = -1;
  /** baseOffset of the batch that holds maxTimestamp. */
  offsetOfMaxTimestamp: number;
  /** Clock time the segment was created or loaded, for segment.ms. */
  createdMs: number;
  /** Appended bytes since the last offset index entry. */
  bytesSinceIndexEntry = 0;
  /** The .log has appends not yet covered by a sync. */
  dirty = false;
  /** Index entries written since the index files were last synced. */
  indexUnsynced = false;
  /** maxTimestamp is exact (always for the active segment; after loading for others). */
  maxTimestampKnown = false;
  active = false;

  constructor(
    readonly fs: FsLayer,
    readonly dir: string,
    readonly baseOffset: number,
    public config: LogConfig,
    nowMs: number,
  ) {
    this.nextOffset = baseOffset;
    this.offsetOfMaxTimestamp = baseOffset;
    this.createdMs = nowMs;
  }

  get logPath(): string {
    return joinPath(this.dir, offsetStem(this.baseOffset) + LOG_SUFFIX);
  }
  get indexPath(): string {
    return joinPath(this.dir, offsetStem(this.baseOffset) + INDEX_SUFFIX);
  }
  get timeIndexPath(): string {
    return joinPath(this.dir, offsetStem(this.baseOffset) + TIME_INDEX_SUFFIX);
  }

  get isOpen(): boolean {
    return this.file !== null;
  }

  /** A new, empty active segment (creates the file). */
  static create(
    fs: FsLayer,
    dir: string,
    baseOffset: number,
    config: LogConfig,
    nowMs: number,
  ): Segment {
    const s = new Segment(fs, dir, baseOffset, config, nowMs);
    for (const p of [s.indexPath, s.timeIndexPath]) {
      // Leftovers of an earlier segment at this offset (truncation) must not be trusted.
      if (fs.exists(p)) fs.removeSync(p);
    }
    s.file = fs.open(s.logPath, { create: true });
    assert(s.file.sizeBytes === 0, `new segment ${s.logPath} is not empty`);
    s.offsetIndex = new OffsetIndex(baseOffset, offsetIndexEntriesMax(config));
    s.timeIndex = new TimeIndex(baseOffset, timeIndexEntriesMax(config));
    s.maxTimestampKnown = true;
    s.active = true;
    return s;
  }

  /** Opens the .log of an existing segment (indexes load separately). */
  openFile(): LogFile {
    if (this.file === null) {
      this.file = this.fs.open(this.logPath, { create: false });
      this.sizeBytes = this.file.sizeBytes;
    }
    return this.file;
  }

  /** Whether the next batch of `bytes` would go over a bound that forces a roll. */
  needsRoll(bytes: number, lastOffset: number, nowMs: number): boolean {
    if (this.sizeBytes === 0) return false;
    const oi = this.offsetIndex!;
    const ti = this.timeIndex!;
    return this.sizeBytes + bytes > this.config.segmentBytes ||
      nowMs - this.createdMs >= this.config.segmentMs ||
      oi.isFull || ti.count >= ti.entriesMax - 1 ||
      lastOffset - this.baseOffset > 0x7fffffff;
  }

  /**
   * Appends one or more batches (already offset-assigned) and maintains the
   * sparse indexes. `batches` lists the header of each batch inside `bytes`.
   */
  append(bytes: Uint8Array, batches: readonly BatchHeader[]): void {
    assert(this.active, "append to an inactive segment");
    const file = this.file!;
    let position = this.sizeBytes;
    file.append(bytes);
    this.dirty = true;
    for (const h of batches) {
      this.#track(h, position, h.sizeBytes);
      position += h.sizeBytes;
    }
    this.sizeBytes = position;
    assert(this.sizeBytes === file.sizeBytes, "segment size drifted from its file");
  }

  /** Index and summary bookkeeping for one batch at `position`. */
  #track(h: BatchHeader, position: number, size: number): void {
    if (this.bytesSinceIndexEntry > this.config.indexIntervalBytes) {
      this.offsetIndex!.append(h.baseOffset, position);
      this.bytesSinceIndexEntry = 0;
      // The time index samples at the same points, with the running maximum.
      const ts = h.maxTimestamp > this.maxTimestamp ? h.maxTimestamp : this.maxTimestamp;
      const at = h.maxTimestamp > this.maxTimestamp ? h.baseOffset : this.offsetOfMaxTimestamp;
      if (ts >= 0) this.timeIndex!.maybeAppend(ts, at);
    }
    this.bytesSinceIndexEntry += size;
    if (h.maxTimestamp > this.maxTimestamp) {
      this.maxTimestamp = h.maxTimestamp;
      this.offsetOfMaxTimestamp = h.baseOffset;
    }
    this.nextOffset = h.lastOffset + 1;
  }

  /**
   * Walks batches from `from`, maintaining indexes and summary as if they had
   * been appended (recovery and index rebuilds). Returns the scan result; the
   * caller truncates on a problem.
   */
  rebuildFrom(
    from: number,
    validate: boolean,
    minOffset: number,
    onBatch?: (h: BatchHeader) => void,
    contiguous = false,
  ): ScanResult {
    const file = this.openFile();
    const r = scanBatches(file, from, { validate, minOffset, contiguous }, (h, pos) => {
      this.#track(h, pos, h.sizeBytes);
      onBatch?.(h);
    });
    this.sizeBytes = r.endPosition;
    return r;
  }

  /** Fresh in-memory indexes and summary, to be rebuilt by rebuildFrom(0, ...). */
  resetIndexes(): void {
    const oi = new OffsetIndex(this.baseOffset, offsetIndexEntriesMax(this.config));
    const ti = new TimeIndex(this.baseOffset, timeIndexEntriesMax(this.config));
    // The files hold stale entries: rewrite them from scratch on the next persist.
    oi.fileLongerThanIndex = true;
    ti.fileLongerThanIndex = true;
    this.offsetIndex = oi;
    this.timeIndex = ti;
    this.bytesSinceIndexEntry = 0;
    this.maxTimestamp = -1;
    this.offsetOfMaxTimestamp = this.baseOffset;
    this.nextOffset = this.baseOffset;
  }

  /**
   * Keeps the index entries up to `entry` (an offset index entry or the segment
   * start) and re-derives everything after it by walking the log from there.
   * Used by truncation and by recovery, so neither rescans a whole segment.
   * The running maximum timestamp comes from the time index: its entries up to
   * `entry` were sampled with the maximum over every batch up to `entry`.
   */
  resumeFrom(
    entry: IndexEntry,
    validate: boolean,
    onBatch?: (h: BatchHeader) => void,
    contiguous = false,
  ): ScanResult {
    const oi = this.offsetIndex!;
    const ti = this.timeIndex!;
    oi.truncateToPosition(entry.position + 1);
    ti.truncateTo(entry.offset + 1);
    const last = ti.last();
    this.maxTimestamp = last?.timestamp ?? -1;
    this.offsetOfMaxTimestamp = last?.offset ?? this.baseOffset;
    this.bytesSinceIndexEntry = 0;
    this.nextOffset = entry.offset;
    const r = this.rebuildFrom(entry.position, validate, entry.offset, onBatch, contiguous);
    this.nextOffset = r.nextOffset;
    this.maxTimestampKnown = true;
    return r;
  }

  /**
   * Loads the index files of an immutable segment, or rebuilds them from the
   * log when missing or not sane.
   */
  ensureIndexes(): void {
    if (this.offsetIndex !== null) return;
    const file = this.openFile();
    const oiMax = offsetIndexEntriesMax(this.config);
    const tiMax = timeIndexEntriesMax(this.config);
    const oi = this.#readIndex(this.indexPath);
    const ti = this.#readIndex(this.timeIndexPath);
    if (oi !== null && ti !== null) {
      const o = OffsetIndex.decode(this.baseOffset, oiMax, oi, file.sizeBytes);
      const t = TimeIndex.decode(this.baseOffset, tiMax, ti, Number.MAX_SAFE_INTEGER);
      if (o.sane && t.sane && this.#verify(o.index)) {
        this.offsetIndex = o.index;
        this.timeIndex = t.index;
        if (!this.maxTimestampKnown) {
          const last = t.index.last();
          this.maxTimestamp = last?.timestamp ?? -1;
          this.offsetOfMaxTimestamp = last?.offset ?? this.baseOffset;
          this.maxTimestampKnown = true;
        }
        return;
      }
    }
    this.rebuildAll();
  }

  /**
   * Loads the index files as they are (no fallback); false when missing or not
   * sane. Recovery uses this and verifies the one entry it resumes from.
   */
  tryLoadIndexes(): boolean {
    const file = this.openFile();
    const oi = this.#readIndex(this.indexPath);
    const ti = this.#readIndex(this.timeIndexPath);
    if (oi === null || ti === null) return false;
    const o = OffsetIndex.decode(
      this.baseOffset,
      offsetIndexEntriesMax(this.config),
      oi,
      file.sizeBytes,
    );
    const t = TimeIndex.decode(
      this.baseOffset,
      timeIndexEntriesMax(this.config),
      ti,
      Number.MAX_SAFE_INTEGER,
    );
    // A prefix is still usable for resuming: entries past a bad one are dropped.
    this.offsetIndex = o.index;
    this.timeIndex = t.index;
    return true;
  }

  /** Rebuilds indexes and summary of an immutable segment from its data. */
  rebuildAll(): void {
    this.resetIndexes();
    const r = this.rebuildFrom(0, false, this.baseOffset);
    // Flushed data that no longer parses is media corruption: refuse to guess.
    assert(
      r.problem === null,
      `segment ${this.logPath} is corrupt below the recovery point: ${r.problem}`,
    );
    this.nextOffset = r.nextOffset;
    this.#finalTimeEntry();
    this.maxTimestampKnown = true;
  }

  #readIndex(path: string): Uint8Array | null {
    try {
      return this.fs.readFile(path);
    } catch (e) {
      if (isNotFound(e)) return null;
      throw e;
    }
  }

  /** Spot-checks the last index entry against the batch it points at. */
  #verify(oi: OffsetIndex): boolean {
    const last = oi.last();
    if (last === null) return true;
    const h = this.readHeader(last.position);
    return h !== null && h.baseOffset === last.offset;
  }

  /** Reads the batch header at `position`, or null if the file ends first. */
  readHeader(position: number): BatchHeader | null {
    const buf = new Uint8Array(61);
    const n = this.openFile().readAt(position, buf);
    return n === buf.length ? new BatchHeader(buf, 0) : null;
  }

  /** The batch holding `offset` or the first after it, or null if none in this segment. */
  locate(offset: number): BatchLocation | null {
    this.ensureIndexes();
    const entry: IndexEntry = this.offsetIndex!.lookup(offset);
    if (entry.position > 0) {
      const h = this.readHeader(entry.position);
      if (h === null || h.baseOffset !== entry.offset) {
        // The index disagrees with the data: rebuild it rather than serve wrong bytes.
        this.rebuildAll();
        return this.locate(offset);
      }
    }
    let found: BatchLocation | null = null;
    scanBatches(this.file!, entry.position, {
      validate: false,
      minOffset: entry.offset,
      endPosition: this.sizeBytes,
    }, (h, position) => {
      if (h.lastOffset < offset) return true;
      found = {
        position,
        baseOffset: h.baseOffset,
        lastOffset: h.lastOffset,
        sizeBytes: h.sizeBytes,
      };
      return false;
    });
    return found;
  }

  /** Reads [position, position + length) of the log (into `into` when it fits). */
  readBytes(position: number, length: number, into?: Uint8Array): Uint8Array {
    const buf = into !== undefined && into.length >= length
      ? into.subarray(0, length)
      : new Uint8Array(length);
    const n = this.openFile().readAt(position, buf);
    assert(n === length, `short read of ${this.logPath} at ${position}: ${n} of ${length}`);
    return buf;
  }

  /** Adds the final time index entry so the index's last entry is the segment maximum. */
  #finalTimeEntry(): void {
    if (this.maxTimestamp >= 0) {
      this.timeIndex!.maybeAppend(this.maxTimestamp, this.offsetOfMaxTimestamp);
    }
  }

  /** Marks a fully walked immutable segment's time index complete (final entry). */
  seal(): void {
    this.#finalTimeEntry();
  }

  /** Turns the active segment immutable: final time entry, indexes written out. */
  roll(): void {
    assert(this.active, "roll of an inactive segment");
    this.#finalTimeEntry();
    this.active = false;
    this.persistIndexes();
  }

  /**
   * Cuts the segment so it ends before the batch holding `offset` (or before
   * the first batch after it). Returns the new nextOffset.
   */
  truncateTo(offset: number): number {
    const loc = this.locate(offset);
    if (loc === null) return this.nextOffset;
    this.file!.truncate(loc.position);
    this.dirty = true;
    this.sizeBytes = loc.position;
    const oi = this.offsetIndex!;
    oi.truncateToPosition(loc.position);
    const r = this.resumeFrom(oi.last() ?? { offset: this.baseOffset, position: 0 }, false);
    assert(r.problem === null, `segment ${this.logPath} unreadable after truncation: ${r.problem}`);
    if (!this.active) this.#finalTimeEntry();
    return this.nextOffset;
  }

  /** Writes index entries not yet in the index files (no sync). */
  persistIndexes(): void {
    const oi = this.offsetIndex;
    const ti = this.timeIndex;
    if (oi === null || ti === null) return;
    this.#indexFile = this.#persist(this.#indexFile, this.indexPath, oi, 8);
    this.#timeIndexFile = this.#persist(this.#timeIndexFile, this.timeIndexPath, ti, 12);
  }

  #persist(
    f: LogFile | null,
    path: string,
    index: OffsetIndex | TimeIndex,
    entryBytes: number,
  ): LogFile {
    if (f === null) f = this.fs.open(path, { create: true });
    if (index.fileLongerThanIndex || f.sizeBytes !== index.persistedCount * entryBytes) {
      f.truncate(index.persistedCount * entryBytes);
      index.fileLongerThanIndex = false;
      this.indexUnsynced = true;
    }
    if (index.count > index.persistedCount) {
      f.append(index.encode(index.persistedCount));
      index.persistedCount = index.count;
      this.indexUnsynced = true;
    }
    return f;
  }

  /** Writes and fsyncs the index files (before a checkpoint trusts them). */
  async syncIndexes(): Promise<void> {
    this.persistIndexes();
    if (!this.indexUnsynced) return;
    this.indexUnsynced = false;
    await Promise.all([this.#indexFile?.sync(), this.#timeIndexFile?.sync()]);
  }

  /** Drops file handles and (for immutable segments) in-memory indexes. */
  release(): void {
    // Unsynced data or indexes must stay reachable for the flusher.
    if (this.active || this.dirty || this.indexUnsynced) return;
    this.close();
    this.offsetIndex = null;
    this.timeIndex = null;
  }

  close(): void {
    this.file?.close();
    this.file = null;
    this.#indexFile?.close();
    this.#indexFile = null;
    this.#timeIndexFile?.close();
    this.#timeIndexFile = null;
  }

  /** Renames the segment's files with `suffix` appended (e.g. ".deleted"); missing files are skipped. */
  renameAll(suffix: string): string[] {
    this.close();
    const out: string[] = [];
    for (const p of [this.logPath, this.indexPath, this.timeIndexPath]) {
      try {
        this.fs.rename(p, p + suffix);
        out.push(p + suffix);
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }
    return out;
  }
}
