/**
 * PartitionLog: one partition's log in its `<topic>-<partition>` directory.
 *
 * Frontier (offsets are exclusive "next offset" bounds):
 *   logStartOffset <= highWatermark <= logEnd, and logEnd >= written >= flushed.
 * - logEnd: the next offset to assign.
 * - written: every offset below it is in the page cache (append returns then).
 * - flushed: every offset below it is fsynced (Kafka's recoveryPoint).
 * - highWatermark: set by the caller (replication, or the broker on a single
 *   node: logEnd or flushed depending on the durability mode).
 * They are asserted after every mutation.
 *
 * Appends write with writeSync and return; the flusher (group commit) makes
 * data durable in the background and resolves waitFlushed() promises. Reads
 * are synchronous positional reads (page-cache hits cost microseconds, less
 * than an async op), served from the recent-batch cache when possible.
 *
 * The directory's partition.metadata (partition_metadata.ts) names the topic
 * id the log belongs to (`topicId`; null for directories from before it
 * existed, until assignTopicId records one).
 *
 * Any FsError other than an expected "not found" takes the log offline: every
 * later call throws LogOfflineError and the owner is told (onIoError), so the
 * log manager can take the whole directory offline.
 */
import { assert } from "../base/assert.ts";
import { readBytesMax } from "../base/limits.ts";
import { DecodeError } from "../protocol/decode_error.ts";
import { PartitionCache, type RecentCache } from "./cache.ts";
import {
  decodeEpochCheckpoint,
  LEADER_EPOCH_CHECKPOINT,
  readCheckpointFile,
  writeCheckpointFile,
} from "./checkpoint.ts";
import { type CleanerHost, type CleanerState, type CleanerStats, cleanLog } from "./compaction.ts";
import { isCompacted, isDeleteRetained, type LogConfig } from "./config.ts";
import { type Clock, consoleLogger, type Logger, systemClock } from "./env.ts";
import {
  LogOfflineError,
  OffsetOutOfRangeError,
  RecordBatchTooLargeError,
  TruncatedError,
} from "./errors.ts";
import { Flusher } from "./flusher.ts";
import { FsError, type FsLayer } from "./fs.ts";
import { EpochCheckpointWriter, LeaderEpochCache } from "./leader_epoch.ts";
import { recoverLog } from "./recovery.ts";
import { deletableSegmentCount } from "./retention.ts";
import { splitBatches } from "./append_batches.ts";
import {
  emptyRead,
  ensureMaxTimestamp,
  maxTimestampOffset,
  offsetForTimestamp,
  type ReadResult,
  readSegments,
  type SegmentView,
  type TimestampOffset,
} from "./log_read.ts";
import { Segment } from "./segment.ts";
import { SegmentDeleter } from "./segment_deleter.ts";
import { SegmentSync } from "./segment_sync.ts";
import { SegmentPool } from "./segment_pool.ts";
import { readPartitionMetadata, writePartitionMetadata } from "./partition_metadata.ts";

export interface PartitionLogOptions {
  fs: FsLayer;
  /** The partition directory (created by the caller). */
  dir: string;
  topic: string;
  partition: number;
  config: LogConfig;
  clock?: Clock;
  logger?: Logger;
  /** Shared recent-batch cache; null disables caching. */
  cache?: RecentCache | null;
  pool?: SegmentPool;
  /** Flushed offset recorded by the last checkpoint (0: recover everything). */
  recoveryPoint?: number;
  logStartOffset?: number;
  /** From the replication-offset-checkpoint (clamped into [logStart, logEnd]). */
  highWatermark?: number;
  /** The log dir was shut down cleanly: trust everything on disk. */
  cleanShutdown?: boolean;
  /** Told about the I/O error that took this log offline. */
  onIoError?: (e: FsError) => void;
  /**
   * Awaited at the end of a truncation, before appends resume: the owner must
   * rewrite the recovery-point checkpoint, which may name offsets that are gone.
   */
  onTruncated?: () => Promise<void>;
}

/** What the log dir's checkpoint files record for one partition. */
export interface LogCheckpoint {
  recoveryPoint: number;
  logStartOffset: number;
  highWatermark: number;
}

export interface AppendOptions {
  /** Written into each batch's partitionLeaderEpoch and the epoch cache. */
  leaderEpoch?: number;
}

export interface AppendInfo {
  firstOffset: number;
  lastOffset: number;
  /** Largest maxTimestamp among the appended batches. */
  maxTimestamp: number;
  sizeBytes: number;
}

export type { ReadResult, TimestampOffset } from "./log_read.ts";

export interface ReadOptions {
  /** Only batches ending below this offset (e.g. the high watermark); default logEnd. */
  upperOffset?: number;
  /** Return the whole first batch even if it exceeds maxBytes (Kafka's progress rule). */
  minOneBatch?: boolean;
  /**
   * Read disk data into this buffer when it is large enough (the result then
   * views it, valid until the caller reuses it); otherwise a fresh buffer is
   * allocated. Spares the allocation, which costs more than the read itself.
   */
  into?: Uint8Array;
}

export class PartitionLog {
  readonly fs: FsLayer;
  readonly dir: string;
  readonly topic: string;
  readonly partition: number;
  readonly leaderEpochs: LeaderEpochCache;
  #config: LogConfig;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #cache: PartitionCache | null;
  readonly #pool: SegmentPool;
  readonly #onIoError: (e: FsError) => void;
  readonly #onTruncated: () => Promise<void>;
  readonly #flusher: Flusher;
  #topicId: string | null = null;
  #assigning: Promise<void> | null = null;

  #segments: Segment[];
  #logStart: number;
  #written: number;
  #hw: number;
  #offline: LogOfflineError | null = null;
  readonly #sync: SegmentSync;
  readonly #deleter: SegmentDeleter;
  readonly #epochWriter: EpochCheckpointWriter;
  #writtenBytes = 0;
  /** Bumped by anything that removes or rewrites segments (the cleaner checks it). */
  #generation = 0;
  #truncating = false;
  #lastFlushMs: number;
  #cleaner: CleanerState = { cleanedUpTo: -1, tombstonesExpireAtMs: Number.MAX_SAFE_INTEGER };
  /** The running cleaner pass; truncation waits for it (after asking it to abort). */
  #cleanerRun: Promise<unknown> | null = null;
  /** Results of recovery at open. */
  readonly recovery: { scannedBytes: number; truncatedBytes: number };

  private constructor(
    opts: PartitionLogOptions,
    recovered: { segments: Segment[]; logStartOffset: number; logEnd: number },
    epochs: LeaderEpochCache,
    recovery: { scannedBytes: number; truncatedBytes: number },
  ) {
    this.fs = opts.fs;
    this.dir = opts.dir;
    this.topic = opts.topic;
    this.partition = opts.partition;
    this.#config = opts.config;
    this.#clock = opts.clock ?? systemClock;
    this.#logger = opts.logger ?? consoleLogger;
    this.#cache = opts.cache ? opts.cache.partition() : null;
    this.#pool = opts.pool ?? new SegmentPool();
    this.#onIoError = opts.onIoError ?? (() => {});
    this.#onTruncated = opts.onTruncated ?? (() => Promise.resolve());
    this.#segments = recovered.segments;
    this.#logStart = recovered.logStartOffset;
    this.#written = recovered.logEnd;
    this.#hw = Math.min(
      Math.max(opts.highWatermark ?? 0, recovered.logStartOffset),
      recovered.logEnd,
    );
    this.leaderEpochs = epochs;
    this.#sync = new SegmentSync(this.fs, this.dir);
    this.#deleter = new SegmentDeleter(this.fs);
    this.#epochWriter = new EpochCheckpointWriter(
      epochs,
      (bytes) => writeCheckpointFile(this.fs, this.dir, LEADER_EPOCH_CHECKPOINT, bytes),
      epochs.version,
    );
    this.#lastFlushMs = this.#clock.nowMs();
    this.recovery = recovery;
    this.#flusher = new Flusher({
      writtenOffset: () => this.#written,
      writtenBytes: () => this.#writtenBytes,
      syncWritten: () => this.#sync.syncWritten(() => this.#written),
      onFlushed: () => {
        this.#lastFlushMs = this.#clock.nowMs();
        // Mid-truncation the segment list is being rebuilt; it is checked after.
        if (!this.#truncating) this.#checkFrontier();
      },
      onSyncError: (e) => this.#failQuietly(e),
    }, recovered.logEnd);
    this.#checkSegments();
  }

  /** Opens (recovering as needed) the log in `opts.dir`. */
  static async open(opts: PartitionLogOptions): Promise<PartitionLog> {
    const logger = opts.logger ?? consoleLogger;
    const topicId = readPartitionMetadata(opts.fs, opts.dir, logger);
    const epochBytes = readCheckpointFile(opts.fs, opts.dir, LEADER_EPOCH_CHECKPOINT);
    const entries = epochBytes === null ? [] : decodeEpochCheckpoint(epochBytes);
    if (entries === null) {
      logger.warn(`${opts.dir}: unreadable ${LEADER_EPOCH_CHECKPOINT}, rebuilding`);
    }
    const epochs = new LeaderEpochCache(entries ?? []);
    const r = await recoverLog({
      fs: opts.fs,
      dir: opts.dir,
      config: opts.config,
      clock: opts.clock ?? systemClock,
      logger,
      recoveryPoint: opts.recoveryPoint ?? 0,
      logStartOffset: opts.logStartOffset ?? 0,
      cleanShutdown: opts.cleanShutdown ?? false,
      epochs,
      contiguous: !isCompacted(opts.config),
    });
    const log = new PartitionLog(opts, r, epochs, r);
    log.#topicId = topicId;
    // Recovery may have changed the epochs (or the file was unreadable): rewrite it.
    if (epochs.version !== 0 || entries === null) await log.#writeEpochs(true);
    return log;
  }

  // --- frontier ---------------------------------------------------------------

  get config(): LogConfig {
    return this.#config;
  }

  get logStartOffset(): number {
    return this.#logStart;
  }

  /** The next offset to assign (Kafka's log end offset). */
  get logEndOffset(): number {
    return this.#active.nextOffset;
  }

  get writtenOffset(): number {
    return this.#written;
  }

  get flushedOffset(): number {
    return this.#flusher.flushed;
  }

  /** Kafka's name for the flushed offset: recovery after a crash starts here. */
  get recoveryPoint(): number {
    return this.#flusher.flushed;
  }

  get highWatermark(): number {
    return this.#hw;
  }

  /** The topic id recorded in partition.metadata; null when none is (an older directory). */
  get topicId(): string | null {
    return this.#topicId;
  }

  /**
   * Records the topic id this log belongs to (Kafka assigns one to a
   * directory written before partition.metadata existed). Idempotent for the
   * same id; a log never changes topics, so a different one is a bug.
   */
  async assignTopicId(topicId: string): Promise<void> {
    // One write at a time: concurrent ones would share the temp file.
    while (this.#assigning !== null) await this.#assigning;
    if (this.#topicId === topicId) return;
    assert(
      this.#topicId === null,
      `${this.dir} belongs to topic id ${this.#topicId}, not ${topicId}`,
    );
    const write = this.#ioAsync(() => writePartitionMetadata(this.fs, this.dir, topicId));
    this.#assigning = write.then(() => {}, () => {});
    try {
      await write;
      this.#topicId = topicId;
    } finally {
      this.#assigning = null;
    }
  }

  get isOffline(): boolean {
    return this.#offline !== null;
  }

  get segmentCount(): number {
    return this.#segments.length;
  }

  get sizeBytes(): number {
    let n = 0;
    for (const s of this.#segments) n += s.sizeBytes;
    return n;
  }

  get flushCount(): number {
    return this.#flusher.syncCount;
  }

  /** Base offsets of the segments, oldest first (tests, tools). */
  segmentBaseOffsets(): number[] {
    return this.#segments.map((s) => s.baseOffset);
  }

  get #active(): Segment {
    return this.#segments[this.#segments.length - 1];
  }

  setHighWatermark(offset: number): void {
    this.#checkOnline();
    assert(
      offset >= this.#logStart && offset <= this.logEndOffset,
      `high watermark ${offset} outside [${this.#logStart}, ${this.logEndOffset}]`,
    );
    this.#hw = offset;
  }

  updateConfig(config: LogConfig): void {
    this.#config = config;
    for (const s of this.#segments) s.config = config;
  }

  /** Asserts the frontier and segment-list invariants. */
  #checkFrontier(): void {
    const end = this.logEndOffset;
    const written = this.#written;
    const flushed = this.#flusher.flushed;
    // Messages are built only on failure: this runs on every append.
    if (
      !(end >= written && written >= flushed && this.#hw <= end && this.#logStart <= this.#hw &&
        this.#active.active)
    ) {
      assert(
        false,
        `frontier broken: logStart ${this.#logStart} <= highWatermark ${this.#hw} <= logEnd ${end}, ` +
          `logEnd >= written ${written} >= flushed ${flushed}, last segment active ${this.#active.active}`,
      );
    }
  }

  /** Segment list shape: strictly increasing bases, only the last one active. */
  #checkSegments(): void {
    const segs = this.#segments;
    for (let i = 1; i < segs.length; i++) {
      assert(segs[i - 1].baseOffset < segs[i].baseOffset, "segments out of order");
      assert(!segs[i - 1].active, "active segment not last");
    }
    this.#checkFrontier();
  }

  /** Public for tests: throws AssertionError if any invariant is broken. */
  checkInvariants(): void {
    this.#checkSegments();
    assert(this.#logStart >= this.#segments[0].baseOffset, "log start below first segment");
  }

  // --- failure ---------------------------------------------------------------

  #checkOnline(): void {
    if (this.#offline !== null) throw this.#offline;
  }

  /** Takes the log offline (I/O error here or elsewhere in its directory). */
  goOffline(reason: string): void {
    if (this.#offline !== null) return;
    this.#offline = new LogOfflineError(this.dir, reason);
    this.#flusher.fail(this.#offline);
    for (const s of this.#segments) {
      try {
        s.close();
      } catch {
        // The directory is failing; the handles go either way.
      }
    }
    this.#cache?.clear();
  }

  #fail(e: unknown): never {
    if (e instanceof FsError) {
      this.goOffline(e.message);
      this.#onIoError(e);
      throw this.#offline!;
    }
    throw e;
  }

  /** For background work: no caller to throw to. Non-I/O errors are bugs and still surface. */
  #failQuietly(e: unknown): void {
    try {
      this.#fail(e);
    } catch (err) {
      if (!(err instanceof LogOfflineError)) throw err;
    }
  }

  /** Runs `fn`; an FsError takes the log offline and surfaces as LogOfflineError. */
  #io<T>(fn: () => T): T {
    this.#checkOnline();
    try {
      return fn();
    } catch (e) {
      return this.#fail(e);
    }
  }

  async #ioAsync<T>(fn: () => Promise<T>): Promise<T> {
    this.#checkOnline();
    try {
      return await fn();
    } catch (e) {
      return this.#fail(e);
    }
  }

  // --- append ----------------------------------------------------------------

  /**
   * Appends the record batches in `records` (v2, validated by the caller),
   * assigning offsets from logEnd in place. Takes ownership of `records`: the
   * caller must not change it afterwards (the cache may serve it), and should
   * pass a buffer holding just these batches (the cache counts the view, not
   * a larger buffer behind it). Returns without waiting for the disk; use
   * waitFlushed for durability.
   */
  append(records: Uint8Array, opts: AppendOptions = {}): AppendInfo {
    return this.#append(records, true, opts.leaderEpoch);
  }

  /**
   * Appends batches that already carry their offsets (a follower copying its
   * leader). Offsets must start at or after logEnd and increase.
   */
  appendAsFollower(records: Uint8Array): AppendInfo {
    return this.#append(records, false, undefined);
  }

  #append(
    records: Uint8Array,
    assignOffsets: boolean,
    leaderEpoch: number | undefined,
  ): AppendInfo {
    this.#checkOnline();
    assert(!this.#truncating, "append while a truncation is in progress");
    const headers = splitBatches(records);
    if (records.length > this.#config.segmentBytes) {
      throw new RecordBatchTooLargeError(
        `append of ${records.length} bytes exceeds segment.bytes ${this.#config.segmentBytes}`,
      );
    }
    let next = this.logEndOffset;
    let maxTimestamp = -1;
    for (const h of headers) {
      if (assignOffsets) {
        h.baseOffset = next;
        if (leaderEpoch !== undefined) h.partitionLeaderEpoch = leaderEpoch;
      } else if (h.baseOffset < next) {
        throw new DecodeError(
          "corrupt",
          `follower batch at offset ${h.baseOffset} is below log end ${next}`,
        );
      }
      next = h.lastOffset + 1;
      if (h.maxTimestamp > maxTimestamp) maxTimestamp = h.maxTimestamp;
    }
    const first = headers[0].baseOffset;
    const last = next - 1;
    this.#io(() => {
      const now = this.#clock.nowMs();
      if (this.#active.needsRoll(records.length, last, now)) this.#roll(first);
      const seg = this.#active;
      seg.append(records, headers);
      this.#sync.markDirty(seg);
    });
    this.#written = this.logEndOffset;
    this.#writtenBytes += records.length;
    for (const h of headers) {
      if (
        h.partitionLeaderEpoch >= 0 &&
        this.leaderEpochs.assign(h.partitionLeaderEpoch, h.baseOffset)
      ) {
        this.#writeEpochsInBackground();
      }
      this.#cache?.add(h.baseOffset, h.lastOffset, h.bytes());
    }
    if (this.#written - this.#flusher.flushed >= this.#config.flushMessages) {
      this.#flusher.request();
    } else {
      this.#flusher.onAppend();
    }
    this.#checkFrontier();
    return { firstOffset: first, lastOffset: last, maxTimestamp, sizeBytes: records.length };
  }

  /** Starts a new active segment at the log end (no-op when the active one is empty). */
  roll(): void {
    this.#checkOnline();
    this.#io(() => {
      if (this.#active.sizeBytes > 0) this.#roll(this.logEndOffset);
    });
  }

  #roll(base: number): void {
    const old = this.#active;
    assert(base >= old.nextOffset, `roll at ${base} below active end ${old.nextOffset}`);
    if (old.sizeBytes > 0 || old.baseOffset !== base) {
      old.roll();
      this.#pool.touch(old);
    } else {
      return;
    }
    const s = Segment.create(this.fs, this.dir, base, this.#config, this.#clock.nowMs());
    this.#segments.push(s);
    this.#sync.segmentCreated();
    this.#checkSegments();
  }

  // --- flush -----------------------------------------------------------------

  /**
   * Resolves once `offset` is flushed (fsynced). Starts a flush if needed;
   * concurrent waiters share syncs (group commit). Rejects with TruncatedError
   * if a truncation removes the offset first, LogOfflineError on failure.
   */
  waitFlushed(offset: number): Promise<void> {
    if (this.#offline !== null) return Promise.reject(this.#offline);
    return this.#flusher.waitFor(offset);
  }

  /** Flushes everything written so far. */
  async flush(): Promise<void> {
    this.#checkOnline();
    const end = this.#written;
    if (end > this.#flusher.flushed) await this.#flusher.waitFor(end - 1);
    await this.#flusher.idle();
    this.#checkOnline();
  }

  // --- read ------------------------------------------------------------------

  /**
   * Reads from `offset`: the bytes from the start of the batch holding it,
   * at most `maxBytes` (the last batch may be cut short, as Kafka does; the
   * whole first batch is returned if minOneBatch, default true), stopping
   * before batches that reach `upperOffset`. One segment per read.
   */
  read(offset: number, maxBytes: number, opts: ReadOptions = {}): ReadResult {
    this.#checkOnline();
    const end = this.logEndOffset;
    if (offset < this.#logStart || offset > end) {
      throw new OffsetOutOfRangeError(offset, this.#logStart, end);
    }
    const upper = Math.min(opts.upperOffset ?? end, end);
    const minOne = opts.minOneBatch ?? true;
    maxBytes = Math.min(maxBytes, readBytesMax);
    if (offset >= upper || (maxBytes <= 0 && !minOne)) return emptyRead();
    const cached = this.#cache?.read(offset, maxBytes, upper, minOne);
    if (cached) return { ...cached, fromCache: true };
    return this.#io(() => readSegments(this.#view(), offset, maxBytes, upper, minOne, opts.into));
  }

  #use(s: Segment): Segment {
    this.#pool.touch(s);
    return s;
  }

  /** What the read and lookup functions (log_read.ts) see of this log. */
  #view(): SegmentView {
    return {
      segments: this.#segments,
      logStartOffset: this.#logStart,
      logEndOffset: this.logEndOffset,
      use: (s) => this.#use(s),
    };
  }

  #ensureMaxTimestamp(s: Segment): void {
    ensureMaxTimestamp(this.#view(), s);
  }

  // --- timestamps (ListOffsets) ------------------------------------------------

  /**
   * ListOffsets by time: the first record (offset >= logStartOffset) whose
   * timestamp is >= `timestamp`, or null when there is none.
   */
  offsetForTimestamp(timestamp: number): TimestampOffset | null {
    this.#checkOnline();
    return this.#io(() => offsetForTimestamp(this.#view(), timestamp));
  }

  /** ListOffsets MAX_TIMESTAMP: the first record holding the largest timestamp. */
  maxTimestampOffset(): TimestampOffset | null {
    this.#checkOnline();
    return this.#io(() => maxTimestampOffset(this.#view()));
  }

  /** OffsetsForLeaderEpoch: the largest epoch <= `epoch` and where it ends. */
  endOffsetForEpoch(epoch: number): { leaderEpoch: number; endOffset: number } {
    this.#checkOnline();
    return this.leaderEpochs.endOffsetFor(epoch, this.logEndOffset);
  }

  // --- truncation, log start, retention -------------------------------------------

  /**
   * Cuts the log so it ends at `offset` (replication's truncation). Cuts at a
   * batch boundary: a batch holding `offset` goes entirely, so the new log end
   * may be below `offset`. Returns the new log end. The caller must not append
   * until this resolves. Ordering keeps a crash at any point consistent:
   * later segments are renamed away (dir synced), then the cut segment is cut
   * and synced, then a fresh active segment starts.
   */
  async truncateTo(offset: number): Promise<number> {
    this.#checkOnline();
    if (offset >= this.logEndOffset) return this.logEndOffset;
    if (offset <= this.#logStart) {
      await this.truncateFullyAndStartAt(offset);
      return offset;
    }
    this.#truncating = true;
    try {
      await this.#stopCleaner();
      return await this.#ioAsync(async () => {
        // The new end is decided and applied to the frontier before any await:
        // from here on the cut offsets are gone for readers and waiters.
        let i = this.#segments.length - 1;
        while (this.#segments[i].baseOffset >= offset) i--; // offset > logStart >= first base
        const loc = this.#use(this.#segments[i]).locate(offset);
        const newEnd = loc === null ? offset : Math.min(loc.baseOffset, offset);
        if (newEnd < this.#logStart || newEnd <= this.#segments[0].baseOffset) {
          // Nothing below the cut survives (a batch straddling the log start had to go).
          this.#truncating = false;
          await this.truncateFullyAndStartAt(newEnd < this.#logStart ? offset : newEnd);
          return this.logEndOffset;
        }
        this.#afterCut(newEnd);
        // Segments from the cut on go whole, durably, before the last one is cut.
        while (this.#segments[i].baseOffset >= newEnd) i--;
        const doomed = this.#segments.splice(i + 1);
        this.#scheduleDelete(doomed);
        if (doomed.length > 0) await this.fs.syncDir(this.dir);
        const cut = this.#segments[i];
        if (cut.locate(newEnd) !== null) {
          cut.truncateTo(newEnd);
          if (!cut.active) cut.persistIndexes();
          this.#sync.forget(cut);
          await cut.file!.sync();
        }
        if (!cut.active || cut.nextOffset !== newEnd) {
          if (cut.active) cut.roll();
          const s = Segment.create(this.fs, this.dir, newEnd, this.#config, this.#clock.nowMs());
          this.#segments.push(s);
          this.#sync.segmentCreated();
        }
        await this.#writeEpochs();
        this.#checkSegments();
        await this.#onTruncated();
        return newEnd;
      });
    } finally {
      this.#truncating = false;
    }
  }

  /** Frontier, cache, waiters and epochs after the log was cut at `end`. */
  #afterCut(end: number): void {
    this.#written = end;
    this.#sync.noteTruncation(end);
    this.#flusher.truncated(end, () => new TruncatedError(`offsets from ${end} were truncated`));
    if (this.#hw > end) this.#hw = end;
    this.#cache?.dropFrom(end);
    this.leaderEpochs.truncateFromEnd(end);
  }

  /** Deletes all data and restarts the log empty at `offset`. */
  async truncateFullyAndStartAt(offset: number): Promise<void> {
    this.#checkOnline();
    this.#truncating = true;
    try {
      await this.#stopCleaner();
      await this.#ioAsync(async () => {
        const doomed = this.#segments.splice(0);
        this.#scheduleDelete(doomed);
        await this.fs.syncDir(this.dir);
        this.#segments.push(
          Segment.create(this.fs, this.dir, offset, this.#config, this.#clock.nowMs()),
        );
        await this.fs.syncDir(this.dir);
        this.#sync.noteTruncation(offset);
        this.#flusher.reset(offset, () => new TruncatedError(`log restarted at ${offset}`));
        this.#cache?.clear();
        this.leaderEpochs.clear();
        this.#written = offset;
        this.#logStart = offset;
        this.#hw = offset;
        await this.#writeEpochs();
        this.#checkSegments();
        await this.#onTruncated();
      });
    } finally {
      this.#truncating = false;
    }
  }

  /**
   * DeleteRecords: moves the log start up to `offset` (<= high watermark) and
   * deletes segments wholly below it. Returns the new log start offset.
   */
  deleteRecordsBefore(offset: number): number {
    this.#checkOnline();
    if (offset > this.#hw) throw new OffsetOutOfRangeError(offset, this.#logStart, this.#hw);
    if (offset > this.#logStart) {
      this.#logStart = offset;
      this.leaderEpochs.truncateFromStart(offset);
      this.#cache?.dropBelow(offset);
      this.#writeEpochsInBackground();
      this.#deletePrefix(
        deletableSegmentCount(this.#retentionView(), this.#retentionPolicy(false)),
      );
    }
    this.#checkFrontier();
    return this.#logStart;
  }

  #retentionView() {
    return {
      segments: this.#segments,
      highWatermark: this.#hw,
      logStartOffset: this.#logStart,
      nowMs: this.#clock.nowMs(),
      maxTimestampOf: (s: Segment) => {
        this.#ensureMaxTimestamp(s);
        return s.maxTimestamp;
      },
    };
  }

  #retentionPolicy(timeAndSize: boolean) {
    const c = this.#config;
    const on = timeAndSize && isDeleteRetained(c);
    return { retentionMs: on ? c.retentionMs : -1, retentionBytes: on ? c.retentionBytes : -1 };
  }

  /**
   * Retention: deletes the oldest segments that are past retention.ms, over
   * retention.bytes, or below the log start; never past the high watermark.
   * An expired non-empty active segment is rolled so the next pass can go.
   * Returns how many segments were deleted.
   */
  deleteOldSegments(): number {
    this.#checkOnline();
    return this.#io(() => {
      const count = () => deletableSegmentCount(this.#retentionView(), this.#retentionPolicy(true));
      let n = count();
      this.#deletePrefix(n);
      const a = this.#active;
      const c = this.#config;
      if (
        this.#segments.length === 1 && a.sizeBytes > 0 && isDeleteRetained(c) &&
        c.retentionMs >= 0 && this.#clock.nowMs() - a.maxTimestamp > c.retentionMs &&
        this.logEndOffset <= this.#hw && this.#cleanerRun === null
      ) {
        // Kafka rolls an expired active segment so that it can go too.
        this.#roll(this.logEndOffset);
        const more = count();
        this.#deletePrefix(more);
        n += more;
      }
      return n;
    });
  }

  #deletePrefix(n: number): void {
    // The cleaner is rewriting old segments; they go on the next pass.
    if (n <= 0 || this.#cleanerRun !== null) return;
    this.#generation++;
    const doomed = this.#segments.splice(0, n);
    this.#scheduleDelete(doomed);
    const start = this.#segments[0].baseOffset;
    if (start > this.#logStart) {
      this.#logStart = start;
      this.leaderEpochs.truncateFromStart(start);
      this.#writeEpochsInBackground();
    }
    this.#cache?.dropBelow(this.#logStart);
    this.#checkSegments();
  }

  /** Renames segments to .deleted now and removes them after file.delete.delay.ms. */
  #scheduleDelete(segs: Segment[]): void {
    for (const s of segs) {
      this.#sync.forget(s);
      this.#pool.forget(s);
    }
    this.#deleter.schedule(segs, this.#clock.nowMs() + this.#config.fileDeleteDelayMs);
  }

  /** Removes .deleted files whose delay has passed (all of them when `all`). */
  async removeDeletedFiles(all = false): Promise<void> {
    if (this.#deleter.pendingCount === 0) return;
    await this.#ioAsync(() => this.#deleter.removeDue(this.#clock.nowMs(), all));
  }

  // --- compaction ------------------------------------------------------------

  /** Runs the cleaner once if the policy asks for it; null when there was nothing to do. */
  async compact(): Promise<CleanerStats | null> {
    this.#checkOnline();
    if (!isCompacted(this.#config) || this.#cleanerRun !== null || this.#truncating) return null;
    const run = this.#ioAsync(() => cleanLog(this.#cleanerHost()));
    this.#cleanerRun = run;
    try {
      return await run;
    } finally {
      this.#cleanerRun = null;
    }
  }

  /** Makes a running cleaner pass abort (or finish a committed swap) and waits for it. */
  #stopCleaner(): Promise<void> {
    this.#generation++;
    const run = this.#cleanerRun;
    return run === null ? Promise.resolve() : run.then(() => {}, () => {});
  }

  #cleanerHost(): CleanerHost {
    return {
      fs: this.fs,
      dir: this.dir,
      config: this.#config,
      nowMs: () => this.#clock.nowMs(),
      logger: this.#logger,
      state: this.#cleaner,
      generation: () => this.#generation,
      cleanable: () => {
        // Kafka's first uncleanable offset: the active segment, the high
        // watermark and min.compaction.lag.ms bound what may be rewritten.
        const out: { segment: Segment; endOffset: number }[] = [];
        const now = this.#clock.nowMs();
        for (let i = 0; i + 1 < this.#segments.length; i++) {
          const s = this.#segments[i];
          const endOffset = this.#segments[i + 1].baseOffset;
          if (endOffset > this.#hw) break;
          const lag = this.#config.minCompactionLagMs;
          if (lag > 0) {
            this.#ensureMaxTimestamp(s);
            if (now - s.maxTimestamp < lag) break;
          }
          out.push({ segment: this.#use(s), endOffset });
        }
        return out;
      },
      use: (s) => this.#use(s),
      replace: (old, replacement) => this.#replaceSegments(old, replacement),
    };
  }

  /** Swaps cleaned `replacement` in for `old` (consecutive, immutable). */
  #replaceSegments(old: Segment[], replacement: Segment): void {
    const i = this.#segments.indexOf(old[0]);
    assert(
      i >= 0 && this.#segments[i + old.length - 1] === old[old.length - 1],
      "replacing unknown segments",
    );
    assert(replacement.baseOffset === old[0].baseOffset, "replacement must keep the base offset");
    this.#segments.splice(i, old.length, replacement);
    for (const s of old) this.#pool.forget(s);
    this.#pool.touch(replacement);
    const end = i + 1 < this.#segments.length
      ? this.#segments[i + 1].baseOffset
      : this.logEndOffset;
    // Cached batches of rewritten segments would serve records the cleaner removed.
    this.#cache?.dropBelow(end);
    this.#checkSegments();
  }

  // --- periodic work and checkpoints ---------------------------------------------

  /** flush.ms: starts a flush when data has waited long enough. */
  maybeFlushByTime(): void {
    if (this.#offline !== null) return;
    const now = this.#clock.nowMs();
    if (this.#written > this.#flusher.flushed && now - this.#lastFlushMs >= this.#config.flushMs) {
      this.#flusher.request();
    }
  }

  /**
   * Makes the state a checkpoint is about to record durable, and returns it:
   * index entries up to the flushed offset are synced (recovery resumes from
   * them) and the epoch file is written.
   */
  async prepareCheckpoint(): Promise<LogCheckpoint> {
    this.#checkOnline();
    const recoveryPoint = this.#flusher.flushed;
    const logStartOffset = this.#logStart;
    const highWatermark = this.#hw;
    await this.#ioAsync(async () => {
      const pending = this.#segments.filter((s) => s.active || s.indexUnsynced);
      for (const s of pending) await s.syncIndexes();
      await this.#writeEpochs();
    });
    return { recoveryPoint, logStartOffset, highWatermark };
  }

  /** Writes leader-epoch-checkpoint if the cache changed since it was last written. */
  #writeEpochs(force = false): Promise<void> {
    if (this.#offline !== null) return Promise.resolve();
    if (force) this.leaderEpochs.version++;
    return this.#epochWriter.persist();
  }

  #writeEpochsInBackground(): void {
    this.#writeEpochs().catch((e) => this.#failQuietly(e));
  }

  /**
   * Flushes data and indexes and closes files (a clean shutdown of this log).
   * Returns what the final checkpoint should record (null if it was offline).
   */
  async close(): Promise<LogCheckpoint | null> {
    let checkpoint = null;
    if (this.#offline === null) {
      await this.#stopCleaner();
      await this.flush();
      checkpoint = await this.prepareCheckpoint();
      await this.removeDeletedFiles(true);
    }
    await this.#flusher.idle();
    for (const s of this.#segments) s.close();
    this.#cache?.clear();
    if (this.#offline === null) this.#offline = new LogOfflineError(this.dir, "closed");
    return checkpoint;
  }
}
