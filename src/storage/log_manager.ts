/**
 * LogManager: every partition log of a broker across its log directories
 * (Kafka's log.dirs). It places new partitions on the online directory with
 * the fewest, recovers existing ones at open, runs the periodic work (flush.ms,
 * retention, cleaning, delayed file deletion, checkpoints) and writes the
 * per-directory checkpoint files and the clean-shutdown marker.
 *
 * With an `owns` filter (one shard of several sharing the log dirs) it loads,
 * creates and deletes only the partitions the filter accepts and leaves every
 * other partition directory (and its pending "-delete" removal) untouched on
 * disk. Each owner then has its own checkpoint files and clean-shutdown marker
 * (Kafka's names plus ".<ownerTag>"), so owners never write one file: a
 * marker says only that *its* owner's partitions were closed cleanly. At
 * start an owner removes markers of tags not in `liveOwnerTags` (left by
 * another shard count or by single-thread mode; a stale one must never
 * vouch for partitions someone else wrote since), reads recovery points and
 * high watermarks from its own files only (missing: recover from the start,
 * which is safe), and log start offsets from its own file or, for a partition
 * it did not own last time, the largest any other owner recorded (so records
 * removed by DeleteRecords stay removed when partitions change owners).
 *
 * A partition created with a topic id records it in its directory's
 * partition.metadata (Kafka's file; see partition_metadata.ts), so the owner
 * can tell a deleted topic's log from the log of a topic re-created under the
 * same name; PartitionLog.topicId reads it back (null for older directories).
 * Creating a partition whose deletion is still under way waits for it.
 *
 * A directory whose file operations fail (EIO, ...) goes offline as a whole:
 * its partitions throw LogOfflineError (KAFKA_STORAGE_ERROR) from then on, one
 * error line names the directory and its partitions, and the other
 * directories keep serving.
 */
import { AssertionError } from "../base/assert.ts";
import { RecentCache } from "./cache.ts";
import {
  CLEAN_SHUTDOWN_FILE,
  decodeOffsetCheckpoint,
  encodeOffsetCheckpoint,
  HIGH_WATERMARK_CHECKPOINT,
  LOG_START_OFFSET_CHECKPOINT,
  parsePartitionKey,
  partitionKey,
  readCheckpointFile,
  RECOVERY_POINT_CHECKPOINT,
  writeCheckpointFile,
} from "./checkpoint.ts";
import { defaultLogConfig, type LogConfig } from "./config.ts";
import { type Clock, consoleLogger, type Logger, systemClock } from "./env.ts";
import { LogOfflineError } from "./errors.ts";
import { FsError, type FsLayer, joinPath } from "./fs.ts";
import { DenoFs } from "./fs_deno.ts";
import { type LogCheckpoint, PartitionLog } from "./log.ts";
import { isTopicId, writePartitionMetadata } from "./partition_metadata.ts";
import { SegmentPool } from "./segment_pool.ts";

/** Kafka's metadata log directory name (in metadata.log.dir, by default the first log dir). */
export const METADATA_LOG_NAME = "__cluster_metadata-0";

export interface LogManagerOptions {
  /** log.dirs */
  logDirs: string[];
  fs?: FsLayer;
  clock?: Clock;
  logger?: Logger;
  /** Broker-wide defaults (Kafka's log.* settings), overridden per topic. */
  defaultConfig?: LogConfig;
  /** recentCacheBytesMax from the limits module unless set. */
  cacheBytesMax?: number;
  /** openSegmentsMax from the limits module unless set. */
  openSegmentsMax?: number;
  /** log.flush.offset.checkpoint.interval.ms (Kafka default 60 s). */
  checkpointIntervalMs?: number;
  /** log.retention.check.interval.ms (Kafka default 5 min). */
  retentionCheckIntervalMs?: number;
  /** log.cleaner.backoff.ms (Kafka default 15 s). */
  cleanerBackoffMs?: number;
  /**
   * Which partitions this manager owns (default: all). Directories of other
   * partitions are neither opened nor deleted.
   */
  owns?: (topic: string, partition: number) => boolean;
  /** Suffix of this owner's checkpoint files and marker ("" = Kafka's plain names). */
  ownerTag?: string;
  /** Every owner of this process run; other owners' markers are stale (default: [ownerTag]). */
  liveOwnerTags?: readonly string[];
}

interface LogDir {
  path: string;
  online: boolean;
  logs: Map<string, PartitionLog>;
  /** Serialises checkpoint writes of this directory. */
  checkpointing: Promise<void>;
}

export class LogManager {
  readonly fs: FsLayer;
  readonly cache: RecentCache;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #pool: SegmentPool;
  readonly #dirs: LogDir[];
  readonly #topicConfigs = new Map<string, LogConfig>();
  readonly #creating = new Map<string, Promise<PartitionLog>>();
  /** Deletions under way by partition key (a creation of the same key waits for them). */
  readonly #deleting = new Map<string, Promise<void>>();
  #defaultConfig: LogConfig;
  readonly #checkpointIntervalMs: number;
  readonly #retentionCheckIntervalMs: number;
  readonly #cleanerBackoffMs: number;
  readonly #owns: ((topic: string, partition: number) => boolean) | null;
  readonly #ownerTag: string;
  readonly #liveOwnerTags: ReadonlySet<string>;
  #lastCheckpointMs: number;
  #lastRetentionMs: number;
  #lastCleanerMs: number;
  #timer: ReturnType<typeof setInterval> | null = null;
  #tick: Promise<void> | null = null;
  #closed = false;

  private constructor(opts: LogManagerOptions) {
    this.fs = opts.fs ?? new DenoFs();
    this.#clock = opts.clock ?? systemClock;
    this.#logger = opts.logger ?? consoleLogger;
    this.cache = new RecentCache(opts.cacheBytesMax);
    this.#pool = new SegmentPool(opts.openSegmentsMax);
    this.#defaultConfig = opts.defaultConfig ?? defaultLogConfig;
    this.#checkpointIntervalMs = opts.checkpointIntervalMs ?? 60_000;
    this.#retentionCheckIntervalMs = opts.retentionCheckIntervalMs ?? 300_000;
    this.#cleanerBackoffMs = opts.cleanerBackoffMs ?? 15_000;
    this.#owns = opts.owns ?? null;
    this.#ownerTag = opts.ownerTag ?? "";
    this.#liveOwnerTags = new Set(opts.liveOwnerTags ?? [this.#ownerTag]);
    const now = this.#clock.nowMs();
    this.#lastCheckpointMs = now;
    this.#lastRetentionMs = now;
    this.#lastCleanerMs = now;
    this.#dirs = opts.logDirs.map((path) => ({
      path,
      online: true,
      logs: new Map(),
      checkpointing: Promise.resolve(),
    }));
  }

  /** Opens every log directory and recovers the partitions found in them. */
  static async open(opts: LogManagerOptions): Promise<LogManager> {
    if (opts.logDirs.length === 0) throw new RangeError("log.dirs is empty");
    const m = new LogManager(opts);
    for (const d of m.#dirs) {
      try {
        await m.#loadDir(d);
      } catch (e) {
        if (!(e instanceof FsError || e instanceof LogOfflineError)) throw e;
        m.#dirFailed(d, e);
      }
    }
    return m;
  }

  async #loadDir(d: LogDir): Promise<void> {
    const fs = this.fs;
    fs.mkdirp(d.path);
    const marker = this.#tagged(CLEAN_SHUTDOWN_FILE);
    const clean = fs.exists(joinPath(d.path, marker));
    let removed = false;
    for (const e of fs.listDir(d.path)) {
      const tag = e.isDirectory ? null : tagOf(e.name, CLEAN_SHUTDOWN_FILE);
      // Ours: from here on a crash must not look like a clean shutdown. Others' not live: stale.
      if (tag !== null && (tag === this.#ownerTag || !this.#liveOwnerTags.has(tag))) {
        fs.removeSync(joinPath(d.path, e.name));
        removed = true;
      }
    }
    if (removed) await fs.syncDir(d.path);
    const rp = this.#readOffsets(d, this.#tagged(RECOVERY_POINT_CHECKPOINT));
    const ls = this.#readOffsets(d, this.#tagged(LOG_START_OFFSET_CHECKPOINT));
    const hw = this.#readOffsets(d, this.#tagged(HIGH_WATERMARK_CHECKPOINT));
    // Partitions we did not own last time: the largest log start any other owner recorded.
    const fromOthers = new Map<string, number>();
    for (const e of fs.listDir(d.path)) {
      const tag = e.isDirectory ? null : tagOf(e.name, LOG_START_OFFSET_CHECKPOINT);
      if (tag === null || tag === this.#ownerTag) continue;
      for (const [key, offset] of this.#readOffsets(d, e.name)) {
        if (!ls.has(key)) fromOthers.set(key, Math.max(fromOthers.get(key) ?? 0, offset));
      }
    }
    for (const [key, offset] of fromOthers) ls.set(key, offset);
    for (const e of fs.listDir(d.path)) {
      if (!e.isDirectory) continue;
      if (e.name.endsWith("-delete")) {
        // "<topic>-<partition>.<uuid>-delete": an interrupted deletion, finished by its owner.
        const doomed = parsePartitionKey(e.name.replace(/\.[0-9a-f]*-delete$/, ""));
        if (
          this.#owns === null || (doomed !== null && this.#owns(doomed.topic, doomed.partition))
        ) {
          await fs.remove(joinPath(d.path, e.name), { recursive: true });
        }
        continue;
      }
      const tp = parsePartitionKey(e.name);
      // The KRaft metadata log lives here too but belongs to the quorum store, not to us.
      if (tp === null || e.name === METADATA_LOG_NAME) continue;
      if (this.#owns !== null && !this.#owns(tp.topic, tp.partition)) continue;
      if (this.#find(tp.topic, tp.partition) !== undefined) {
        this.#logger.error(`${e.name} exists in two log dirs; ignoring the copy in ${d.path}`);
        continue;
      }
      const log = await this.#openLog(d, tp.topic, tp.partition, {
        recoveryPoint: rp.get(e.name) ?? 0,
        logStartOffset: ls.get(e.name) ?? 0,
        highWatermark: hw.get(e.name) ?? 0,
        cleanShutdown: clean,
      });
      d.logs.set(e.name, log);
    }
    this.#logger.info(
      `log dir ${d.path}: ${d.logs.size} partitions loaded${clean ? " (clean shutdown)" : ""}`,
    );
  }

  /** A dir-level file's name for this owner. */
  #tagged(name: string): string {
    return this.#ownerTag === "" ? name : `${name}.${this.#ownerTag}`;
  }

  #readOffsets(d: LogDir, name: string): Map<string, number> {
    const bytes = readCheckpointFile(this.fs, d.path, name);
    if (bytes === null) return new Map();
    const parsed = decodeOffsetCheckpoint(bytes);
    if (parsed === null) {
      // Written atomically, so this is not a crash artifact; recovering from 0 is safe.
      this.#logger.warn(
        `${d.path}/${name} is unreadable; recovering its partitions from the start`,
      );
      return new Map();
    }
    return parsed;
  }

  #openLog(
    d: LogDir,
    topic: string,
    partition: number,
    state: LogCheckpoint & { cleanShutdown: boolean },
  ): Promise<PartitionLog> {
    return PartitionLog.open({
      fs: this.fs,
      dir: joinPath(d.path, partitionKey(topic, partition)),
      topic,
      partition,
      config: this.configFor(topic),
      clock: this.#clock,
      logger: this.#logger,
      cache: this.cache,
      pool: this.#pool,
      ...state,
      onIoError: (e) => this.#dirFailed(d, e),
      onTruncated: () => this.#checkpointDir(d),
    });
  }

  #dirFailed(d: LogDir, e: unknown): void {
    if (!d.online) return;
    d.online = false;
    const reason = e instanceof Error ? e.message : String(e);
    for (const log of d.logs.values()) log.goOffline(`log dir ${d.path} failed: ${reason}`);
    const names = [...d.logs.keys()].sort();
    this.#logger.error(
      `log dir ${d.path} is offline after an I/O error (${reason}); ` +
        `${names.length} partitions taken offline${names.length ? ": " + names.join(", ") : ""}; ` +
        `other log dirs keep serving`,
    );
  }

  #find(topic: string, partition: number): { dir: LogDir; log: PartitionLog } | undefined {
    const key = partitionKey(topic, partition);
    for (const dir of this.#dirs) {
      const log = dir.logs.get(key);
      if (log !== undefined) return { dir, log };
    }
    return undefined;
  }

  // --- partitions ---------------------------------------------------------------

  /** The log of a partition (possibly offline), or undefined if this broker has none. */
  get(topic: string, partition: number): PartitionLog | undefined {
    return this.#find(topic, partition)?.log;
  }

  /** All logs, online or not. */
  logs(): PartitionLog[] {
    return this.#dirs.flatMap((d) => [...d.logs.values()]);
  }

  /** The log dir holding a partition. */
  dirOf(topic: string, partition: number): string | undefined {
    return this.#find(topic, partition)?.dir.path;
  }

  onlineDirs(): string[] {
    return this.#dirs.filter((d) => d.online).map((d) => d.path);
  }

  offlineDirs(): string[] {
    return this.#dirs.filter((d) => !d.online).map((d) => d.path);
  }

  /**
   * The partition's log, created (on the online dir with the fewest
   * partitions) when missing. Throws LogOfflineError when no dir is online.
   * A created log records `topicId` (when given) in its partition.metadata;
   * an existing one is returned as it is (see PartitionLog.topicId). A
   * deletion of the same partition still under way finishes first, so the
   * new log never opens the old directory.
   */
  getOrCreate(topic: string, partition: number, topicId?: string): Promise<PartitionLog> {
    const found = this.#find(topic, partition);
    if (found !== undefined) return Promise.resolve(found.log);
    if (topicId !== undefined && !isTopicId(topicId)) {
      return Promise.reject(new RangeError(`"${topicId}" is not a topic id`));
    }
    // Concurrent callers share one creation: two opens of one directory would corrupt it.
    const key = partitionKey(topic, partition);
    let creating = this.#creating.get(key);
    if (creating === undefined) {
      const deleting = this.#deleting.get(key);
      const create = () => this.#create(topic, partition, topicId);
      creating = (deleting === undefined ? create() : deleting.then(create, create))
        .finally(() => this.#creating.delete(key));
      this.#creating.set(key, creating);
    }
    return creating;
  }

  async #create(topic: string, partition: number, topicId?: string): Promise<PartitionLog> {
    const online = this.#dirs.filter((d) => d.online);
    if (online.length === 0) {
      throw new LogOfflineError(this.#dirs.map((d) => d.path).join(","), "no log dir is online");
    }
    const d = online.reduce((a, b) => (b.logs.size < a.logs.size ? b : a));
    const key = partitionKey(topic, partition);
    try {
      const dir = joinPath(d.path, key);
      this.fs.mkdirp(dir);
      if (topicId !== undefined) await writePartitionMetadata(this.fs, dir, topicId);
      await this.fs.syncDir(d.path);
      const log = await this.#openLog(d, topic, partition, {
        recoveryPoint: 0,
        logStartOffset: 0,
        highWatermark: 0,
        cleanShutdown: false,
      });
      d.logs.set(key, log);
      return log;
    } catch (e) {
      if (e instanceof FsError) {
        this.#dirFailed(d, e);
        throw new LogOfflineError(d.path, e.message);
      }
      throw e;
    }
  }

  /**
   * Deletes a partition's log: its directory is renamed away, then removed in
   * the background. Resolves once the directory is gone (or its dir failed);
   * called again meanwhile, it returns the same deletion.
   */
  delete(topic: string, partition: number): Promise<void> {
    const key = partitionKey(topic, partition);
    const found = this.#find(topic, partition);
    if (found === undefined) return this.#deleting.get(key) ?? Promise.resolve();
    const run: Promise<void> = this.#delete(found.dir, found.log, key).finally(() => {
      if (this.#deleting.get(key) === run) this.#deleting.delete(key);
    });
    this.#deleting.set(key, run);
    return run;
  }

  async #delete(d: LogDir, log: PartitionLog, key: string): Promise<void> {
    d.logs.delete(key);
    await log.close();
    if (!d.online) return;
    const doomed = joinPath(d.path, `${key}.${crypto.randomUUID().replaceAll("-", "")}-delete`);
    try {
      this.fs.rename(log.dir, doomed);
      await this.fs.syncDir(d.path);
      await this.#checkpointDir(d);
      await this.fs.remove(doomed, { recursive: true });
    } catch (e) {
      if (e instanceof FsError) return this.#dirFailed(d, e);
      throw e;
    }
  }

  /** The effective config of a topic. */
  configFor(topic: string): LogConfig {
    return this.#topicConfigs.get(topic) ?? this.#defaultConfig;
  }

  /** Sets a topic's config (Kafka's per-topic overrides, already merged over defaults). */
  setTopicConfig(topic: string, config: LogConfig): void {
    this.#topicConfigs.set(topic, config);
    for (const log of this.logs()) if (log.topic === topic) log.updateConfig(config);
  }

  // --- periodic work --------------------------------------------------------------

  /**
   * One round of background work: flush.ms, then (at their intervals)
   * retention, cleaning and checkpoints, and removal of .deleted files.
   */
  async tick(): Promise<void> {
    const now = this.#clock.nowMs();
    const retention = now - this.#lastRetentionMs >= this.#retentionCheckIntervalMs;
    const cleaning = now - this.#lastCleanerMs >= this.#cleanerBackoffMs;
    const checkpoint = now - this.#lastCheckpointMs >= this.#checkpointIntervalMs;
    if (retention) this.#lastRetentionMs = now;
    if (cleaning) this.#lastCleanerMs = now;
    if (checkpoint) this.#lastCheckpointMs = now;
    for (const d of this.#dirs) {
      if (!d.online) continue;
      for (const log of [...d.logs.values()]) {
        await this.#quietly(async () => {
          log.maybeFlushByTime();
          if (retention) log.deleteOldSegments();
          if (cleaning) await log.compact();
          await log.removeDeletedFiles();
        });
      }
      if (checkpoint) await this.#checkpointDir(d);
    }
  }

  /** Offline logs are expected to throw; anything else (a broken invariant) propagates. */
  async #quietly(fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (e) {
      if (e instanceof LogOfflineError) return;
      throw e;
    }
  }

  /** Runs tick() every `intervalMs` until close(). A broken invariant in the background crashes loudly. */
  start(intervalMs = 100): void {
    if (this.#timer !== null) return;
    this.#timer = setInterval(() => {
      if (this.#tick !== null) return;
      this.#tick = this.tick().catch((e) => {
        this.#logger.error(`background storage work failed: ${e instanceof Error ? e.stack : e}`);
        throw e;
      }).finally(() => {
        this.#tick = null;
      });
    }, intervalMs);
  }

  /** Writes the checkpoint files of every online dir now. */
  async checkpoint(): Promise<void> {
    for (const d of this.#dirs) await this.#checkpointDir(d);
  }

  #checkpointDir(d: LogDir): Promise<void> {
    const run = d.checkpointing.then(async () => {
      if (!d.online) return;
      const points = new Map<string, LogCheckpoint>();
      for (const [key, log] of d.logs) {
        if (!log.isOffline) points.set(key, await log.prepareCheckpoint());
      }
      await this.#writeCheckpoints(d, points);
    });
    d.checkpointing = run.catch(() => {});
    return run.catch((e) => {
      if (e instanceof FsError) return this.#dirFailed(d, e);
      if (e instanceof LogOfflineError) return;
      throw e;
    });
  }

  async #writeCheckpoints(d: LogDir, points: Map<string, LogCheckpoint>): Promise<void> {
    const files: [string, keyof LogCheckpoint][] = [
      [RECOVERY_POINT_CHECKPOINT, "recoveryPoint"],
      [LOG_START_OFFSET_CHECKPOINT, "logStartOffset"],
      [HIGH_WATERMARK_CHECKPOINT, "highWatermark"],
    ];
    for (const [name, field] of files) {
      const offsets = new Map([...points].map(([key, c]) => [key, c[field]]));
      await writeCheckpointFile(
        this.fs,
        d.path,
        this.#tagged(name),
        encodeOffsetCheckpoint(offsets),
      );
    }
  }

  /**
   * Clean shutdown: stops background work, flushes and closes every log,
   * writes the checkpoints and the clean-shutdown marker of each online dir.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    await this.#tick?.catch(() => {});
    for (const d of this.#dirs) {
      await d.checkpointing;
      const points = new Map<string, LogCheckpoint>();
      try {
        for (const [key, log] of d.logs) {
          const c = await log.close();
          if (c !== null) points.set(key, c);
        }
        if (!d.online) continue;
        await this.#writeCheckpoints(d, points);
        await writeCheckpointFile(
          this.fs,
          d.path,
          this.#tagged(CLEAN_SHUTDOWN_FILE),
          new Uint8Array(0),
        );
      } catch (e) {
        if (e instanceof AssertionError) throw e;
        if (e instanceof FsError || e instanceof LogOfflineError) this.#dirFailed(d, e);
        else throw e;
      }
    }
  }
}

/** The owner tag of a dir-level file of family `base` ("" for the plain name), or null if not one. */
function tagOf(fileName: string, base: string): string | null {
  if (fileName === base) return "";
  return fileName.startsWith(`${base}.`) && !fileName.endsWith(".tmp")
    ? fileName.slice(base.length + 1)
    : null;
}
