/**
 * Zigzag varints as used inside v2 records (Kafka's VARINT / VARLONG). These
 * are signed (−1 means null for lengths), unlike the unsigned +1 compact
 * lengths of the request protocol.
 *
 * Readers take a `Cursor` ({pos}) so a record walk can thread one mutable
 * position through many fields without allocating. Varlongs are held in a JS
 * number: exact up to ±2^53, decoded with arithmetic because bitwise operators
 * truncate to 32 bits.
 */
import { DecodeError } from "../decode_error.ts";

/** A read position that readers advance in place. */
export interface Cursor {
  pos: number;
}

const VARINT_BYTES_MAX = 5;
const VARLONG_BYTES_MAX = 10;

/** Reads a zigzag varint (int32) at `c.pos` and advances past it. */
export function readVarint(buf: Uint8Array, c: Cursor): number {
  let p = c.pos;
  const end = buf.length;
  // Fast path: one byte covers −64..63, the common case for small lengths.
  if (p < end) {
    const b = buf[p];
    if (b < 0x80) {
      c.pos = p + 1;
      return (b >>> 1) ^ -(b & 1);
    }
  }
  let u = 0;
  let shift = 0;
  for (let i = 0; i < VARINT_BYTES_MAX; i++) {
    if (p >= end) throw new DecodeError("short", "varint runs past the end of input");
    const b = buf[p++];
    if (i === 4 && (b & 0xf0) !== 0) {
      throw new DecodeError("bad_varint", "varint does not fit in 32 bits");
    }
    u |= (b & 0x7f) << shift;
    if (b < 0x80) {
      c.pos = p;
      return (u >>> 1) ^ -(u & 1);
    }
    shift += 7;
  }
  throw new DecodeError("bad_varint", "varint longer than 5 bytes");
}

/**
 * Reads a zigzag varlong (int64 as a JS number) at `c.pos` and advances past it.
 * Throws DecodeError("unsafe_int64") beyond ±(2^53 − 1).
 */
export function readVarlong(buf: Uint8Array, c: Cursor): number {
  let p = c.pos;
  const end = buf.length;
  if (p >= end) throw new DecodeError("short", "varlong runs past the end of input");
  let b = buf[p++];
  if (b < 0x80) {
    c.pos = p;
    return (b >>> 1) ^ -(b & 1);
  }
  // The zigzag value is 2w + sign. Track w (the magnitude part) separately so
  // every step stays exact in a float: the first byte holds sign + 6 bits of w.
  const sign = b & 1;
  let w = (b & 0x7f) >>> 1;
  let mul = 64;
  for (let i = 1; i < VARLONG_BYTES_MAX; i++) {
    if (p >= end) throw new DecodeError("short", "varlong runs past the end of input");
    b = buf[p++];
    if (i === 9 && (b & 0x7e) !== 0) {
      throw new DecodeError("bad_varint", "varlong does not fit in 64 bits");
    }
    w += (b & 0x7f) * mul;
    if (b < 0x80) {
      c.pos = p;
      if (w > Number.MAX_SAFE_INTEGER - sign) {
        throw new DecodeError("unsafe_int64", "varlong outside the exactly representable range");
      }
      return sign ? -w - 1 : w;
    }
    mul *= 128;
  }
  throw new DecodeError("bad_varint", "varlong longer than 10 bytes");
}

/** Bytes a zigzag varint takes for `v` (an int32). */
export function sizeOfVarint(v: number): number {
  let u = ((v << 1) ^ (v >> 31)) >>> 0;
  let n = 1;
  while (u >= 0x80) {
    u >>>= 7;
    n++;
  }
  return n;
}

/** Bytes a zigzag varlong takes for `v` (a safe integer). */
export function sizeOfVarlong(v: number): number {
  if (v >= -0x80000000 && v <= 0x7fffffff) return sizeOfVarint(v);
  // Magnitude part w of the zigzag value 2w + sign; the first byte takes 6 bits.
  let w = Math.floor((v >= 0 ? v : -v - 1) / 64);
  let n = 1;
  while (w > 0) {
    w = Math.floor(w / 128);
    n++;
  }
  return n;
}

/** Writes `v` (int32) as a zigzag varint at `pos`; returns the position after it. */
export function writeVarint(buf: Uint8Array, pos: number, v: number): number {
  let u = ((v << 1) ^ (v >> 31)) >>> 0;
  while (u >= 0x80) {
    buf[pos++] = (u & 0x7f) | 0x80;
    u >>>= 7;
  }
  buf[pos++] = u;
  return pos;
}

/** Writes `v` (a safe integer) as a zigzag varlong at `pos`; returns the position after it. */
export function writeVarlong(buf: Uint8Array, pos: number, v: number): number {
  if (v >= -0x80000000 && v <= 0x7fffffff) return writeVarint(buf, pos, v);
  // Zigzag value is 2w + sign; computing it directly would overflow 2^53.
  const sign = v < 0 ? 1 : 0;
  let w = sign ? -v - 1 : v;
  let b = ((w % 64) << 1) | sign;
  w = Math.floor(w / 64);
  while (w > 0) {
    buf[pos++] = b | 0x80;
    b = w % 128;
    w = Math.floor(w / 128);
  }
  buf[pos++] = b;
  return pos;
}
