/**
 * snappy (codec 2): our own raw snappy block codec plus the xerial framing the
 * Java client writes (magic, version, compat, then int32-length-prefixed raw
 * blocks of up to 32 KiB input). We write xerial, since every Kafka client
 * reads it; we read both xerial and plain raw snappy, since some clients send
 * the latter.
 *
 * Raw format: unsigned varint uncompressed length, then elements tagged by the
 * low 2 bits of their first byte: 00 literal, 01 copy with an 11-bit offset and
 * length 4..11, 10 copy with a 16-bit offset, 11 copy with a 32-bit offset.
 */
import { DecodeError } from "../decode_error.ts";

const XERIAL_MAGIC = [0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00];
const XERIAL_HEADER_BYTES = 16;
const XERIAL_VERSION = 1;
const XERIAL_COMPAT = 1;
/** Java's SnappyOutputStream default block size. */
const XERIAL_BLOCK_BYTES = 32 * 1024;

/** Matches never cross a fragment, so 16-bit offsets always suffice. */
const FRAGMENT_BYTES = 64 * 1024;
const HASH_BITS = 14;
const HASH_SIZE = 1 << HASH_BITS;
/** Below this, emitting a literal costs less than searching for matches. */
const MIN_MATCH_INPUT = 15;

// --- raw block compression ---------------------------------------------------

/** Worst case compressed size of `n` input bytes (snappy's MaxCompressedLength). */
export function snappyMaxCompressedLength(n: number): number {
  return 32 + n + Math.floor(n / 6);
}

const table = new Int32Array(HASH_SIZE);

function load32(b: Uint8Array, i: number): number {
  return (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0;
}

function hash(u: number): number {
  return Math.imul(u, 0x1e35a7bd) >>> (32 - HASH_BITS);
}

function writeUvarint(out: Uint8Array, o: number, v: number): number {
  while (v >= 0x80) {
    out[o++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  out[o++] = v;
  return o;
}

function emitLiteral(out: Uint8Array, o: number, src: Uint8Array, s: number, len: number): number {
  const n = len - 1;
  if (n < 60) {
    out[o++] = n << 2;
  } else if (n < 0x100) {
    out[o++] = 60 << 2;
    out[o++] = n;
  } else if (n < 0x10000) {
    out[o++] = 61 << 2;
    out[o++] = n & 0xff;
    out[o++] = n >>> 8;
  } else if (n < 0x1000000) {
    out[o++] = 62 << 2;
    out[o++] = n & 0xff;
    out[o++] = (n >>> 8) & 0xff;
    out[o++] = n >>> 16;
  } else {
    out[o++] = 63 << 2;
    out[o++] = n & 0xff;
    out[o++] = (n >>> 8) & 0xff;
    out[o++] = (n >>> 16) & 0xff;
    out[o++] = n >>> 24;
  }
  out.set(src.subarray(s, s + len), o);
  return o + len;
}

function emitCopyAtMost64(out: Uint8Array, o: number, offset: number, len: number): number {
  if (len < 12 && offset < 2048) {
    out[o++] = 1 | ((len - 4) << 2) | ((offset >>> 8) << 5);
    out[o++] = offset & 0xff;
  } else {
    out[o++] = 2 | ((len - 1) << 2);
    out[o++] = offset & 0xff;
    out[o++] = offset >>> 8;
  }
  return o;
}

function emitCopy(out: Uint8Array, o: number, offset: number, len: number): number {
  // Split long matches so the tail is never shorter than 4 (the 1-byte form's minimum).
  while (len >= 68) {
    o = emitCopyAtMost64(out, o, offset, 64);
    len -= 64;
  }
  if (len > 64) {
    o = emitCopyAtMost64(out, o, offset, 60);
    len -= 60;
  }
  return emitCopyAtMost64(out, o, offset, len);
}

/** Compresses one fragment [start, end) of `src` into `out` at `o`; returns the new `o`. */
function compressFragment(
  src: Uint8Array,
  start: number,
  end: number,
  out: Uint8Array,
  o: number,
): number {
  let lit = start;
  if (end - start >= MIN_MATCH_INPUT) {
    table.fill(-1);
    // Leave room so the 4-byte loads never read past the fragment.
    const limit = end - 4;
    let i = start + 1;
    let skip = 32;
    while (i <= limit) {
      const u = load32(src, i);
      const h = hash(u);
      const cand = table[h];
      table[h] = i;
      if (cand < 0 || load32(src, cand) !== u) {
        // Search faster through data that does not compress.
        i += skip++ >>> 5;
        continue;
      }
      skip = 32;
      if (i > lit) o = emitLiteral(out, o, src, lit, i - lit);
      let len = 4;
      while (i + len < end && src[cand + len] === src[i + len]) len++;
      o = emitCopy(out, o, i - cand, len);
      i += len;
      lit = i;
      // Seed the table with the position just before so runs keep matching.
      if (i - 1 <= limit) table[hash(load32(src, i - 1))] = i - 1;
    }
  }
  if (lit < end) o = emitLiteral(out, o, src, lit, end - lit);
  return o;
}

/** Compresses `src` as one raw snappy block (no framing). */
export function snappyCompressRaw(src: Uint8Array): Uint8Array {
  const out = new Uint8Array(snappyMaxCompressedLength(src.length));
  let o = writeUvarint(out, 0, src.length);
  for (let s = 0; s < src.length; s += FRAGMENT_BYTES) {
    o = compressFragment(src, s, Math.min(src.length, s + FRAGMENT_BYTES), out, o);
  }
  return out.slice(0, o);
}

// --- raw block decompression -------------------------------------------------

function broken(msg: string): DecodeError {
  return new DecodeError("bad_compression", `snappy: ${msg}`);
}

/**
 * The most output one input byte can produce: a 3-byte copy element yields at
 * most 64 bytes. A preamble claiming more than this cannot be honest, so it is
 * refused before the output is allocated.
 */
const EXPANSION_MAX = 22;

/** Reads the uncompressed length preamble; returns [length, bytes used]. */
function readPreamble(src: Uint8Array, start: number, end: number): [number, number] {
  let v = 0;
  let mul = 1;
  for (let i = 0; i < 5; i++) {
    if (start + i >= end) throw broken("truncated length preamble");
    const b = src[start + i];
    v += (b & 0x7f) * mul;
    if (b < 0x80) {
      if (v > 0xffffffff) throw broken("length preamble exceeds 32 bits");
      if (v > (end - start - i - 1) * EXPANSION_MAX) {
        throw broken(`length preamble ${v} is impossible for ${end - start} input bytes`);
      }
      return [v, i + 1];
    }
    mul *= 128;
  }
  throw broken("length preamble longer than 5 bytes");
}

/** Uncompressed size a raw snappy block declares. */
export function snappyUncompressedLength(src: Uint8Array): number {
  return readPreamble(src, 0, src.length)[0];
}

/**
 * Decodes the raw block src[start, end) into out[o, o + declared length);
 * `out` must have room. Returns the end position in `out`.
 */
function decodeRawInto(
  src: Uint8Array,
  start: number,
  end: number,
  out: Uint8Array,
  o: number,
  declared: number,
): number {
  const base = o;
  const oEnd = o + declared;
  let s = start;
  while (s < end) {
    const tag = src[s++];
    const type = tag & 3;
    if (type === 0) {
      let len = tag >>> 2;
      if (len >= 60) {
        const extra = len - 59;
        if (s + extra > end) throw broken("truncated literal length");
        len = 0;
        for (let k = 0; k < extra; k++) len += src[s + k] * 2 ** (8 * k);
        s += extra;
      }
      len += 1;
      if (s + len > end) throw broken("literal runs past the input");
      if (o + len > oEnd) throw broken("literal runs past the declared length");
      out.set(src.subarray(s, s + len), o);
      s += len;
      o += len;
      continue;
    }
    let len: number;
    let offset: number;
    if (type === 1) {
      if (s >= end) throw broken("truncated copy");
      len = 4 + ((tag >>> 2) & 7);
      offset = ((tag >>> 5) << 8) | src[s++];
    } else if (type === 2) {
      if (s + 2 > end) throw broken("truncated copy");
      len = (tag >>> 2) + 1;
      offset = src[s] | (src[s + 1] << 8);
      s += 2;
    } else {
      if (s + 4 > end) throw broken("truncated copy");
      len = (tag >>> 2) + 1;
      offset = load32(src, s);
      s += 4;
    }
    if (offset === 0 || offset > o - base) throw broken(`copy offset ${offset} out of range`);
    if (o + len > oEnd) throw broken("copy runs past the declared length");
    let from = o - offset;
    if (offset >= len) {
      out.copyWithin(o, from, from + len);
      o += len;
    } else {
      // Overlapping copy repeats the last `offset` bytes: go byte by byte.
      for (let k = 0; k < len; k++) out[o++] = out[from++];
    }
  }
  if (o !== oEnd) throw broken(`decoded ${o - base} bytes, preamble says ${declared}`);
  return o;
}

/** Decompresses one raw snappy block, refusing a declared length over `maxBytes`. */
export function snappyDecompressRaw(src: Uint8Array, maxBytes: number): Uint8Array {
  const [declared, used] = readPreamble(src, 0, src.length);
  if (declared > maxBytes) {
    throw new DecodeError("oversize", `snappy output of ${declared} bytes exceeds ${maxBytes}`);
  }
  const out = new Uint8Array(declared);
  decodeRawInto(src, used, src.length, out, 0, declared);
  return out;
}

// --- xerial framing ----------------------------------------------------------

/** True if `src` starts with the xerial snappy header. */
export function isXerial(src: Uint8Array): boolean {
  if (src.length < XERIAL_HEADER_BYTES) return false;
  for (let i = 0; i < XERIAL_MAGIC.length; i++) if (src[i] !== XERIAL_MAGIC[i]) return false;
  return true;
}

/** Compresses `src` in xerial framing, as Kafka's Java producer writes snappy. */
export function snappyCompress(src: Uint8Array): Uint8Array {
  const blocks: Uint8Array[] = [];
  let total = XERIAL_HEADER_BYTES;
  for (let s = 0; s < src.length; s += XERIAL_BLOCK_BYTES) {
    const b = snappyCompressRaw(src.subarray(s, Math.min(src.length, s + XERIAL_BLOCK_BYTES)));
    blocks.push(b);
    total += 4 + b.length;
  }
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  out.set(XERIAL_MAGIC, 0);
  dv.setInt32(8, XERIAL_VERSION);
  dv.setInt32(12, XERIAL_COMPAT);
  let o = XERIAL_HEADER_BYTES;
  for (const b of blocks) {
    dv.setInt32(o, b.length);
    out.set(b, o + 4);
    o += 4 + b.length;
  }
  return out;
}

/**
 * Decompresses xerial-framed or plain raw snappy. DecodeError "oversize" if the
 * output would pass `maxBytes`, "bad_compression" if the input is broken.
 */
export function snappyDecompress(src: Uint8Array, maxBytes: number): Uint8Array {
  if (!isXerial(src)) return snappyDecompressRaw(src, maxBytes);
  const dv = new DataView(src.buffer, src.byteOffset, src.byteLength);
  // First pass: frame the blocks and sum their declared sizes, so the output
  // is allocated once and the bound is checked before any work.
  const starts: number[] = [];
  const ends: number[] = [];
  const sizes: number[] = [];
  let total = 0;
  let p = XERIAL_HEADER_BYTES;
  while (p < src.length) {
    if (p + 4 > src.length) throw broken("truncated xerial block length");
    const len = dv.getInt32(p);
    p += 4;
    if (len < 0 || p + len > src.length) throw broken(`xerial block length ${len} out of range`);
    const [declared, used] = readPreamble(src, p, p + len);
    total += declared;
    if (total > maxBytes) {
      throw new DecodeError("oversize", `snappy output exceeds ${maxBytes} bytes`);
    }
    starts.push(p + used);
    ends.push(p + len);
    sizes.push(declared);
    p += len;
  }
  const out = new Uint8Array(total);
  let o = 0;
  for (let i = 0; i < starts.length; i++) {
    o = decodeRawInto(src, starts[i], ends[i], out, o, sizes[i]);
  }
  return out;
}
