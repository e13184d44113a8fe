/**
 * Named deadlines for the sans-I/O coordinator: set(key, at, fire) replaces a
 * key's deadline, cancel(key) drops it, next() is the earliest, and
 * runDue(now) fires everything due, in deadline order (then insertion order),
 * including timers a firing callback sets for no later than `now`.
 * A binary heap with lazy deletion keeps set/cancel O(log n).
 */

interface Entry {
  at: number;
  seq: number;
  key: string;
}

export class Timers {
  private readonly live = new Map<string, { seq: number; at: number; fire: () => void }>();
  private heap: Entry[] = [];
  private seq = 0;

  get size(): number {
    return this.live.size;
  }

  has(key: string): boolean {
    return this.live.has(key);
  }

  deadline(key: string): number | undefined {
    return this.live.get(key)?.at;
  }

  set(key: string, at: number, fire: () => void): void {
    const seq = ++this.seq;
    this.live.set(key, { seq, at, fire });
    this.push({ at, seq, key });
  }

  cancel(key: string): void {
    this.live.delete(key);
  }

  /** The earliest live deadline, or null. */
  next(): number | null {
    this.prune();
    return this.heap.length ? this.heap[0].at : null;
  }

  /** Fires every timer due at `nowMs`; returns how many fired. */
  runDue(nowMs: number): number {
    let fired = 0;
    for (;;) {
      this.prune();
      const top = this.heap[0];
      if (top === undefined || top.at > nowMs) return fired;
      this.pop();
      const t = this.live.get(top.key)!;
      this.live.delete(top.key);
      fired++;
      t.fire();
    }
  }

  clear(): void {
    this.live.clear();
    this.heap = [];
  }

  private stale(e: Entry): boolean {
    return this.live.get(e.key)?.seq !== e.seq;
  }

  private prune(): void {
    while (this.heap.length && this.stale(this.heap[0])) this.pop();
    // Cancelled entries deep in the heap are dropped when they outnumber the live ones.
    if (this.heap.length > 64 && this.heap.length > 4 * this.live.size) {
      this.heap = this.heap.filter((e) => !this.stale(e));
      this.heap.sort(less);
    }
  }

  private push(e: Entry): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (less(h[p], h[i]) <= 0) break;
      [h[p], h[i]] = [h[i], h[p]];
      i = p;
    }
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1, r = l + 1;
      let m = i;
      if (l < h.length && less(h[l], h[m]) < 0) m = l;
      if (r < h.length && less(h[r], h[m]) < 0) m = r;
      if (m === i) return;
      [h[m], h[i]] = [h[i], h[m]];
      i = m;
    }
  }
}

function less(a: Entry, b: Entry): number {
  return a.at !== b.at ? a.at - b.at : a.seq - b.seq;
}
