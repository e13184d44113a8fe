/**
 * Bounded in-memory cache of the most recently appended batches, so readers
 * tailing a partition get bytes without a disk read. One byte budget is shared
 * by all partitions of a log manager and evicted oldest-first across them
 * (one global FIFO: the recent tail of every partition is what tailing readers
 * want). Each partition's entries stay contiguous up to its log end, so a read
 * that starts inside the cached range can be answered entirely from it.
 *
 * Entries hold the appended bytes themselves (no copy): PartitionLog.append
 * takes ownership of its input.
 */
import { assert } from "../base/assert.ts";
import { recentCacheBatchBytesMax, recentCacheBytesMax } from "../base/limits.ts";
import { Deque } from "./deque.ts";

const EMPTY = new Uint8Array(0);

interface Entry {
  baseOffset: number;
  lastOffset: number;
  bytes: Uint8Array;
  owner: PartitionCache;
  live: boolean;
}

export interface CachedRead {
  chunks: Uint8Array[];
  sizeBytes: number;
  firstOffset: number;
}

export class RecentCache {
  #fifo = new Deque<Entry>();
  bytes = 0;
  hits = 0;
  misses = 0;

  constructor(readonly bytesMax = recentCacheBytesMax) {}

  partition(): PartitionCache {
    return new PartitionCache(this);
  }

  admit(e: Entry): void {
    this.#fifo.push(e);
    this.bytes += e.bytes.length;
    while (this.bytes > this.bytesMax) {
      const old = this.#fifo.shift();
      assert(old !== undefined, "cache accounting drifted");
      if (old.live) old.owner.evictOldest(old);
    }
  }

  /** Called by a partition when it drops an entry itself. */
  released(e: Entry): void {
    e.live = false;
    this.bytes -= e.bytes.length;
    // The FIFO may hold the entry a while longer; do not let it pin the bytes.
    e.bytes = EMPTY;
  }

  /** Called for entries popped from the global FIFO after their partition dropped them. */
  forgetDead(): void {
    while (this.#fifo.first()?.live === false) this.#fifo.shift();
  }
}

export class PartitionCache {
  #entries = new Deque<Entry>();

  constructor(readonly shared: RecentCache) {}

  get firstOffset(): number {
    return this.#entries.first()?.baseOffset ?? -1;
  }

  get size(): number {
    return this.#entries.length;
  }

  /** Adds one batch appended at the log end. Non-contiguous input restarts the cache. */
  add(baseOffset: number, lastOffset: number, bytes: Uint8Array): void {
    const tail = this.#entries.last();
    if (tail !== undefined && tail.lastOffset + 1 !== baseOffset) this.clear();
    if (bytes.length > recentCacheBatchBytesMax || bytes.length > this.shared.bytesMax) {
      // Too big to hold: the cache must not have a hole, so start over after it.
      this.clear();
      return;
    }
    const e: Entry = { baseOffset, lastOffset, bytes, owner: this, live: true };
    this.#entries.push(e);
    this.shared.admit(e);
  }

  evictOldest(e: Entry): void {
    const first = this.#entries.shift();
    assert(first === e, "cache eviction out of order");
    this.shared.released(e);
  }

  clear(): void {
    while (this.#entries.length > 0) this.shared.released(this.#entries.shift()!);
    this.shared.forgetDead();
  }

  /** Drops entries holding offsets at or after `offset` (truncation). */
  dropFrom(offset: number): void {
    let e = this.#entries.last();
    while (e !== undefined && e.lastOffset >= offset) {
      this.#entries.pop();
      this.shared.released(e);
      e = this.#entries.last();
    }
  }

  /** Drops entries wholly below `offset` (retention, compaction). */
  dropBelow(offset: number): void {
    let e = this.#entries.first();
    while (e !== undefined && e.lastOffset < offset) {
      this.#entries.shift();
      this.shared.released(e);
      e = this.#entries.first();
    }
    this.shared.forgetDead();
  }

  /**
   * Serves a read when `offset` falls in the cached range: batches from the
   * one holding `offset`, ending before any batch that reaches `upperOffset`,
   * at most `maxBytes` (the last batch may be cut, as Kafka does) but always
   * the whole first batch when `minOneBatch`. Null when not cached.
   */
  read(
    offset: number,
    maxBytes: number,
    upperOffset: number,
    minOneBatch: boolean,
  ): CachedRead | null {
    const n = this.#entries.length;
    if (n === 0 || offset < this.#entries.at(0).baseOffset) {
      this.shared.misses++;
      return null;
    }
    const i = this.#entries.lastIndexWhere((e) => e.baseOffset <= offset);
    if (i < 0 || this.#entries.at(i).lastOffset < offset) {
      this.shared.misses++;
      return null;
    }
    this.shared.hits++;
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (let j = i; j < n; j++) {
      const e = this.#entries.at(j);
      if (e.lastOffset >= upperOffset) break;
      const left = maxBytes - size;
      if (e.bytes.length <= left || (j === i && minOneBatch)) {
        chunks.push(e.bytes);
        size += e.bytes.length;
      } else {
        if (left > 0) {
          chunks.push(e.bytes.subarray(0, left));
          size += left;
        }
        break;
      }
    }
    return {
      chunks,
      sizeBytes: size,
      firstOffset: chunks.length > 0 ? this.#entries.at(i).baseOffset : -1,
    };
  }
}
