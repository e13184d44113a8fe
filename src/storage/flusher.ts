/**
 * Group commit. Appends never wait for the disk; whoever needs durability
 * (a durable acknowledgement, flush.messages, flush.ms, a checkpoint) tells
 * the flusher, which runs fdatasync rounds covering everything written when
 * each round started, and resolves every waiter a finished round covers.
 *
 * Rounds overlap: when demand persists while a round runs, another starts
 * once enough new bytes are written (up to flushSyncsInFlightMax at once).
 * Appends arrive in bursts (many requests handled in one event-loop turn);
 * a single round at a time would leave the disk idle during each burst and
 * the producers idle during each sync. A round never starts with nothing new
 * to sync, and any finished round covers all data written before it began,
 * so the flushed frontier is the largest target of a finished round.
 */
import { assert } from "../base/assert.ts";
import { flushSyncsInFlightMax } from "../base/limits.ts";
import { Deque } from "./deque.ts";

/** New bytes that justify another round while one is already running. */
const ROUND_SPACING_BYTES = 4 * 1024 * 1024;

export interface FlushHost {
  /** Offsets below this are written (in the page cache). */
  writtenOffset(): number;
  /** Total bytes appended so far (only differences matter). */
  writtenBytes(): number;
  /**
   * Syncs everything written when called; resolves with a function giving the
   * offset below which everything is now durable. It is evaluated when the
   * flusher applies the result, so a truncation that slipped in between still
   * lowers it.
   */
  syncWritten(): Promise<() => number>;
  /** Called with each new flushed frontier. */
  onFlushed(offset: number): void;
  /** Called when a sync fails; the host fails the flusher (fail()). */
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
  /** Offsets below this are wanted durable by someone. */
  #wanted: number;
  /** Written offset (and byte count) when the latest round started. */
  #startedTarget: number;
  #startedBytes = 0;
  #inflight = 0;
  #idle: (() => void)[] = [];
  #failed: unknown = null;
  flushed: number;
  syncCount = 0;

  constructor(readonly host: FlushHost, flushed: number) {
    this.flushed = flushed;
    this.#wanted = flushed;
    this.#startedTarget = flushed;
  }

  get pendingWaiters(): number {
    return this.#waiters.length + this.#stragglers.length;
  }

  get isRunning(): boolean {
    return this.#inflight > 0;
  }

  /** Resolves once `offset` itself is flushed. */
  waitFor(offset: number): Promise<void> {
    if (this.#failed !== null) return Promise.reject(this.#failed);
    if (offset < this.flushed) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const w = { offset, resolve, reject };
      const last = this.#waiters.last();
      if (last === undefined || last.offset <= offset) this.#waiters.push(w);
      else this.#stragglers.push(w);
      this.#want(offset + 1);
    });
  }

  /** Asks for everything written so far to be flushed (no waiting). */
  request(): void {
    this.#want(this.host.writtenOffset());
  }

  /** Called after appends: demand for offsets not yet written can now be met. */
  onAppend(): void {
    if (this.#wanted > this.#startedTarget) this.#pump();
  }

  #want(offset: number): void {
    if (offset > this.#wanted) this.#wanted = offset;
    this.#pump();
  }

  #pump(): void {
    while (this.#failed === null && this.#wanted > this.#startedTarget) {
      const written = this.host.writtenOffset();
      if (written <= this.#startedTarget) return;
      if (this.#inflight >= flushSyncsInFlightMax) return;
      const bytes = this.host.writtenBytes();
      if (this.#inflight > 0 && bytes - this.#startedBytes < ROUND_SPACING_BYTES) return;
      this.#startedTarget = written;
      this.#startedBytes = bytes;
      this.#inflight++;
      void this.#round();
    }
  }

  async #round(): Promise<void> {
    let covered: number;
    try {
      const result = await this.host.syncWritten();
      covered = result();
      this.syncCount++;
    } catch (e) {
      this.#finished();
      this.host.onSyncError(e);
      return;
    }
    this.#finished();
    if (covered > this.flushed) {
      this.flushed = covered;
      this.host.onFlushed(covered);
      this.#release();
    }
    this.#pump();
  }

  #finished(): void {
    this.#inflight--;
    if (this.#inflight === 0) { for (const f of this.#idle.splice(0)) f(); }
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

  /** The log was truncated to `end`: frontiers shrink, waiters beyond fail. */
  truncated(end: number, error: () => unknown): void {
    if (this.flushed > end) this.flushed = end;
    if (this.#wanted > end) this.#wanted = end;
    if (this.#startedTarget > end) this.#startedTarget = end;
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

  /** The log restarted empty at `offset` (truncateFullyAndStartAt). */
  reset(offset: number, error: () => unknown): void {
    this.truncated(-1, error);
    this.flushed = offset;
    this.#wanted = offset;
    this.#startedTarget = offset;
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

  /** Resolves when no round is running (close, tests). */
  idle(): Promise<void> {
    if (this.#inflight === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }
}
