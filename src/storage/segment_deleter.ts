/**
 * Asynchronous deletion of whole segments, as Kafka does it: the files are
 * renamed to `.deleted` at once (so the name is free and recovery knows to
 * remove them) and removed after file.delete.delay.ms in the background.
 */
import type { FsLayer } from "./fs.ts";
import { DELETED_SUFFIX, type Segment } from "./segment.ts";

export class SegmentDeleter {
  #pending: { paths: string[]; dueMs: number }[] = [];

  constructor(readonly fs: FsLayer) {}

  get pendingCount(): number {
    return this.#pending.length;
  }

  /** Renames the segments' files now; they are removed once `dueMs` has passed. */
  schedule(segs: Segment[], dueMs: number): void {
    const paths: string[] = [];
    for (const s of segs) paths.push(...s.renameAll(DELETED_SUFFIX));
    if (paths.length > 0) this.#pending.push({ paths, dueMs });
  }

  /** Removes the files due at `nowMs` (all when `all`). */
  async removeDue(nowMs: number, all = false): Promise<void> {
    const due = this.#pending.filter((d) => all || d.dueMs <= nowMs);
    if (due.length === 0) return;
    this.#pending = this.#pending.filter((d) => !due.includes(d));
    for (const d of due) for (const p of d.paths) await this.fs.remove(p);
  }
}
