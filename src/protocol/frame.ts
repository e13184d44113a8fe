/**
 * Size-prefixed framing (int32 size, then that many bytes), sans-I/O: feed it
 * whatever bytes arrived and take out complete frames. A frame that fits inside
 * one chunk is returned as a view (no copy); only frames that span chunks are
 * assembled. Sizes are checked before anything is allocated.
 *
 * Large frames need not be assembled at all: once a frame's size is known and
 * at least `directBytesMin` of it is missing, `readTarget()` hands out the rest
 * of a buffer of exactly that size for the caller to read the socket into
 * (then `filled(n)`), so a 1 MiB produce request is copied by the kernel once
 * and never again here.
 */
import { frameBytesMax } from "../base/limits.ts";
import { DecodeError } from "./decode_error.ts";

export class FrameDecoder {
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  /** Size of the frame being assembled, or -1 while its size prefix is incomplete. */
  private need = -1;
  /** A large frame being read straight into its own buffer. */
  private direct: { buf: Uint8Array; filled: number } | null = null;

  constructor(readonly maxFrameBytes = frameBytesMax, readonly directBytesMin = 64 * 1024) {}

  /**
   * Where the next read should go when a large frame is under way (its
   * missing part), or null to read into any buffer and push() it.
   */
  readTarget(): Uint8Array | null {
    if (this.direct) return this.direct.buf.subarray(this.direct.filled);
    if (this.need < 0 || this.need - this.pendingBytes < this.directBytesMin) return null;
    const buf = new Uint8Array(this.need);
    let at = 0;
    for (const c of this.pending) {
      buf.set(c, at);
      at += c.length;
    }
    this.pending = [];
    this.pendingBytes = 0;
    this.direct = { buf, filled: at };
    return buf.subarray(at);
  }

  /** `n` bytes were read into readTarget(); returns the frame once it is complete. */
  filled(n: number): Uint8Array[] {
    const d = this.direct;
    if (!d) throw new RangeError("filled() without a readTarget()");
    d.filled += n;
    if (d.filled < d.buf.length) return [];
    this.direct = null;
    this.need = -1;
    return [d.buf];
  }

  /** Bytes buffered towards the next frame. */
  get bufferedBytes(): number {
    return this.pendingBytes + (this.direct?.filled ?? 0);
  }

  /** Feeds bytes; returns the frames (without their size prefix) completed by them. */
  push(chunk: Uint8Array): Uint8Array[] {
    if (this.direct) throw new RangeError("push() while a frame is read directly: use filled()");
    const out: Uint8Array[] = [];
    let pos = 0;
    // Fast path: nothing pending, whole frames inside this chunk.
    while (this.pendingBytes === 0 && this.need < 0 && chunk.length - pos >= 4) {
      const size = this.checkSize(readSize(chunk, pos));
      if (chunk.length - pos - 4 < size) break;
      out.push(chunk.subarray(pos + 4, pos + 4 + size));
      pos += 4 + size;
    }
    if (pos === chunk.length) return out;
    this.pending.push(chunk.subarray(pos));
    this.pendingBytes += chunk.length - pos;
    for (;;) {
      if (this.need < 0) {
        if (this.pendingBytes < 4) return out;
        this.need = this.checkSize(readSize(this.take(4), 0));
      }
      if (this.pendingBytes < this.need) return out;
      out.push(this.take(this.need));
      this.need = -1;
    }
  }

  private checkSize(size: number): number {
    if (size < 0) throw new DecodeError("bad_length", `frame size ${size}`);
    if (size > this.maxFrameBytes) {
      throw new DecodeError("oversize", `frame of ${size} bytes exceeds ${this.maxFrameBytes}`);
    }
    return size;
  }

  /** Removes n bytes from the front of the pending chunks (n <= pendingBytes). */
  private take(n: number): Uint8Array {
    if (n === 0) return new Uint8Array(0);
    const first = this.pending[0];
    if (first.length >= n) {
      const v = first.subarray(0, n);
      if (first.length === n) this.pending.shift();
      else this.pending[0] = first.subarray(n);
      this.pendingBytes -= n;
      return v;
    }
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const c = this.pending[0];
      const k = Math.min(c.length, n - filled);
      out.set(c.subarray(0, k), filled);
      filled += k;
      if (k === c.length) this.pending.shift();
      else this.pending[0] = c.subarray(k);
    }
    this.pendingBytes -= n;
    return out;
  }
}

function readSize(b: Uint8Array, pos: number): number {
  return ((b[pos] << 24) | (b[pos + 1] << 16) | (b[pos + 2] << 8) | b[pos + 3]) | 0;
}

/** The 4-byte size prefix for a frame of `size` bytes. */
export function sizePrefix(size: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, size);
  return b;
}
