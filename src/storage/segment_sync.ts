/**
 * What a flush round of one log must sync, and what it may then claim.
 * Segments with appends since their last sync are "dirty"; a new segment
 * file needs its directory synced before its data counts as flushed. A round
 * claims the written offset it started at, bounded by any truncation since
 * (rounds overlap, so each remembers where it started in the truncation log).
 */
import type { FsLayer } from "./fs.ts";
import type { Segment } from "./segment.ts";

export class SegmentSync {
  #dirty = new Set<Segment>();
  #dirNeedsSync = false;
  /** New log ends of recent truncations, numbered from #truncSeqBase. */
  #truncEnds: number[] = [];
  #truncSeqBase = 0;
  #rounds = 0;

  constructor(readonly fs: FsLayer, readonly dir: string) {}

  markDirty(s: Segment): void {
    s.dirty = true;
    this.#dirty.add(s);
  }

  /** The segment's data is synced by someone else, or it is going away. */
  forget(s: Segment): void {
    s.dirty = false;
    this.#dirty.delete(s);
  }

  segmentCreated(): void {
    this.#dirNeedsSync = true;
  }

  noteTruncation(end: number): void {
    if (this.#rounds === 0) {
      // No running round can ask about older truncations: forget them.
      this.#truncSeqBase += this.#truncEnds.length;
      this.#truncEnds = [];
    }
    this.#truncEnds.push(end);
  }

  /**
   * Syncs every dirty segment (and the directory if a segment was created);
   * resolves with a function giving the offset this round made durable.
   */
  async syncWritten(written: () => number): Promise<() => number> {
    const target = written();
    const seq = this.#truncSeqBase + this.#truncEnds.length;
    const segs = [...this.#dirty];
    this.#dirty.clear();
    const dir = this.#dirNeedsSync;
    this.#dirNeedsSync = false;
    // Every sync starts before the first await: a segment released meanwhile
    // (no longer dirty) closes its handles, and a sync must not miss that.
    const syncs: Promise<void>[] = [];
    for (const s of segs) {
      if (s.file !== null) syncs.push(s.file.sync());
      s.dirty = false;
    }
    // New segment files must have durable names before their data counts as flushed.
    if (dir) syncs.push(this.fs.syncDir(this.dir));
    this.#rounds++;
    try {
      await Promise.all(syncs);
    } catch (e) {
      for (const s of segs) this.markDirty(s);
      if (dir) this.#dirNeedsSync = true;
      throw e;
    } finally {
      this.#rounds--;
    }
    return () => Math.min(target, this.#truncatedSince(seq), written());
  }

  #truncatedSince(seq: number): number {
    let low = Number.MAX_SAFE_INTEGER;
    for (let i = Math.max(0, seq - this.#truncSeqBase); i < this.#truncEnds.length; i++) {
      low = Math.min(low, this.#truncEnds[i]);
    }
    return low;
  }
}
