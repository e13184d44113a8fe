/**
 * The log cleaner for cleanup.policy=compact (and compact,delete): keeps the
 * latest record per key, drops tombstones (null values) once their segment is
 * older than delete.retention.ms, never reorders or renumbers offsets.
 *
 * One pass: build a key -> latest offset map over the cleanable segments
 * (immutable, below the high watermark and min.compaction.lag.ms), then
 * rewrite them in groups of at most segment.bytes. Batches whose records all
 * survive are copied byte for byte; partly surviving ones are rebuilt with the
 * same base offset, lastOffsetDelta, producer fields and compression.
 *
 * Crash safety (Kafka's scheme): a group is written to `<base>.log.cleaned`
 * and synced; renaming it to `.log.swap` (then syncing the directory) commits
 * it. After that the old segments are renamed to `.deleted` and the swap to
 * `.log`. Recovery deletes `.cleaned` files and completes `.swap` files, so a
 * crash at any point leaves either the old segments or the cleaned one.
 */
import { assert } from "../base/assert.ts";
import { cleanerMapEntriesMax, cleanerMapKeyBytesMax } from "../base/limits.ts";
import { buildBatch, type RecordInput, RecordView, updateCrc } from "../protocol/records/batch.ts";
import { type BatchHeader, LAST_OFFSET_DELTA } from "../protocol/records/layout.ts";
import type { LogConfig } from "./config.ts";
import type { Logger } from "./env.ts";
import { type FsLayer, joinPath, type LogFile } from "./fs.ts";
import { scanBatches } from "./scan.ts";
import {
  CLEANED_SUFFIX,
  DELETED_SUFFIX,
  LOG_SUFFIX,
  offsetStem,
  Segment,
  SWAP_SUFFIX,
} from "./segment.ts";

/** What the cleaner needs from its PartitionLog. */
export interface CleanerHost {
  fs: FsLayer;
  dir: string;
  config: LogConfig;
  logger: Logger;
  nowMs(): number;
  /** Segments that may be rewritten now, oldest first, with the offset each ends before. */
  cleanable(): { segment: Segment; endOffset: number }[];
  /** Changes whenever segments are removed by something else; the cleaner aborts then. */
  generation(): number;
  use(s: Segment): Segment;
  /** Swaps the cleaned segment in for the group it replaces. */
  replace(old: Segment[], replacement: Segment): void;
  /** Pass-to-pass memory: what is already clean, and when retained tombstones expire. */
  state: CleanerState;
}

export interface CleanerState {
  /** Offset below which the last pass left the log clean. */
  cleanedUpTo: number;
  /** Earliest time a retained tombstone may be removed. */
  tombstonesExpireAtMs: number;
}

export interface CleanerStats {
  segmentsBefore: number;
  segmentsAfter: number;
  bytesBefore: number;
  bytesAfter: number;
  recordsRemoved: number;
  /** A truncation or deletion interrupted the pass; nothing after it was swapped in. */
  aborted: boolean;
}

const keyDecoder = new TextDecoder("latin1");

/** A Map key for key bytes; latin1 maps each byte to its own code unit, so distinct keys differ. */
function keyString(k: Uint8Array): string {
  return keyDecoder.decode(k);
}

/** Builds the key -> latest offset map; returns how many leading segments it fully covers. */
function buildOffsetMap(host: CleanerHost, segs: Segment[], map: Map<string, number>): number {
  let keyBytes = 0;
  const view = new RecordView();
  let covered = 0;
  for (const s of segs) {
    let full = true;
    const file = host.use(s).openFile();
    const r = scanBatches(file, 0, { validate: true, minOffset: s.baseOffset }, (h) => {
      if (h.isControl) return true;
      view.open(h);
      while (view.next()) {
        const k = view.key();
        if (k === null) continue;
        const ks = keyString(k);
        if (!map.has(ks)) {
          if (map.size >= cleanerMapEntriesMax || keyBytes + k.length > cleanerMapKeyBytesMax) {
            full = false;
            return false;
          }
          keyBytes += k.length;
        }
        map.set(ks, view.offset);
      }
      return true;
    });
    assert(r.problem === null || !full, `cleaner found corrupt data in ${s.logPath}: ${r.problem}`);
    if (!full) break;
    covered++;
  }
  return covered;
}

/** Consecutive groups of at most segment.bytes (and an int32 offset span). */
function groupSegments(items: { segment: Segment; endOffset: number }[], segmentBytes: number) {
  const groups: { segment: Segment; endOffset: number }[][] = [];
  let cur: { segment: Segment; endOffset: number }[] = [];
  let size = 0;
  for (const it of items) {
    const fits = cur.length === 0 ||
      (size + it.segment.sizeBytes <= segmentBytes &&
        it.endOffset - cur[0].segment.baseOffset <= 0x7fffffff);
    if (!fits) {
      groups.push(cur);
      cur = [];
      size = 0;
    }
    cur.push(it);
    size += it.segment.sizeBytes;
  }
  if (cur.length > 0) groups.push(cur);
  return groups;
}

/** Writes the cleaned form of `group` to `out`; returns records removed. */
function writeCleaned(
  host: CleanerHost,
  group: Segment[],
  map: Map<string, number>,
  out: LogFile,
): number {
  const now = host.nowMs();
  const view = new RecordView();
  let removed = 0;
  for (const s of group) {
    const file = host.use(s).openFile();
    const tombstonesGo = s.maxTimestamp + host.config.deleteRetentionMs < now;
    const r = scanBatches(file, 0, { validate: true, minOffset: s.baseOffset }, (h) => {
      if (h.isControl) {
        out.append(h.bytes().slice());
        return true;
      }
      const kept: RecordInput[] = [];
      let total = 0;
      view.open(h);
      while (view.next()) {
        total++;
        const k = view.key();
        const v = view.value();
        const latest = k === null || map.get(keyString(k)) === view.offset;
        const keep = latest && !(v === null && tombstonesGo);
        if (!keep) continue;
        if (v === null) {
          host.state.tombstonesExpireAtMs = Math.min(
            host.state.tombstonesExpireAtMs,
            s.maxTimestamp + host.config.deleteRetentionMs + 1,
          );
        }
        kept.push({
          key: k === null ? null : k.slice(),
          value: v === null ? null : v.slice(),
          headers: view.headers(),
          timestamp: view.timestamp,
          offsetDelta: view.offsetDelta,
        });
      }
      removed += total - kept.length;
      if (kept.length === total) {
        out.append(h.bytes().slice());
      } else if (kept.length > 0) {
        out.append(rebuild(h, kept));
      }
      return true;
    });
    assert(r.problem === null, `cleaner found corrupt data in ${s.logPath}: ${r.problem}`);
  }
  return removed;
}

/** The batch `h` with only `kept` records, same offsets range and producer fields. */
function rebuild(h: BatchHeader, kept: RecordInput[]): Uint8Array {
  const logAppend = h.isLogAppendTime;
  const b = buildBatch({
    baseOffset: h.baseOffset,
    partitionLeaderEpoch: h.partitionLeaderEpoch,
    records: kept,
    compression: h.compression,
    timestampType: logAppend ? "logAppend" : "create",
    logAppendTime: logAppend ? h.maxTimestamp : undefined,
    baseTimestamp: h.baseTimestamp,
    producerId: h.producerId,
    producerEpoch: h.producerEpoch,
    baseSequence: h.baseSequence,
    isTransactional: h.isTransactional,
  });
  // Keep the original last offset, so the batch still ends where it did.
  new DataView(b.buffer, b.byteOffset, b.byteLength).setInt32(LAST_OFFSET_DELTA, h.lastOffsetDelta);
  updateCrc(b, 0);
  return b;
}

/** One cleaning pass; null when there was nothing worth cleaning. */
export async function cleanLog(host: CleanerHost): Promise<CleanerStats | null> {
  const items = host.cleanable();
  if (items.length === 0) return null;
  const now = host.nowMs();
  const dirtyEnd = items[items.length - 1].endOffset;
  if (dirtyEnd <= host.state.cleanedUpTo && now < host.state.tombstonesExpireAtMs) return null;
  const gen = host.generation();
  const map = new Map<string, number>();
  const covered = buildOffsetMap(host, items.map((i) => i.segment), map);
  if (covered === 0) {
    host.logger.warn(`${host.dir}: cleaner map bound reached inside one segment; not compacting`);
    return null;
  }
  const toClean = items.slice(0, covered);
  host.state.tombstonesExpireAtMs = Number.MAX_SAFE_INTEGER;
  const stats: CleanerStats = {
    segmentsBefore: toClean.length,
    segmentsAfter: 0,
    bytesBefore: toClean.reduce((n, i) => n + i.segment.sizeBytes, 0),
    bytesAfter: 0,
    recordsRemoved: 0,
    aborted: false,
  };
  const { fs, dir } = host;
  for (const group of groupSegments(toClean, host.config.segmentBytes)) {
    const segs = group.map((g) => g.segment);
    const base = segs[0].baseOffset;
    const stem = joinPath(dir, offsetStem(base) + LOG_SUFFIX);
    const cleanedPath = stem + CLEANED_SUFFIX;
    if (fs.exists(cleanedPath)) fs.removeSync(cleanedPath);
    const out = fs.open(cleanedPath, { create: true });
    let removed: number;
    try {
      removed = writeCleaned(host, segs, map, out);
      await out.sync();
    } finally {
      out.close();
    }
    if (host.generation() !== gen) {
      await fs.remove(cleanedPath);
      stats.aborted = true;
      break;
    }
    // Commit point: once the swap name is durable, recovery finishes the job.
    fs.rename(cleanedPath, stem + SWAP_SUFFIX);
    await fs.syncDir(dir);
    const deleted: string[] = [];
    for (const s of segs) deleted.push(...s.renameAll(DELETED_SUFFIX));
    fs.rename(stem + SWAP_SUFFIX, stem);
    await fs.syncDir(dir);
    const replacement = new Segment(fs, dir, base, host.config, now);
    replacement.ensureIndexes();
    replacement.persistIndexes();
    host.replace(segs, replacement);
    for (const p of deleted) await fs.remove(p);
    stats.segmentsAfter++;
    stats.bytesAfter += replacement.sizeBytes;
    stats.recordsRemoved += removed;
  }
  if (!stats.aborted) host.state.cleanedUpTo = toClean[toClean.length - 1].endOffset;
  host.logger.info(
    `${dir}: compacted ${stats.segmentsBefore} segments (${stats.bytesBefore} bytes) into ` +
      `${stats.segmentsAfter} (${stats.bytesAfter} bytes), ${stats.recordsRemoved} records removed` +
      (stats.aborted ? ", aborted" : ""),
  );
  return stats;
}
