/**
 * Which of the oldest segments retention may delete. Kafka's rules: a segment
 * goes when it is wholly below the log start offset, or (cleanup.policy
 * includes delete) its newest record is older than retention.ms, or the log
 * stays at or above retention.bytes without it. Only a prefix of the log is
 * deleted, the active segment never (the log rolls it first), and nothing at
 * or above the high watermark.
 */
import type { Segment } from "./segment.ts";

export interface RetentionView {
  segments: readonly Segment[];
  highWatermark: number;
  logStartOffset: number;
  nowMs: number;
  /** Largest timestamp of a segment (may load its time index). */
  maxTimestampOf(s: Segment): number;
}

export interface RetentionPolicy {
  /** -1: no time bound. */
  retentionMs: number;
  /** -1: no size bound. */
  retentionBytes: number;
}

export function deletableSegmentCount(v: RetentionView, p: RetentionPolicy): number {
  const segs = v.segments;
  let total = 0;
  for (const s of segs) total += s.sizeBytes;
  let n = 0;
  for (; n + 1 < segs.length; n++) {
    const s = segs[n];
    const end = segs[n + 1].baseOffset;
    if (end > v.highWatermark) break;
    const belowStart = end <= v.logStartOffset;
    const expired = p.retentionMs >= 0 && v.nowMs - v.maxTimestampOf(s) > p.retentionMs;
    const oversize = p.retentionBytes >= 0 && total - s.sizeBytes >= p.retentionBytes;
    if (!belowStart && !expired && !oversize) break;
    total -= s.sizeBytes;
  }
  return n;
}
