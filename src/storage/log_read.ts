/**
 * The read side of a partition log over its segments: fetch reads (Kafka's
 * rules for maxBytes, the first batch and the high watermark) and ListOffsets
 * lookups by timestamp through the time indexes.
 */
import { RecordView } from "../protocol/records/batch.ts";
import { scanBatches } from "./scan.ts";
import type { Segment } from "./segment.ts";

export interface ReadResult {
  /** The bytes, in order; the last batch may be cut short at maxBytes. */
  chunks: Uint8Array[];
  sizeBytes: number;
  /** baseOffset of the first batch returned, -1 when empty. */
  firstOffset: number;
  fromCache: boolean;
}

export interface TimestampOffset {
  offset: number;
  timestamp: number;
}

/** What reads see of a log: its segments (oldest first) and bounds. */
export interface SegmentView {
  readonly segments: readonly Segment[];
  readonly logStartOffset: number;
  readonly logEndOffset: number;
  /** Marks a segment used (the open-segment bound) and returns it. */
  use(s: Segment): Segment;
}

export function emptyRead(): ReadResult {
  return { chunks: [], sizeBytes: 0, firstOffset: -1, fromCache: false };
}

/** Index of the last segment whose base offset is <= offset (0 if none). */
export function segmentIndexFor(segments: readonly Segment[], offset: number): number {
  let lo = 0;
  let hi = segments.length - 1;
  let found = 0;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (segments[mid].baseOffset <= offset) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}

/**
 * Reads from the segment holding `offset` (or the next one, past a gap left by
 * compaction): from the start of the batch holding it, at most maxBytes (the
 * last batch may be cut, as Kafka does), the whole first batch if minOne,
 * never a batch reaching `upper`. One segment per read, like Kafka.
 */
export function readSegments(
  v: SegmentView,
  offset: number,
  maxBytes: number,
  upper: number,
  minOne: boolean,
  into: Uint8Array | undefined,
): ReadResult {
  const segs = v.segments;
  for (let i = segmentIndexFor(segs, offset); i < segs.length; i++) {
    const seg = v.use(segs[i]);
    const loc = seg.locate(offset);
    if (loc === null) continue;
    if (loc.lastOffset >= upper) return emptyRead();
    let maxPos = seg.sizeBytes;
    const segEnd = i + 1 < segs.length ? segs[i + 1].baseOffset : v.logEndOffset;
    if (upper < segEnd) {
      const u = seg.locate(upper);
      if (u !== null) maxPos = u.position;
    }
    let len = Math.min(maxBytes, maxPos - loc.position);
    if (len < loc.sizeBytes && minOne) len = loc.sizeBytes;
    if (len <= 0) return emptyRead();
    const bytes = seg.readBytes(loc.position, len, into);
    return { chunks: [bytes], sizeBytes: len, firstOffset: loc.baseOffset, fromCache: false };
  }
  return emptyRead();
}

export function ensureMaxTimestamp(v: SegmentView, s: Segment): void {
  if (!s.maxTimestampKnown) v.use(s).ensureIndexes();
}

/** First record (offset >= log start) with timestamp >= `timestamp`, or null. */
export function offsetForTimestamp(v: SegmentView, timestamp: number): TimestampOffset | null {
  const segs = v.segments;
  for (let i = segmentIndexFor(segs, v.logStartOffset); i < segs.length; i++) {
    const s = segs[i];
    ensureMaxTimestamp(v, s);
    if (s.maxTimestamp < timestamp) continue;
    v.use(s).ensureIndexes();
    const from = Math.max(s.timeIndex!.scanStartFor(timestamp), v.logStartOffset);
    const hit = findRecord(s, from, (ts) => ts >= timestamp, (max) => max >= timestamp);
    if (hit !== null) return hit;
  }
  return null;
}

/** First record (offset >= log start) holding the largest timestamp, or null when empty. */
export function maxTimestampOffset(v: SegmentView): TimestampOffset | null {
  const segs = v.segments;
  let best: Segment | null = null;
  for (let i = segmentIndexFor(segs, v.logStartOffset); i < segs.length; i++) {
    const s = segs[i];
    ensureMaxTimestamp(v, s);
    if (s.sizeBytes > 0 && (best === null || s.maxTimestamp > best.maxTimestamp)) best = s;
  }
  if (best === null) return null;
  const max = best.maxTimestamp;
  const from = Math.max(best.offsetOfMaxTimestamp, v.logStartOffset);
  return findRecord(v.use(best), from, (ts) => ts === max, (m) => m === max);
}

/** Walks batches of `s` from `from`; the first matching record of a batch that may match. */
function findRecord(
  s: Segment,
  from: number,
  recordMatches: (ts: number) => boolean,
  batchMayMatch: (maxTs: number) => boolean,
): TimestampOffset | null {
  const loc = s.locate(from);
  if (loc === null) return null;
  let hit: TimestampOffset | null = null;
  const view = new RecordView();
  scanBatches(s.file!, loc.position, {
    validate: false,
    wholeBatches: true,
    minOffset: loc.baseOffset,
  }, (h) => {
    if (!batchMayMatch(h.maxTimestamp)) return true;
    view.open(h);
    while (view.next()) {
      if (view.offset >= from && recordMatches(view.timestamp)) {
        hit = { offset: view.offset, timestamp: view.timestamp };
        return false;
      }
    }
    return true;
  });
  return hit;
}
