/**
 * ShardCore: the partition-owning logic of one shard, without the network.
 * It holds the PartitionManager of the partitions it owns (all of them on a
 * single thread; the `owns` filter's share in a shard worker) and answers
 * every partition-data operation of the DataPath contract (data_path.ts) with
 * Kafka error codes: existence in the image, leadership (leadership.ts), leader epoch checks
 * (FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH), offline log dirs
 * (KAFKA_STORAGE_ERROR), offsets out of range, appends, reads, long-poll
 * watches, ListOffsets, DeleteRecords, OffsetForLeaderEpoch and log dirs.
 * Request-version logic stays in the handlers.
 *
 * Ordering: an append lands when `append` is called if every log it names
 * exists (no await in between); an append that must first create a log is
 * queued, and every later append and every read-side operation waits behind
 * it, so each operation sees the effects of every append called before it.
 * The outcomes of an append resolve at once, or after the fsync for a
 * flush.messages=1 topic (a failed flush is KAFKA_STORAGE_ERROR).
 */
import { topicNameError } from "../metadata/topic_name.ts";
import type { MetadataImage } from "../metadata/image.ts";
import type { MetadataRecord } from "../metadata/records.ts";
import { DecodeError } from "../protocol/decode_error.ts";
import { ErrorCode } from "../protocol/errors.ts";
import {
  LogOfflineError,
  OffsetOutOfRangeError,
  RecordBatchTooLargeError,
  TruncatedError,
} from "../storage/errors.ts";
import type { PartitionLog } from "../storage/log.ts";
import type { BrokerConfig } from "./config.ts";
import type {
  AppendEntry,
  AppendOutcome,
  DeleteRecordsEntry,
  DeleteRecordsOutcome,
  EpochEntry,
  EpochOutcome,
  LogDirInfo,
  OffsetsEntry,
  OffsetsOutcome,
  ReadEntry,
  ReadOutcome,
  WatchEntry,
} from "./data_path.ts";
import type { Logger } from "./log.ts";
import { notLeader } from "./leadership.ts";
import { PartitionManager } from "./partitions.ts";

/** ListOffsets' special timestamps. */
const EARLIEST = -2, LATEST = -1, MAX_TIMESTAMP = -3, EARLIEST_LOCAL = -4, LATEST_TIERED = -5;

type Found = { log: PartitionLog; leaderEpoch: number } | { errorCode: number };

/** An append's target: the log, or the outcome saying why there is none. */
type Target = PartitionLog | AppendOutcome;

function appendFailure(errorCode: number, errorMessage: string): AppendOutcome {
  return { errorCode, errorMessage, baseOffset: -1, logStartOffset: -1 };
}

function readFailure(errorCode: number): ReadOutcome {
  return {
    errorCode,
    highWatermark: -1,
    lastStableOffset: -1,
    logStartOffset: -1,
    records: [],
    sizeBytes: 0,
  };
}

function epochError(current: number, leaderEpoch: number): number | null {
  if (current < 0 || current === leaderEpoch) return null;
  return current < leaderEpoch ? ErrorCode.FENCED_LEADER_EPOCH : ErrorCode.UNKNOWN_LEADER_EPOCH;
}

/**
 * Kafka's answer (LeaderEpochFileCache.endOffsetFor): the requested epoch if
 * it is the latest (ending at the log end); otherwise the largest epoch <= it
 * (or the epoch itself when it precedes all) ending where the next epoch
 * starts; [-1, -1] for an undefined epoch or one above every known epoch.
 * A log never appended to is in the current epoch.
 */
export function endOffsetFor(
  entries: readonly { epoch: number; startOffset: number }[],
  requested: number,
  currentEpoch: number,
  logEnd: number,
): { leaderEpoch: number; endOffset: number } {
  const undefinedEpoch = { leaderEpoch: -1, endOffset: -1 };
  if (requested < 0) return undefinedEpoch;
  const latest = entries.length > 0 ? entries[entries.length - 1].epoch : currentEpoch;
  if (requested === latest) return { leaderEpoch: requested, endOffset: logEnd };
  const higher = entries.find((e) => e.epoch > requested);
  if (!higher) return undefinedEpoch;
  const floor = entries.findLast((e) => e.epoch <= requested);
  return { leaderEpoch: floor ? floor.epoch : requested, endOffset: higher.startOffset };
}

export class ShardCore {
  /** The partition logs (the group coordinator uses it directly for __consumer_offsets). */
  readonly partitions: PartitionManager;
  /** Set while appends wait for a log to be created; later operations queue behind them. */
  #pending: Promise<void> | null = null;

  readonly nodeId: number;

  constructor(
    config: BrokerConfig,
    log: Logger,
    private readonly image: () => MetadataImage,
    owns: (topic: string, partition: number) => boolean = () => true,
    /** Tags of the dir-level files (LogManager's ownerTag/liveOwnerTags); one owner by default. */
    owner?: { tag: string; liveTags: readonly string[]; cacheBytesMax?: number },
  ) {
    this.nodeId = config.nodeId;
    this.partitions = new PartitionManager(config, log, image, owns, owner);
  }

  open(): Promise<void> {
    return this.partitions.open();
  }

  /** Committed metadata changed (see PartitionManager.onMetadata). */
  onMetadata(records: readonly MetadataRecord[], before: MetadataImage): void {
    this.partitions.onMetadata(records, before);
  }

  /** The image was replaced by a snapshot (see PartitionManager.onSnapshot). */
  onSnapshot(before: MetadataImage): void {
    this.partitions.onSnapshot(before);
  }

  /** Brings the logs in line with the image; resolves when done. */
  sync(): Promise<void> {
    return this.partitions.sync();
  }

  async close(): Promise<void> {
    await this.#pending;
    await this.partitions.close();
  }

  // --- appends --------------------------------------------------------------------

  /**
   * Appends each entry's batch (offsets assigned in place) with the
   * partition's leader epoch from the image, advances the high watermark and
   * wakes watchers. One outcome per entry, in order.
   */
  append(entries: readonly AppendEntry[]): Promise<AppendOutcome[]> {
    return this.appendWith(entries, (e) => e.records);
  }

  /**
   * append() with each entry's bytes from `bytesOf`, called before this
   * returns. `now` is true when the append happens right away, before this
   * returns (the bytes may be borrowed, e.g. a view of a ring slot the
   * caller releases after; the log must then keep no reference: a shard's
   * logs have no recent-batch cache), false when it waits for a log to be
   * created (the bytes must be the caller's own copy).
   */
  appendWith(
    entries: readonly AppendEntry[],
    bytesOf: (e: AppendEntry, now: boolean) => Uint8Array,
  ): Promise<AppendOutcome[]> {
    try {
      if (this.#pending === null) {
        const targets = entries.map((e) => this.#existingTarget(e));
        if (targets.every((t) => t !== undefined)) {
          return this.#apply(entries.map((e) => ({ ...e, records: bytesOf(e, true) })), targets);
        }
      }
    } catch (e) {
      return Promise.reject(e);
    }
    // Not appendable now: the bytes must outlive the caller's buffer.
    const owned = entries.map((e) => ({ ...e, records: bytesOf(e, false) }));
    return this.#appendLater(owned);
  }

  #appendLater(entries: readonly AppendEntry[]): Promise<AppendOutcome[]> {
    // Some log must be created first: queue, and hold later operations behind this one.
    const prev = this.#pending ?? Promise.resolve();
    const step = prev.then(async () => {
      const targets: Target[] = [];
      for (const e of entries) targets.push(await this.#target(e));
      // Wrapped so `step` settles once appended, not once flushed.
      return { outcomes: this.#apply(entries, targets) };
    });
    const done = step.then(() => {}, () => {});
    this.#pending = done;
    void done.then(() => {
      if (this.#pending === done) this.#pending = null;
    });
    return step.then((s) => s.outcomes);
  }

  /** The target without waiting: undefined when the log has to be created (or awaited) first. */
  #existingTarget(e: AppendEntry): Target | undefined {
    const t = this.image().topic(e.topic);
    if (!t || !t.partitions[e.partition]) {
      return appendFailure(
        ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        `partition ${e.topic}-${e.partition} does not exist`,
      );
    }
    const elsewhere = notLeader(this.image(), this.nodeId, e.topic, e.partition);
    if (elsewhere) return appendFailure(elsewhere.errorCode, elsewhere.errorMessage);
    return this.partitions.existing(e.topic, e.partition);
  }

  async #target(e: AppendEntry): Promise<Target> {
    const existing = this.#existingTarget(e);
    if (existing !== undefined) return existing;
    try {
      const log = await this.partitions.partition(e.topic, e.partition);
      return log ?? appendFailure(
        ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        `partition ${e.topic}-${e.partition} does not exist`,
      );
    } catch (err) {
      if (err instanceof LogOfflineError) {
        return appendFailure(ErrorCode.KAFKA_STORAGE_ERROR, err.message);
      }
      throw err;
    }
  }

  /** Appends synchronously; the promise waits only for the fsyncs durable topics ask for. */
  #apply(entries: readonly AppendEntry[], targets: readonly Target[]): Promise<AppendOutcome[]> {
    const outcomes: AppendOutcome[] = [];
    const waits: Promise<void>[] = [];
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i];
      const target = targets[i];
      if ("errorCode" in target) {
        outcomes.push(target);
        continue;
      }
      const log = target;
      if (log.isOffline) {
        outcomes.push(
          appendFailure(
            ErrorCode.KAFKA_STORAGE_ERROR,
            `log dir of ${e.topic}-${e.partition} is offline`,
          ),
        );
        continue;
      }
      const meta = this.image().topic(e.topic)?.partitions[e.partition];
      if (!meta) {
        outcomes.push(appendFailure(
          ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
          `partition ${e.topic}-${e.partition} does not exist`,
        ));
        continue;
      }
      try {
        const info = this.partitions.append(log, e.records, meta.leaderEpoch);
        outcomes.push({
          errorCode: ErrorCode.NONE,
          errorMessage: null,
          baseOffset: info.firstOffset,
          logStartOffset: log.logStartOffset,
        });
        if (log.config.flushMessages === 1) {
          waits.push(
            log.waitFlushed(info.lastOffset).catch((err) => {
              if (!(err instanceof LogOfflineError || err instanceof TruncatedError)) throw err;
              outcomes[i] = appendFailure(ErrorCode.KAFKA_STORAGE_ERROR, err.message);
            }),
          );
        }
      } catch (err) {
        if (err instanceof DecodeError) {
          outcomes.push(appendFailure(ErrorCode.CORRUPT_MESSAGE, err.message));
        } else if (err instanceof RecordBatchTooLargeError) {
          outcomes.push(appendFailure(ErrorCode.MESSAGE_TOO_LARGE, err.message));
        } else if (err instanceof LogOfflineError) {
          outcomes.push(appendFailure(ErrorCode.KAFKA_STORAGE_ERROR, err.message));
        } else {
          // Earlier entries are appended; their fsync waits must not go unobserved.
          for (const w of waits) w.catch(() => {});
          throw err;
        }
      }
    }
    return waits.length === 0 ? Promise.resolve(outcomes) : Promise.all(waits).then(() => outcomes);
  }

  // --- reads ----------------------------------------------------------------------

  /**
   * Reads each entry in order under one byte budget (`maxBytes`); with
   * `minOneBatch` the first entry with data may exceed it by one batch.
   * Stored batches are returned unchanged.
   */
  async read(
    maxBytes: number,
    minOneBatch: boolean,
    entries: readonly ReadEntry[],
  ): Promise<ReadOutcome[]> {
    if (this.#pending !== null) await this.#pending;
    let budget = Math.max(0, maxBytes);
    let bytes = 0;
    const out: ReadOutcome[] = [];
    for (const e of entries) {
      let o = this.#readOne(e, budget, minOneBatch && bytes === 0);
      if (o instanceof Promise) o = await o;
      budget = Math.max(0, budget - o.sizeBytes);
      bytes += o.sizeBytes;
      out.push(o);
    }
    return out;
  }

  #readOne(e: ReadEntry, budget: number, minOne: boolean): ReadOutcome | Promise<ReadOutcome> {
    const meta = this.image().topic(e.topic)?.partitions[e.partition];
    if (!meta) return readFailure(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const fenced = epochError(e.currentLeaderEpoch, meta.leaderEpoch);
    if (fenced !== null) return readFailure(fenced);
    if (notLeader(this.image(), this.nodeId, e.topic, e.partition)) {
      return readFailure(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    }
    const existing = this.partitions.existing(e.topic, e.partition);
    if (existing) return this.#readLog(existing, e, budget, minOne);
    return this.partitions.partition(e.topic, e.partition).then(
      (log) =>
        log
          ? this.#readLog(log, e, budget, minOne)
          : readFailure(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION),
      (err) => {
        if (err instanceof LogOfflineError) return readFailure(ErrorCode.KAFKA_STORAGE_ERROR);
        throw err;
      },
    );
  }

  #readLog(log: PartitionLog, e: ReadEntry, budget: number, minOne: boolean): ReadOutcome {
    if (log.isOffline) return readFailure(ErrorCode.KAFKA_STORAGE_ERROR);
    try {
      // With no transactions the last stable offset is the high watermark.
      const hw = log.highWatermark;
      const base: ReadOutcome = {
        errorCode: ErrorCode.NONE,
        highWatermark: hw,
        lastStableOffset: hw,
        logStartOffset: log.logStartOffset,
        records: [],
        sizeBytes: 0,
      };
      if (e.fetchOffset < log.logStartOffset || e.fetchOffset > log.logEndOffset) {
        return { ...base, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE };
      }
      const read = log.read(e.fetchOffset, Math.min(e.partitionMaxBytes, budget), {
        upperOffset: hw,
        minOneBatch: minOne,
      });
      return read.sizeBytes === 0
        ? base
        : { ...base, records: read.chunks, sizeBytes: read.sizeBytes };
    } catch (err) {
      if (err instanceof LogOfflineError) return readFailure(ErrorCode.KAFKA_STORAGE_ERROR);
      throw err;
    }
  }

  /**
   * Resolves true once data may have arrived at any entry (at once when an
   * entry's readable end is already past its offset), false after
   * `maxWaitMs` or when `signal` aborts. Any append to a watched partition
   * wakes it.
   */
  async watch(
    entries: readonly WatchEntry[],
    maxWaitMs: number,
    signal?: AbortSignal,
  ): Promise<boolean> {
    if (this.#pending !== null) await this.#pending;
    for (const e of entries) {
      const log = this.partitions.existing(e.topic, e.partition);
      if (log && !log.isOffline && log.highWatermark > e.offset) return true;
    }
    if (maxWaitMs <= 0 || signal?.aborted) return false;
    return await new Promise<boolean>((resolve) => {
      const finish = (arrived: boolean) => {
        clearTimeout(timer);
        cancel();
        signal?.removeEventListener("abort", onAbort);
        resolve(arrived);
      };
      const onAbort = () => finish(false);
      const timer = setTimeout(() => finish(false), maxWaitMs);
      const cancel = this.partitions.watch(entries, () => finish(true));
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  // --- offsets --------------------------------------------------------------------

  /** A partition's log, or the Kafka error for why there is none (epoch checked when >= 0). */
  async #lookup(topic: string, partition: number, currentLeaderEpoch = -1): Promise<Found> {
    const t = this.image().topic(topic);
    if (!t) {
      return {
        errorCode: topicNameError(topic)
          ? ErrorCode.INVALID_TOPIC_EXCEPTION
          : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      };
    }
    const meta = t.partitions[partition];
    if (!meta) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
    const fenced = epochError(currentLeaderEpoch, meta.leaderEpoch);
    if (fenced !== null) return { errorCode: fenced };
    const elsewhere = notLeader(this.image(), this.nodeId, topic, partition);
    if (elsewhere) return { errorCode: elsewhere.errorCode };
    let log: PartitionLog | undefined;
    try {
      log = this.partitions.existing(topic, partition) ??
        await this.partitions.partition(topic, partition);
    } catch (e) {
      if (e instanceof LogOfflineError) return { errorCode: ErrorCode.KAFKA_STORAGE_ERROR };
      throw e;
    }
    if (!log) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
    if (log.isOffline) return { errorCode: ErrorCode.KAFKA_STORAGE_ERROR };
    return { log, leaderEpoch: meta.leaderEpoch };
  }

  /**
   * ListOffsets: -2 earliest / -4 earliest local (the log start), -1 latest
   * (the high watermark; with no transactions also the last stable offset,
   * so the isolation level changes nothing yet), -5 latest tiered (-1: no
   * tiered storage), -3 the record with the largest timestamp, t >= 0 the
   * first offset with timestamp >= t; none found below the high watermark
   * gives offset and timestamp -1 with no error.
   */
  async listOffsets(
    _isolationLevel: number,
    entries: readonly OffsetsEntry[],
  ): Promise<OffsetsOutcome[]> {
    if (this.#pending !== null) await this.#pending;
    const out: OffsetsOutcome[] = [];
    for (const e of entries) out.push(await this.#offsets(e));
    return out;
  }

  async #offsets(e: OffsetsEntry): Promise<OffsetsOutcome> {
    const res = (errorCode: number, offset = -1, timestamp = -1, leaderEpoch = -1) => ({
      errorCode,
      offset,
      timestamp,
      leaderEpoch,
    });
    const ts = e.timestamp;
    if (ts < LATEST_TIERED) return res(ErrorCode.INVALID_REQUEST);
    const found = await this.#lookup(e.topic, e.partition, e.currentLeaderEpoch);
    if ("errorCode" in found) return res(found.errorCode);
    const { log, leaderEpoch } = found;
    try {
      const hw = log.highWatermark;
      switch (ts) {
        case EARLIEST:
        case EARLIEST_LOCAL:
          return res(ErrorCode.NONE, log.logStartOffset, -1, leaderEpoch);
        case LATEST:
          return res(ErrorCode.NONE, hw, -1, leaderEpoch);
        case LATEST_TIERED:
          return res(ErrorCode.NONE, -1, -1, leaderEpoch);
        case MAX_TIMESTAMP: {
          const m = log.maxTimestampOffset();
          return m && m.offset < hw
            ? res(ErrorCode.NONE, m.offset, m.timestamp, leaderEpoch)
            : res(ErrorCode.NONE, -1, -1, leaderEpoch);
        }
        default: {
          const f = log.offsetForTimestamp(ts);
          return f && f.offset < hw
            ? res(ErrorCode.NONE, f.offset, f.timestamp, leaderEpoch)
            : res(ErrorCode.NONE, -1, -1, leaderEpoch);
        }
      }
    } catch (err) {
      if (err instanceof OffsetOutOfRangeError) return res(ErrorCode.OFFSET_OUT_OF_RANGE);
      if (err instanceof LogOfflineError) return res(ErrorCode.KAFKA_STORAGE_ERROR);
      throw err;
    }
  }

  /**
   * DeleteRecords: moves each log start offset up to the entry's offset (-1:
   * the high watermark); above the high watermark is OFFSET_OUT_OF_RANGE.
   * The low watermark answered is the new log start offset.
   */
  async deleteRecords(entries: readonly DeleteRecordsEntry[]): Promise<DeleteRecordsOutcome[]> {
    if (this.#pending !== null) await this.#pending;
    const out: DeleteRecordsOutcome[] = [];
    for (const e of entries) {
      const fail = (errorCode: number) => ({ errorCode, lowWatermark: -1 });
      const found = await this.#lookup(e.topic, e.partition);
      if ("errorCode" in found) {
        out.push(fail(found.errorCode));
        continue;
      }
      const log = found.log;
      const target = e.offset === -1 ? log.highWatermark : e.offset;
      if (target < 0) {
        out.push(fail(ErrorCode.OFFSET_OUT_OF_RANGE));
        continue;
      }
      try {
        out.push({ errorCode: ErrorCode.NONE, lowWatermark: log.deleteRecordsBefore(target) });
      } catch (err) {
        if (err instanceof OffsetOutOfRangeError) out.push(fail(ErrorCode.OFFSET_OUT_OF_RANGE));
        else if (err instanceof LogOfflineError) out.push(fail(ErrorCode.KAFKA_STORAGE_ERROR));
        else throw err;
      }
    }
    return out;
  }

  /** OffsetForLeaderEpoch: the end offset of each requested epoch (see endOffsetFor). */
  async offsetForLeaderEpoch(entries: readonly EpochEntry[]): Promise<EpochOutcome[]> {
    if (this.#pending !== null) await this.#pending;
    const out: EpochOutcome[] = [];
    for (const e of entries) {
      const found = await this.#lookup(e.topic, e.partition, e.currentLeaderEpoch);
      if ("errorCode" in found) {
        out.push({ errorCode: found.errorCode, leaderEpoch: -1, endOffset: -1 });
        continue;
      }
      const epochs = endOffsetFor(
        found.log.leaderEpochs.entries,
        e.leaderEpoch,
        found.leaderEpoch,
        found.log.logEndOffset,
      );
      out.push({ errorCode: ErrorCode.NONE, ...epochs });
    }
    return out;
  }

  // --- state ----------------------------------------------------------------------

  /** This core's log dirs with the partitions it owns on each (offset lag 0: no future replicas). */
  logDirs(): LogDirInfo[] {
    return this.partitions.logDirs().map((d) => ({
      path: d.path,
      online: d.online,
      logs: d.logs.map((l) => ({
        topic: l.topic,
        partition: l.partition,
        sizeBytes: l.sizeBytes,
        logStartOffset: l.logStartOffset,
        logEndOffset: l.logEndOffset,
        highWatermark: l.highWatermark,
        offsetLag: 0,
      })),
    }));
  }

  isOffline(topic: string, partition: number): boolean {
    return this.partitions.isOffline(topic, partition);
  }
}
