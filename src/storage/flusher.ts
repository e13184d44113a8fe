/**
 * Group commit. Appends never wait for the disk; whoever needs durability
 * (a durable acknowledgement, flush.messages, flush.ms, a checkpoint) asks the
 * flusher, which runs one sync at a time covering everything written when it
 * started, and resolves every waiter whose offset it covered. Requests that
 * arrive while a sync runs are served together by the next one, so the number
 * of fdatasync calls stays small however many waiters there are.
 */
import { assert } from "../base/assert.ts";
import { Deque } from "./deque.ts";

export interface FlushHost {
  /** Offsets below this are written (in the page cache). */
  writtenOffset(): number;
  /**
   * Syncs everything written when called; resolves with a function giving the
   * offset below which everything is now durable. It is evaluated when the
   * flusher applies the result, so a truncation that slipped in between (in
   * the same turn) still lowers it.
   */
  syncWritten(): Promise<() => number>;
  /** Called with each new flushed frontier. */
  onFlushed(offset: number): void;
  /** Called when a sync fails; the flusher stops and fails its waiters. */
  onSyncError(e: unknown): void;
}

interface Waiter {
  offset: number;
  resolve: () => void;
  reject: (e: unknown) => void;
}

export class Flusher {
  #waiters = new Deque<Waiter>();
  /** Out-of-order waiters (rare: offsets awaited after later ones). */
  #stragglers: Waiter[] = [];
  /** The running flush loop; #active is cleared in the same turn as its last check. */
  #running: Promise<void> | null = null;
  #active = false;
  #again = false;
  #failed: unknown = null;
  flushed: number;
  syncCount = 0;

  constructor(readonly host: FlushHost, flushed: number) {
    this.flushed = flushed;
  }

  get pendingWaiters(): number {
    return this.#waiters.length + this.#stragglers.length;
  }

  get isRunning(): boolean {
    return this.#active;
  }

  /** Resolves once every offset < offset + 1 is flushed (i.e. `offset` itself is durable). */
  waitFor(offset: number): Promise<void> {
    if (this.#failed !== null) return Promise.reject(this.#failed);
    if (offset < this.flushed) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const w = { offset, resolve, reject };
      const last = this.#waiters.last();
      if (last === undefined || last.offset <= offset) this.#waiters.push(w);
      else this.#stragglers.push(w);
      this.request();
    });
  }

  /** Starts a flush now, or right after the running one. */
  request(): Promise<void> {
    if (this.#failed !== null) return Promise.resolve();
    if (this.#active && this.#running !== null) {
      this.#again = true;
      return this.#running;
    }
    this.#active = true;
    this.#running = this.#loop();
    return this.#running;
  }

  async #loop(): Promise<void> {
    try {
      do {
        this.#again = false;
        let covered: number;
        try {
          const result = await this.host.syncWritten();
          covered = result();
          this.syncCount++;
        } catch (e) {
          this.host.onSyncError(e);
          return;
        }
        if (covered > this.flushed) {
          this.flushed = covered;
          this.host.onFlushed(covered);
          this.#release();
        }
      } while (this.#failed === null && (this.#again || this.#hasCoverableWaiter()));
    } finally {
      // Same turn as the last "again?" check: a request arriving after it
      // starts a new loop instead of being lost.
      this.#active = false;
    }
  }

  #hasCoverableWaiter(): boolean {
    const first = this.#waiters.first();
    if (first !== undefined && first.offset < this.host.writtenOffset()) return true;
    return this.#stragglers.some((w) => w.offset < this.host.writtenOffset());
  }

  #release(): void {
    let w = this.#waiters.first();
    while (w !== undefined && w.offset < this.flushed) {
      this.#waiters.shift();
      w.resolve();
      w = this.#waiters.first();
    }
    if (this.#stragglers.length > 0) {
      const keep: Waiter[] = [];
      for (const s of this.#stragglers) {
        if (s.offset < this.flushed) s.resolve();
        else keep.push(s);
      }
      this.#stragglers = keep;
    }
  }

  /** The log was truncated to `end`: flushed shrinks, waiters beyond fail. */
  truncated(end: number, error: () => unknown): void {
    if (this.flushed > end) this.flushed = end;
    const keep = new Deque<Waiter>();
    for (let i = 0; i < this.#waiters.length; i++) {
      const w = this.#waiters.at(i);
      if (w.offset >= end) w.reject(error());
      else keep.push(w);
    }
    this.#waiters = keep;
    this.#stragglers = this.#stragglers.filter((w) => {
      if (w.offset >= end) w.reject(error());
      return w.offset < end;
    });
  }

  /** The log restarted at `offset` (truncateFullyAndStartAt). */
  reset(offset: number, error: () => unknown): void {
    this.truncated(-1, error);
    this.flushed = offset;
  }

  /** Fails every waiter now and every later one (the log went offline). */
  fail(e: unknown): void {
    assert(e !== null, "flusher failed without a reason");
    this.#failed = e;
    for (let i = 0; i < this.#waiters.length; i++) this.#waiters.at(i).reject(e);
    for (const w of this.#stragglers) w.reject(e);
    this.#waiters.clear();
    this.#stragglers = [];
  }

  /** Waits for a running flush to finish (close, tests). */
  async idle(): Promise<void> {
    while (this.#active && this.#running !== null) await this.#running;
  }
}
