/**
 * Sparse offset index of one segment: Kafka's `.index` file format (entries of
 * int32 offset relative to the segment base + int32 byte position, big-endian),
 * one entry per index.interval.bytes of log. An entry names the baseOffset of
 * the batch starting at that position, so a lookup gives a position where a
 * forward scan for any later offset can start, and recovery can verify an
 * entry by reading the batch it points at.
 *
 * Held in memory; `persistedCount` tracks how much of it the file has, so the
 * segment appends only new entries (or cuts the file after a truncation).
 */
import { assert } from "../base/assert.ts";

export const OFFSET_ENTRY_BYTES = 8;

export interface IndexEntry {
  offset: number;
  position: number;
}

export class OffsetIndex {
  #rel: Int32Array;
  #pos: Int32Array;
  #count = 0;
  /** Entries already in the file (the file may hold more after a truncation). */
  persistedCount = 0;
  /** Set when entries below persistedCount were dropped and the file must be cut. */
  fileLongerThanIndex = false;

  constructor(readonly baseOffset: number, readonly entriesMax: number) {
    const cap = Math.min(entriesMax, 64);
    this.#rel = new Int32Array(cap);
    this.#pos = new Int32Array(cap);
  }

  get count(): number {
    return this.#count;
  }

  get isFull(): boolean {
    return this.#count >= this.entriesMax;
  }

  entry(i: number): IndexEntry {
    return { offset: this.baseOffset + this.#rel[i], position: this.#pos[i] };
  }

  last(): IndexEntry | null {
    return this.#count === 0 ? null : this.entry(this.#count - 1);
  }

  append(offset: number, position: number): void {
    const rel = offset - this.baseOffset;
    assert(!this.isFull, "offset index append when full");
    assert(rel >= 0 && rel <= 0x7fffffff, "offset outside the segment's int32 range");
    if (this.#count > 0) {
      const i = this.#count - 1;
      assert(rel > this.#rel[i] && position > this.#pos[i], "offset index entries must increase");
    }
    if (this.#count === this.#rel.length) this.#grow();
    this.#rel[this.#count] = rel;
    this.#pos[this.#count] = position;
    this.#count++;
  }

  #grow(): void {
    const cap = Math.min(this.entriesMax, this.#rel.length * 2);
    const rel = new Int32Array(cap);
    const pos = new Int32Array(cap);
    rel.set(this.#rel);
    pos.set(this.#pos);
    this.#rel = rel;
    this.#pos = pos;
  }

  /** Largest entry with offset <= target, or the segment start. */
  lookup(target: number): IndexEntry {
    const rel = target - this.baseOffset;
    let lo = 0;
    let hi = this.#count - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#rel[mid] <= rel) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found < 0 ? { offset: this.baseOffset, position: 0 } : this.entry(found);
  }

  /** Drops entries at or after `offset` (the log was cut there). */
  truncateTo(offset: number): void {
    const rel = offset - this.baseOffset;
    let n = this.#count;
    while (n > 0 && this.#rel[n - 1] >= rel) n--;
    this.#setCount(n);
  }

  /** Drops entries at or after byte `position`. */
  truncateToPosition(position: number): void {
    let n = this.#count;
    while (n > 0 && this.#pos[n - 1] >= position) n--;
    this.#setCount(n);
  }

  #setCount(n: number): void {
    this.#count = n;
    if (n < this.persistedCount) {
      this.persistedCount = n;
      this.fileLongerThanIndex = true;
    }
  }

  /** File bytes for entries [from, count). */
  encode(from: number): Uint8Array {
    const out = new Uint8Array((this.#count - from) * OFFSET_ENTRY_BYTES);
    const dv = new DataView(out.buffer);
    for (let i = from; i < this.#count; i++) {
      const at = (i - from) * OFFSET_ENTRY_BYTES;
      dv.setInt32(at, this.#rel[i]);
      dv.setInt32(at + 4, this.#pos[i]);
    }
    return out;
  }

  /**
   * Loads a `.index` file. Keeps the longest prefix of entries that is sane
   * (strictly increasing, positions inside a log of `logSizeBytes`) and says
   * whether the whole file was.
   */
  static decode(
    baseOffset: number,
    entriesMax: number,
    bytes: Uint8Array,
    logSizeBytes: number,
  ): { index: OffsetIndex; sane: boolean } {
    const index = new OffsetIndex(baseOffset, entriesMax);
    let sane = bytes.length % OFFSET_ENTRY_BYTES === 0;
    const n = Math.min(Math.floor(bytes.length / OFFSET_ENTRY_BYTES), entriesMax);
    if (n < Math.floor(bytes.length / OFFSET_ENTRY_BYTES)) sane = false;
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let prevRel = -1;
    let prevPos = -1;
    for (let i = 0; i < n; i++) {
      const rel = dv.getInt32(i * OFFSET_ENTRY_BYTES);
      const pos = dv.getInt32(i * OFFSET_ENTRY_BYTES + 4);
      if (rel <= prevRel || pos <= prevPos || pos >= logSizeBytes) {
        sane = false;
        break;
      }
      index.append(baseOffset + rel, pos);
      prevRel = rel;
      prevPos = pos;
    }
    index.persistedCount = index.count;
    if (!sane) index.fileLongerThanIndex = true;
    return { index, sane };
  }
}
