/**
 * Bounds how many immutable segments keep an open file and loaded indexes at
 * once (openSegmentsMax), across all partitions of a log manager. Segments are
 * touched on use and the least recently used one is released when over the
 * bound; active segments and segments with unsynced data are not counted
 * against it by release() (they refuse), which is fine: there are few.
 */
import { openSegmentsMax } from "../base/limits.ts";
import type { Segment } from "./segment.ts";

export class SegmentPool {
  #open = new Set<Segment>();

  constructor(readonly segmentsMax = openSegmentsMax) {}

  get openCount(): number {
    return this.#open.size;
  }

  touch(s: Segment): void {
    if (s.active) return;
    // Set keeps insertion order: re-inserting makes s the most recent.
    this.#open.delete(s);
    this.#open.add(s);
    if (this.#open.size <= this.segmentsMax) return;
    for (const old of this.#open) {
      if (this.#open.size <= this.segmentsMax) break;
      if (old === s) continue;
      old.release();
      if (!old.isOpen) this.#open.delete(old);
    }
  }

  forget(s: Segment): void {
    this.#open.delete(s);
  }
}
