/**
 * Sparse time index of one segment: Kafka's `.timeindex` format (int64
 * timestamp + int32 relative offset, big-endian). Entry (T, O) says the largest
 * timestamp among records up to the batch at offset O is T, and O is the batch
 * where that maximum first appeared, so every record before O is older than T.
 * Timestamps strictly increase along the index; the segment's final entry
 * (added when it rolls) carries its largest timestamp.
 */
import { assert } from "../base/assert.ts";

export const TIME_ENTRY_BYTES = 12;

export interface TimeEntry {
  timestamp: number;
  offset: number;
}

export class TimeIndex {
  #ts: Float64Array;
  #rel: Int32Array;
  #count = 0;
  persistedCount = 0;
  fileLongerThanIndex = false;

  constructor(readonly baseOffset: number, readonly entriesMax: number) {
    const cap = Math.min(entriesMax, 64);
    this.#ts = new Float64Array(cap);
    this.#rel = new Int32Array(cap);
  }

  get count(): number {
    return this.#count;
  }

  get isFull(): boolean {
    return this.#count >= this.entriesMax;
  }

  entry(i: number): TimeEntry {
    return { timestamp: this.#ts[i], offset: this.baseOffset + this.#rel[i] };
  }

  last(): TimeEntry | null {
    return this.#count === 0 ? null : this.entry(this.#count - 1);
  }

  /** Adds (timestamp, offset) when it raises the indexed maximum; false if not added. */
  maybeAppend(timestamp: number, offset: number): boolean {
    const rel = offset - this.baseOffset;
    assert(rel >= 0 && rel <= 0x7fffffff, "offset outside the segment's int32 range");
    if (this.#count > 0) {
      const i = this.#count - 1;
      if (timestamp <= this.#ts[i]) return false;
      assert(rel >= this.#rel[i], "time index offsets must not decrease");
    }
    if (this.isFull) return false;
    if (this.#count === this.#ts.length) this.#grow();
    this.#ts[this.#count] = timestamp;
    this.#rel[this.#count] = rel;
    this.#count++;
    return true;
  }

  #grow(): void {
    const cap = Math.min(this.entriesMax, this.#ts.length * 2);
    const ts = new Float64Array(cap);
    const rel = new Int32Array(cap);
    ts.set(this.#ts);
    rel.set(this.#rel);
    this.#ts = ts;
    this.#rel = rel;
  }

  /**
   * Offset from which a forward scan finds the first record with timestamp >=
   * target: the offset of the last entry older than target (all records before
   * it are older still), or the segment base.
   */
  scanStartFor(target: number): number {
    let lo = 0;
    let hi = this.#count - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#ts[mid] < target) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found < 0 ? this.baseOffset : this.baseOffset + this.#rel[found];
  }

  /** Drops entries whose offset is at or after `offset`. */
  truncateTo(offset: number): void {
    const rel = offset - this.baseOffset;
    let n = this.#count;
    while (n > 0 && this.#rel[n - 1] >= rel) n--;
    this.#count = n;
    if (n < this.persistedCount) {
      this.persistedCount = n;
      this.fileLongerThanIndex = true;
    }
  }

  encode(from: number): Uint8Array {
    const out = new Uint8Array((this.#count - from) * TIME_ENTRY_BYTES);
    const dv = new DataView(out.buffer);
    for (let i = from; i < this.#count; i++) {
      const at = (i - from) * TIME_ENTRY_BYTES;
      dv.setBigInt64(at, BigInt(this.#ts[i]));
      dv.setInt32(at + 8, this.#rel[i]);
    }
    return out;
  }

  /** Loads a `.timeindex` file, keeping its longest sane prefix (see OffsetIndex.decode). */
  static decode(
    baseOffset: number,
    entriesMax: number,
    bytes: Uint8Array,
    nextOffset: number,
  ): { index: TimeIndex; sane: boolean } {
    const index = new TimeIndex(baseOffset, entriesMax);
    let sane = bytes.length % TIME_ENTRY_BYTES === 0;
    const all = Math.floor(bytes.length / TIME_ENTRY_BYTES);
    const n = Math.min(all, entriesMax);
    if (n < all) sane = false;
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < n; i++) {
      const ts = Number(dv.getBigInt64(i * TIME_ENTRY_BYTES));
      const rel = dv.getInt32(i * TIME_ENTRY_BYTES + 8);
      const prev = index.last();
      const bad = rel < 0 || baseOffset + rel >= nextOffset ||
        (prev !== null && (ts <= prev.timestamp || baseOffset + rel < prev.offset));
      if (bad) {
        sane = false;
        break;
      }
      index.maybeAppend(ts, baseOffset + rel);
    }
    index.persistedCount = index.count;
    if (!sane) index.fileLongerThanIndex = true;
    return { index, sane };
  }
}
