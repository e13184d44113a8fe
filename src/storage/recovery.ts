/**
 * Loading a partition directory after a start, clean or not.
 *
 * 1. Leftovers of interrupted operations are settled: `.tmp`, `.cleaned` and
 *    `.deleted` files are removed; a `.log.swap` (a compaction result that was
 *    complete and synced) replaces the segments it covers.
 * 2. Only data after the recovery point is read. The recovery point is the
 *    flushed offset recorded in the last checkpoint (or everything, after a
 *    clean shutdown). Segments wholly below it are trusted and loaded lazily.
 *    In the segment holding it, the walk resumes from the last index entry
 *    below it (index files are synced before a checkpoint names them); later
 *    segments are walked whole. Every walked batch is validated (length,
 *    magic, CRC, increasing offsets).
 * 3. The first invalid batch ends the log: its segment is cut there and later
 *    segments are deleted, so nothing after a torn or corrupt batch is served.
 *    So does a gap between segments of a non-compacted log (lost data).
 * 4. What was walked is synced, so everything recovered counts as flushed.
 */
import { assert } from "../base/assert.ts";
import type { BatchHeader } from "../protocol/records/layout.ts";
import type { LogConfig } from "./config.ts";
import type { Clock, Logger } from "./env.ts";
import { type FsLayer, joinPath } from "./fs.ts";
import type { LeaderEpochCache } from "./leader_epoch.ts";
import { scanBatches } from "./scan.ts";
import {
  CLEANED_SUFFIX,
  DELETED_SUFFIX,
  INDEX_SUFFIX,
  LOG_SUFFIX,
  offsetStem,
  parseStem,
  Segment,
  SWAP_SUFFIX,
  TIME_INDEX_SUFFIX,
} from "./segment.ts";

export interface RecoveryInput {
  fs: FsLayer;
  dir: string;
  config: LogConfig;
  clock: Clock;
  logger: Logger;
  /** Flushed offset from the recovery-point checkpoint (0 when none). */
  recoveryPoint: number;
  /** From the log-start-offset checkpoint (0 when none). */
  logStartOffset: number;
  cleanShutdown: boolean;
  epochs: LeaderEpochCache;
  /**
   * Offsets run without gaps (not a compacted topic). Then a segment that does
   * not start where the previous one ends follows lost data (its name became
   * durable, the previous segment's tail did not) and is dropped with the rest.
   */
  contiguous: boolean;
}

export interface RecoveredLog {
  segments: Segment[];
  logStartOffset: number;
  logEnd: number;
  /** Bytes walked and validated (the unflushed tail). */
  scannedBytes: number;
  /** Bytes cut off as torn or corrupt. */
  truncatedBytes: number;
}

function removeQuietly(fs: FsLayer, path: string): void {
  if (fs.exists(path)) fs.removeSync(path);
}

/** Replaces the segments a completed compaction swap covers with the swap file. */
function completeSwap(fs: FsLayer, dir: string, base: number, logs: Set<number>, logger: Logger) {
  const stem = offsetStem(base);
  const swapPath = joinPath(dir, stem + LOG_SUFFIX + SWAP_SUFFIX);
  const f = fs.open(swapPath, { create: false });
  const r = scanBatches(f, 0, { validate: true, minOffset: base }, () => {});
  const size = f.sizeBytes;
  f.close();
  // The swap was synced before its rename, so a problem here is not a crash artifact.
  assert(
    r.problem === null,
    `compaction swap ${swapPath} is corrupt: ${r.problem} (${size} bytes)`,
  );
  for (const b of [...logs]) {
    if (b >= base && b < r.nextOffset) {
      for (const suffix of [LOG_SUFFIX, INDEX_SUFFIX, TIME_INDEX_SUFFIX]) {
        removeQuietly(fs, joinPath(dir, offsetStem(b) + suffix));
      }
      logs.delete(b);
    }
  }
  // Index files of the swap are rebuilt when first needed.
  for (const suffix of [INDEX_SUFFIX, TIME_INDEX_SUFFIX]) {
    removeQuietly(fs, joinPath(dir, stem + suffix));
  }
  fs.rename(swapPath, joinPath(dir, stem + LOG_SUFFIX));
  logs.add(base);
  logger.info(`${dir}: completed compaction swap of segment ${base}`);
}

export async function recoverLog(input: RecoveryInput): Promise<RecoveredLog> {
  const { fs, dir, config, clock, logger, epochs } = input;
  const now = clock.nowMs();
  const logs = new Set<number>();
  const swaps: number[] = [];
  const indexFiles: { base: number; name: string }[] = [];
  let settled = false;
  for (const e of fs.listDir(dir)) {
    if (e.isDirectory) continue;
    const name = e.name;
    const path = joinPath(dir, name);
    if (name.endsWith(".tmp") || name.endsWith(CLEANED_SUFFIX) || name.endsWith(DELETED_SUFFIX)) {
      fs.removeSync(path);
      settled = true;
      continue;
    }
    if (name.endsWith(SWAP_SUFFIX)) {
      const base = parseStem(name.slice(0, -SWAP_SUFFIX.length), LOG_SUFFIX);
      if (base !== null) swaps.push(base);
      else fs.removeSync(path); // index swaps: rebuilt instead
      settled = true;
      continue;
    }
    const base = parseStem(name, LOG_SUFFIX);
    if (base !== null) {
      logs.add(base);
      continue;
    }
    const ib = parseStem(name, INDEX_SUFFIX) ?? parseStem(name, TIME_INDEX_SUFFIX);
    if (ib !== null) indexFiles.push({ base: ib, name });
  }
  for (const base of swaps.sort((a, b) => a - b)) completeSwap(fs, dir, base, logs, logger);
  for (const { base, name } of indexFiles) {
    if (!logs.has(base)) removeQuietly(fs, joinPath(dir, name));
  }
  if (settled) await fs.syncDir(dir);

  const bases = [...logs].sort((a, b) => a - b);
  const segments: Segment[] = [];
  for (const base of bases) {
    const s = new Segment(fs, dir, base, config, now);
    s.openFile();
    s.close(); // size known; handles are opened again on demand
    segments.push(s);
  }

  let logStart = input.logStartOffset;
  if (segments.length === 0) {
    const s = Segment.create(fs, dir, logStart, config, now);
    await fs.syncDir(dir);
    return {
      segments: [s],
      logStartOffset: logStart,
      logEnd: logStart,
      scannedBytes: 0,
      truncatedBytes: 0,
    };
  }

  const rp = input.cleanShutdown ? Number.MAX_SAFE_INTEGER : input.recoveryPoint;
  let k = 0;
  while (k + 1 < segments.length && segments[k + 1].baseOffset <= rp) k++;

  let scannedBytes = 0;
  let truncatedBytes = 0;
  let problem: string | null = null;
  let prevNext = segments[k].baseOffset;
  const onBatch = (h: BatchHeader) => {
    if (h.partitionLeaderEpoch >= 0) epochs.assign(h.partitionLeaderEpoch, h.baseOffset);
  };
  let last = k;
  for (let i = k; i < segments.length; i++) {
    const s = segments[i];
    if (i > k && input.contiguous && s.baseOffset !== prevNext) {
      problem =
        `segment ${s.baseOffset} does not follow the previous one, which ends at ${prevNext}`;
      last = i - 1;
      break;
    }
    s.openFile();
    let from = { offset: s.baseOffset, position: 0 };
    if (i === k && rp > s.baseOffset && s.tryLoadIndexes()) {
      const entry = s.offsetIndex!.lookup(rp - 1);
      const h = entry.position > 0 ? s.readHeader(entry.position) : null;
      if (h !== null && h.baseOffset === entry.offset) from = entry;
    }
    let r;
    if (from.position === 0) {
      s.resetIndexes();
      // A segment's first batch starts at its base offset (unless compacted).
      r = s.rebuildFrom(0, true, Math.max(prevNext, s.baseOffset), onBatch, input.contiguous);
      s.nextOffset = r.nextOffset;
      s.maxTimestampKnown = true;
    } else {
      r = s.resumeFrom(from, true, onBatch, input.contiguous);
    }
    scannedBytes += r.endPosition - from.position;
    last = i;
    if (r.problem !== null) {
      problem = `segment ${s.baseOffset}: ${r.problem}`;
      truncatedBytes += s.file!.sizeBytes - r.endPosition;
      s.file!.truncate(r.endPosition);
      s.sizeBytes = r.endPosition;
      s.dirty = true;
      break;
    }
    prevNext = s.nextOffset;
  }
  // Everything after a corrupt batch goes, whole segments included.
  for (const s of segments.splice(last + 1)) {
    truncatedBytes += s.openFile().sizeBytes;
    s.renameAll(DELETED_SUFFIX).forEach((p) => fs.removeSync(p));
  }
  if (problem !== null) {
    logger.warn(`${dir}: recovery truncated ${truncatedBytes} bytes at ${problem}`);
  }

  const active = segments[segments.length - 1];
  active.active = true;
  active.createdMs = now;
  // What recovery walked is now counted as flushed: make it so.
  const walked = segments.slice(k);
  await Promise.all(walked.map((s) => s.file!.sync()));
  for (const s of walked) {
    s.dirty = false;
    if (!s.active) s.seal();
    await s.syncIndexes();
    if (!s.active) s.release();
  }
  await fs.syncDir(dir);

  const logEnd = active.nextOffset;
  logStart = Math.min(Math.max(logStart, segments[0].baseOffset), logEnd);
  epochs.truncateFromEnd(logEnd);
  epochs.truncateFromStart(logStart);
  if (input.cleanShutdown) {
    logger.info(`${dir}: loaded after clean shutdown, log end ${logEnd}`);
  } else {
    logger.info(
      `${dir}: recovered from offset ${
        segments[k].baseOffset
      }, validated ${scannedBytes} bytes, log end ${logEnd}`,
    );
  }
  return { segments, logStartOffset: logStart, logEnd, scannedBytes, truncatedBytes };
}
