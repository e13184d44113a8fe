/**
 * lz4 (codec 3): the LZ4 frame format.
 *
 * Reading: our own block decoder writes every block into one contiguous output,
 * so frames with LINKED blocks (block independence off, where a block may copy
 * from the previous 64 KiB of output, as librdkafka and `lz4 -BD` write them)
 * decode as well as independent ones. Block and content checksums are checked
 * when present.
 *
 * Writing: 64 KiB independent blocks, each compressed by lz4-wasm (its 4-byte
 * size prefix stripped), stored uncompressed when that does not shrink it; no
 * checksums beyond the header's, like Kafka's Java producer.
 *
 * KAFKA-3160: for magic 0 messages Kafka computes the header checksum over the
 * magic bytes too. `legacyHeaderChecksum` writes that form; readers choose
 * which form(s) they accept.
 */
import { compress as lz4BlockCompress } from "lz4-wasm";
import { createXXHash32 } from "hash-wasm";
import { DecodeError } from "../decode_error.ts";

const FRAME_MAGIC = 0x184d2204;
/** Skippable frames use magics 0x184D2A50..0x184D2A5F. */
const SKIPPABLE_MAGIC_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
const WRITE_BLOCK_BYTES = 64 * 1024;
const UNCOMPRESSED_BIT = 0x80000000;

// FLG bits.
const FLG_VERSION_MASK = 0xc0;
const FLG_VERSION_01 = 0x40;
const FLG_BLOCK_INDEPENDENCE = 0x20;
const FLG_BLOCK_CHECKSUM = 0x10;
const FLG_CONTENT_SIZE = 0x08;
const FLG_CONTENT_CHECKSUM = 0x04;
const FLG_RESERVED = 0x02;
const FLG_DICT_ID = 0x01;
/** BD: block max size code 4 (64 KiB) in bits 4-6. */
const BD_64K = 4 << 4;

const xxh = await createXXHash32(0);

function xxh32(bytes: Uint8Array): number {
  xxh.init();
  xxh.update(bytes);
  const d = xxh.digest("binary"); // big-endian
  return ((d[0] << 24) | (d[1] << 16) | (d[2] << 8) | d[3]) >>> 0;
}

function headerChecksum(descriptor: Uint8Array): number {
  return (xxh32(descriptor) >>> 8) & 0xff;
}

/** Which frame-header checksum a reader accepts. */
export type Lz4HeaderChecksum = "standard" | "legacy" | "either";

export interface Lz4CompressOptions {
  /** KAFKA-3160: checksum over magic + descriptor, as Kafka writes for magic 0. */
  legacyHeaderChecksum?: boolean;
}

/** Compresses `src` as one LZ4 frame of independent 64 KiB blocks. */
export function lz4Compress(src: Uint8Array, opts: Lz4CompressOptions = {}): Uint8Array {
  const parts: Uint8Array[] = [];
  let total = 7 + 4; // magic + FLG + BD + HC, end mark
  for (let s = 0; s < src.length; s += WRITE_BLOCK_BYTES) {
    const chunk = src.subarray(s, Math.min(src.length, s + WRITE_BLOCK_BYTES));
    const packed = lz4BlockCompress(chunk).subarray(4); // drop lz4-wasm's size prefix
    const raw = packed.length >= chunk.length;
    const body = raw ? chunk : packed;
    const head = new Uint8Array(4);
    new DataView(head.buffer).setUint32(
      0,
      (body.length | (raw ? UNCOMPRESSED_BIT : 0)) >>> 0,
      true,
    );
    parts.push(head, body);
    total += 4 + body.length;
  }
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, FRAME_MAGIC, true);
  out[4] = FLG_VERSION_01 | FLG_BLOCK_INDEPENDENCE;
  out[5] = BD_64K;
  out[6] = headerChecksum(out.subarray(opts.legacyHeaderChecksum ? 0 : 4, 6));
  let o = 7;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  dv.setUint32(o, 0, true); // end mark
  return out;
}

export interface Lz4DecompressOptions {
  /** Default "standard"; Kafka magic 0/1 readers pass "either". */
  headerChecksum?: Lz4HeaderChecksum;
}

function broken(msg: string): DecodeError {
  return new DecodeError("bad_compression", `lz4: ${msg}`);
}

function oversize(maxBytes: number): DecodeError {
  return new DecodeError("oversize", `lz4 output exceeds ${maxBytes} bytes`);
}

/** Output buffer that grows by doubling up to a hard cap. */
class Output {
  buf: Uint8Array;
  len = 0;
  constructor(initial: number, readonly cap: number) {
    this.buf = new Uint8Array(Math.min(cap, Math.max(initial, 64)));
  }
  /** Ensures room for `n` more bytes, or throws "oversize". */
  reserve(n: number): void {
    const need = this.len + n;
    if (need <= this.buf.length) return;
    if (need > this.cap) throw oversize(this.cap);
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = new Uint8Array(Math.min(size, this.cap));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }
}

/**
 * Decodes one raw LZ4 block src[s, end) onto `out`. Copies may reach back to
 * out[refStart] (earlier blocks' output for linked blocks); `blockMax` bounds
 * this block's output.
 */
function decodeBlock(
  src: Uint8Array,
  s: number,
  end: number,
  out: Output,
  blockMax: number,
  refStart: number,
): void {
  const blockLimit = out.len + blockMax;
  while (true) {
    if (s >= end) throw broken("block ends before a sequence token");
    const token = src[s++];
    let litLen = token >>> 4;
    if (litLen === 15) {
      let b: number;
      do {
        if (s >= end) throw broken("truncated literal length");
        b = src[s++];
        litLen += b;
      } while (b === 255);
    }
    if (s + litLen > end) throw broken("literals run past the block");
    if (out.len + litLen > blockLimit) throw broken("block exceeds its maximum size");
    out.reserve(litLen);
    let buf = out.buf;
    buf.set(src.subarray(s, s + litLen), out.len);
    out.len += litLen;
    s += litLen;
    if (s === end) return; // the last sequence carries literals only
    if (s + 2 > end) throw broken("truncated match offset");
    const offset = src[s] | (src[s + 1] << 8);
    s += 2;
    if (offset === 0 || offset > out.len - refStart) {
      throw broken(`match offset ${offset} out of range`);
    }
    let matchLen = token & 15;
    if (matchLen === 15) {
      let b: number;
      do {
        if (s >= end) throw broken("truncated match length");
        b = src[s++];
        matchLen += b;
      } while (b === 255);
    }
    matchLen += 4;
    if (out.len + matchLen > blockLimit) throw broken("block exceeds its maximum size");
    out.reserve(matchLen);
    buf = out.buf;
    let o = out.len;
    let from = o - offset;
    if (offset >= matchLen) {
      buf.copyWithin(o, from, from + matchLen);
      o += matchLen;
    } else {
      for (let k = 0; k < matchLen; k++) buf[o++] = buf[from++];
    }
    out.len = o;
  }
}

const BLOCK_MAX_BYTES: Record<number, number> = {
  4: 64 * 1024,
  5: 256 * 1024,
  6: 1024 * 1024,
  7: 4 * 1024 * 1024,
};

/**
 * Decompresses an LZ4 frame (and any frames concatenated after it; skippable
 * frames are skipped). DecodeError "oversize" past `maxBytes`,
 * "bad_compression" for a broken frame or checksum.
 */
export function lz4Decompress(
  src: Uint8Array,
  maxBytes: number,
  opts: Lz4DecompressOptions = {},
): Uint8Array {
  const accept = opts.headerChecksum ?? "standard";
  const dv = new DataView(src.buffer, src.byteOffset, src.byteLength);
  const out = new Output(src.length * 4, maxBytes);
  let p = 0;
  let frames = 0;
  while (p < src.length || frames === 0) {
    if (p + 4 > src.length) throw broken("truncated frame magic");
    const magic = dv.getUint32(p, true);
    if (((magic & SKIPPABLE_MAGIC_MASK) >>> 0) === SKIPPABLE_MAGIC) {
      if (p + 8 > src.length) throw broken("truncated skippable frame");
      const size = dv.getUint32(p + 4, true);
      if (p + 8 + size > src.length) throw broken("skippable frame runs past the input");
      p += 8 + size;
      continue;
    }
    if (magic !== FRAME_MAGIC) throw broken(`bad frame magic 0x${magic.toString(16)}`);
    p = decodeFrame(src, dv, p, out, accept);
    frames++;
  }
  return out.buf.subarray(0, out.len);
}

function decodeFrame(
  src: Uint8Array,
  dv: DataView,
  frameStart: number,
  out: Output,
  accept: Lz4HeaderChecksum,
): number {
  let p = frameStart + 4;
  if (p + 3 > src.length) throw broken("truncated frame descriptor");
  const flg = src[p];
  const bd = src[p + 1];
  if ((flg & FLG_VERSION_MASK) !== FLG_VERSION_01) throw broken("unsupported frame version");
  if (flg & FLG_RESERVED || bd & 0x8f) throw broken("reserved descriptor bits set");
  const blockMax = BLOCK_MAX_BYTES[(bd >>> 4) & 7];
  if (blockMax === undefined) throw broken(`bad block max size code ${(bd >>> 4) & 7}`);
  let descEnd = p + 2;
  let contentSize = -1;
  if (flg & FLG_CONTENT_SIZE) {
    if (descEnd + 8 > src.length) throw broken("truncated content size");
    const size = dv.getBigUint64(descEnd, true);
    if (size > BigInt(out.cap - out.len)) throw oversize(out.cap);
    contentSize = Number(size);
    descEnd += 8;
  }
  if (flg & FLG_DICT_ID) {
    // A dictionary is not something a Kafka producer can share with us.
    throw broken("frames with a dictionary id are not supported");
  }
  if (descEnd + 1 > src.length) throw broken("truncated header checksum");
  const hc = src[descEnd];
  const standardOk = accept !== "legacy" && hc === headerChecksum(src.subarray(p, descEnd));
  const legacyOk = !standardOk && accept !== "standard" &&
    hc === headerChecksum(src.subarray(frameStart, descEnd));
  if (!standardOk && !legacyOk) throw broken("frame header checksum mismatch");
  p = descEnd + 1;

  const contentStart = out.len;
  // Reserve the declared size up front, but no more than the input could
  // possibly expand to (~255x), so a lying header cannot force a huge allocation.
  if (contentSize >= 0) out.reserve(Math.min(contentSize, (src.length - p) * 256));
  const blockChecksums = (flg & FLG_BLOCK_CHECKSUM) !== 0;
  const linked = (flg & FLG_BLOCK_INDEPENDENCE) === 0;
  while (true) {
    if (p + 4 > src.length) throw broken("truncated block size");
    const word = dv.getUint32(p, true);
    p += 4;
    if (word === 0) break; // end mark
    const size = word & 0x7fffffff;
    const raw = (word & UNCOMPRESSED_BIT) !== 0;
    if (size > blockMax) throw broken(`block of ${size} bytes over the frame's maximum`);
    if (p + size > src.length) throw broken("block runs past the input");
    if (blockChecksums) {
      if (p + size + 4 > src.length) throw broken("truncated block checksum");
      if (xxh32(src.subarray(p, p + size)) !== dv.getUint32(p + size, true)) {
        throw broken("block checksum mismatch");
      }
    }
    if (raw) {
      out.reserve(size);
      out.buf.set(src.subarray(p, p + size), out.len);
      out.len += size;
    } else {
      decodeBlock(src, p, p + size, out, blockMax, linked ? contentStart : out.len);
    }
    p += size + (blockChecksums ? 4 : 0);
  }
  if (contentSize >= 0 && out.len - contentStart !== contentSize) {
    throw broken(`frame decoded to ${out.len - contentStart} bytes, header says ${contentSize}`);
  }
  if (flg & FLG_CONTENT_CHECKSUM) {
    if (p + 4 > src.length) throw broken("truncated content checksum");
    if (xxh32(out.buf.subarray(contentStart, out.len)) !== dv.getUint32(p, true)) {
      throw broken("content checksum mismatch");
    }
    p += 4;
  }
  return p;
}
