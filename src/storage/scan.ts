/**
 * Walks the batches stored in a segment file from a byte position, reading in
 * large chunks. In validating mode (recovery of unflushed data, compaction)
 * every batch must pass validateBatch (length, magic, CRC, counts) and the
 * offsets must increase; the walk stops at the first batch that does not, and
 * reports how many bytes were good, so the caller truncates a torn or corrupt
 * tail. In header mode (rebuilding indexes of flushed data, locating offsets)
 * only the header of each batch is read.
 */
import { scanChunkBytes, storedBatchBytesMax } from "../base/limits.ts";
import { DecodeError } from "../protocol/decode_error.ts";
import { validateBatch } from "../protocol/records/batch.ts";
import {
  BatchHeader,
  LOG_OVERHEAD,
  MAGIC,
  RECORD_BATCH_OVERHEAD,
} from "../protocol/records/layout.ts";
import type { LogFile } from "./fs.ts";

/** Read size when only batch headers are needed. */
const HEADER_CHUNK_BYTES = 16 * 1024;

export interface ScanOptions {
  /** Check CRC and record counts of every batch (reads whole batches). */
  validate: boolean;
  /** Read whole batches without validating them (callers that walk records). */
  wholeBatches?: boolean;
  /** Offsets must be at least this (the segment base, or the offset after the previous batch). */
  minOffset: number;
  /** Stop before this byte position (default: file size). */
  endPosition?: number;
  /**
   * Offsets run without gaps: each batch must start exactly where the last one
   * ended. baseOffset is not covered by the CRC, so this is what catches a
   * damaged one (compacted logs have gaps and can only check the order).
   */
  contiguous?: boolean;
}

export interface ScanResult {
  /** Position after the last good batch visited (or where the visitor stopped). */
  endPosition: number;
  /** Offset after the last good batch, or minOffset when none. */
  nextOffset: number;
  /** Why the walk ended early: a torn or corrupt batch (null when it reached the end cleanly). */
  problem: string | null;
}

/**
 * Calls `visit(header, position)` for each batch; `header` is only valid during
 * the call (it views a reused buffer; with `validate` or `wholeBatches`,
 * `header.bytes()` is the whole batch). Returning false stops the walk (without a problem).
 */
export function scanBatches(
  file: LogFile,
  from: number,
  opts: ScanOptions,
  visit: (h: BatchHeader, position: number) => boolean | void,
): ScanResult {
  const end = Math.min(opts.endPosition ?? file.sizeBytes, file.sizeBytes);
  const whole = opts.validate || opts.wholeBatches === true;
  // Header walks (offset lookups) read little: a sparse index entry is at most
  // index.interval.bytes plus one batch before the target.
  const step = whole ? scanChunkBytes : HEADER_CHUNK_BYTES;
  let chunk = new Uint8Array(Math.min(step, Math.max(RECORD_BATCH_OVERHEAD, end - from)));
  let chunkStart = 0;
  let chunkLen = 0;
  let pos = from;
  let nextOffset = opts.minOffset;
  // partitionLeaderEpoch is not covered by the CRC either; real epochs never decrease.
  let maxEpoch = -1;

  // Makes [p, p + n) available in `chunk`; false if the file ends first.
  const ensure = (p: number, n: number): boolean => {
    if (p >= chunkStart && p + n <= chunkStart + chunkLen) return true;
    if (p + n > end) return false;
    const want = Math.min(Math.max(n, step), end - p);
    if (want > chunk.length) chunk = new Uint8Array(want);
    chunkStart = p;
    chunkLen = file.readAt(p, chunk.subarray(0, want));
    return chunkLen >= n;
  };

  const stop = (problem: string | null): ScanResult => ({
    endPosition: pos,
    nextOffset,
    problem,
  });

  while (pos < end) {
    if (!ensure(pos, LOG_OVERHEAD)) return stop(`torn batch header at ${pos}`);
    let h = new BatchHeader(chunk, pos - chunkStart);
    const size = h.sizeBytes;
    if (size < RECORD_BATCH_OVERHEAD || size > storedBatchBytesMax) {
      return stop(`bad batch length ${h.batchLength} at ${pos}`);
    }
    const need = whole ? size : RECORD_BATCH_OVERHEAD;
    if (!ensure(pos, need)) {
      return stop(`torn batch at ${pos} (${size} bytes, file ends at ${end})`);
    }
    if (pos + size > end) return stop(`torn batch at ${pos} (${size} bytes, file ends at ${end})`);
    h = new BatchHeader(chunk, pos - chunkStart);
    if (chunk[pos - chunkStart + MAGIC] !== 2) return stop(`bad magic at ${pos}`);
    if (opts.validate) {
      try {
        validateBatch(chunk, pos - chunkStart, { allowSparse: true });
      } catch (e) {
        if (e instanceof DecodeError) return stop(`corrupt batch at ${pos}: ${e.message}`);
        throw e;
      }
    } else if (h.lastOffsetDelta < 0) {
      return stop(`bad lastOffsetDelta at ${pos}`);
    }
    if (h.baseOffset < nextOffset || (opts.contiguous && h.baseOffset !== nextOffset)) {
      return stop(`batch at ${pos} has offset ${h.baseOffset}, expected ${nextOffset}`);
    }
    if (opts.validate) {
      const epoch = h.partitionLeaderEpoch;
      if (epoch < -1 || (epoch >= 0 && epoch < maxEpoch)) {
        return stop(`batch at ${pos} has leader epoch ${epoch} after epoch ${maxEpoch}`);
      }
      if (epoch > maxEpoch) maxEpoch = epoch;
    }
    if (visit(h, pos) === false) return stop(null);
    nextOffset = h.lastOffset + 1;
    pos += size;
  }
  return stop(null);
}
