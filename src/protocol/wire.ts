/**
 * Primitive wire encodings (Kafka protocol guide, "Protocol Primitive Types"),
 * used by the generated codecs. Reader throws only DecodeError and never
 * allocates more than the input could hold: every length is checked against the
 * bytes that remain before anything is read or allocated.
 */
import { arrayCountMax } from "../base/limits.ts";
import { DecodeError } from "./decode_error.ts";
import { uuidFromBytes, uuidToBytes } from "./uuid.ts";

/** A record set on the write side: one buffer, or stored chunks written back to back. */
export type Records = Uint8Array | readonly Uint8Array[];

/** A tagged field the schema does not know, kept so re-encoding is lossless. */
export interface UnknownTag {
  tag: number;
  data: Uint8Array;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });
const utf8Encoder = new TextEncoder();

export class Reader {
  readonly dv: DataView;
  pos: number;
  end: number;

  constructor(readonly buf: Uint8Array, pos = 0, end = buf.length) {
    this.dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.pos = pos;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  need(n: number): void {
    if (n > this.end - this.pos) {
      throw new DecodeError("short", `need ${n} bytes at ${this.pos}, have ${this.end - this.pos}`);
    }
  }

  bool(): boolean {
    this.need(1);
    return this.buf[this.pos++] !== 0;
  }
  int8(): number {
    this.need(1);
    return this.dv.getInt8(this.pos++);
  }
  int16(): number {
    this.need(2);
    const v = this.dv.getInt16(this.pos);
    this.pos += 2;
    return v;
  }
  uint16(): number {
    this.need(2);
    const v = this.dv.getUint16(this.pos);
    this.pos += 2;
    return v;
  }
  int32(): number {
    this.need(4);
    const v = this.dv.getInt32(this.pos);
    this.pos += 4;
    return v;
  }
  uint32(): number {
    this.need(4);
    const v = this.dv.getUint32(this.pos);
    this.pos += 4;
    return v;
  }
  /** int64 as a JS number; values beyond 2^53 cannot be represented and are rejected. */
  int64(): number {
    this.need(8);
    const hi = this.dv.getInt32(this.pos);
    const lo = this.dv.getUint32(this.pos + 4);
    this.pos += 8;
    if (hi > 0x1fffff || hi < -0x200000) {
      throw new DecodeError("unsafe_int64", `int64 at ${this.pos - 8} exceeds 2^53`);
    }
    return hi * 4294967296 + lo;
  }
  float64(): number {
    this.need(8);
    const v = this.dv.getFloat64(this.pos);
    this.pos += 8;
    return v;
  }
  uvarint(): number {
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      this.need(1);
      const b = this.buf[this.pos++];
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) {
        if (result > 0xffffffff) {
          throw new DecodeError("bad_varint", "unsigned varint over 32 bits");
        }
        return result;
      }
    }
    throw new DecodeError("bad_varint", `unsigned varint longer than 5 bytes at ${this.pos}`);
  }
  uuid(): string {
    this.need(16);
    const v = uuidFromBytes(this.buf.subarray(this.pos, this.pos + 16));
    this.pos += 16;
    return v;
  }

  private text(len: number): string {
    this.need(len);
    const start = this.pos;
    this.pos += len;
    if (len < 64) {
      let ascii = true;
      for (let i = start; i < start + len; i++) {
        if (this.buf[i] >= 0x80) {
          ascii = false;
          break;
        }
      }
      if (ascii) {
        return String.fromCharCode.apply(
          null,
          this.buf.subarray(start, start + len) as unknown as number[],
        );
      }
    }
    try {
      return utf8.decode(this.buf.subarray(start, start + len));
    } catch {
      throw new DecodeError("bad_utf8", `string at ${start} is not UTF-8`);
    }
  }
  private raw(len: number): Uint8Array {
    this.need(len);
    const v = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return v;
  }

  string(): string {
    const len = this.int16();
    if (len < 0) throw new DecodeError("bad_length", `non-nullable string has length ${len}`);
    return this.text(len);
  }
  nullableString(): string | null {
    const len = this.int16();
    if (len === -1) return null;
    if (len < 0) throw new DecodeError("bad_length", `string length ${len}`);
    return this.text(len);
  }
  compactString(): string {
    const n = this.uvarint();
    if (n === 0) throw new DecodeError("bad_length", "non-nullable compact string is null");
    return this.text(n - 1);
  }
  compactNullableString(): string | null {
    const n = this.uvarint();
    return n === 0 ? null : this.text(n - 1);
  }
  bytes(): Uint8Array {
    const len = this.int32();
    if (len < 0) throw new DecodeError("bad_length", `non-nullable bytes has length ${len}`);
    return this.raw(len);
  }
  nullableBytes(): Uint8Array | null {
    const len = this.int32();
    if (len === -1) return null;
    if (len < 0) throw new DecodeError("bad_length", `bytes length ${len}`);
    return this.raw(len);
  }
  compactBytes(): Uint8Array {
    const n = this.uvarint();
    if (n === 0) throw new DecodeError("bad_length", "non-nullable compact bytes is null");
    return this.raw(n - 1);
  }
  compactNullableBytes(): Uint8Array | null {
    const n = this.uvarint();
    return n === 0 ? null : this.raw(n - 1);
  }

  /** Array element count (int32, -1 = null), bounded by the bytes left (>= 1 byte per element). */
  arrayLength(): number {
    return this.checkCount(this.int32());
  }
  /** Compact array element count (uvarint N+1, 0 = null); -1 for null. */
  compactArrayLength(): number {
    return this.checkCount(this.uvarint() - 1);
  }
  private checkCount(n: number): number {
    if (n < -1) throw new DecodeError("bad_length", `array count ${n}`);
    if (n > this.end - this.pos || n > arrayCountMax) {
      throw new DecodeError(
        "bad_length",
        `array count ${n} exceeds the ${this.end - this.pos} bytes left`,
      );
    }
    return n;
  }

  array<T>(read: (r: Reader) => T): T[] {
    const n = this.arrayLength();
    if (n < 0) throw new DecodeError("bad_length", "non-nullable array is null");
    return this.elements(n, read);
  }
  nullableArray<T>(read: (r: Reader) => T): T[] | null {
    const n = this.arrayLength();
    return n < 0 ? null : this.elements(n, read);
  }
  compactArray<T>(read: (r: Reader) => T): T[] {
    const n = this.compactArrayLength();
    if (n < 0) throw new DecodeError("bad_length", "non-nullable compact array is null");
    return this.elements(n, read);
  }
  compactNullableArray<T>(read: (r: Reader) => T): T[] | null {
    const n = this.compactArrayLength();
    return n < 0 ? null : this.elements(n, read);
  }
  private elements<T>(n: number, read: (r: Reader) => T): T[] {
    const out: T[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = read(this);
    return out;
  }

  /** Nullable struct (int8 -1 = null, 1 = present). */
  nullableStruct<T>(read: (r: Reader) => T): T | null {
    const marker = this.int8();
    if (marker < 0) return null;
    return read(this);
  }

  /** Reads one tagged field's value of `size` bytes, which `read` must consume exactly. */
  tagged<T>(size: number, read: (r: Reader) => T): T {
    this.need(size);
    const end = this.pos + size;
    const outer = this.end;
    this.end = end;
    const v = read(this);
    if (this.pos !== end) {
      throw new DecodeError("bad_tag", `tagged field has ${end - this.pos} extra bytes`);
    }
    this.end = outer;
    return v;
  }
  unknownTag(tag: number, size: number): UnknownTag {
    return { tag, data: this.raw(size) };
  }
  /** Skips a whole tag buffer: for structures whose tags we do not model (headers). */
  skipTags(): UnknownTag[] | undefined {
    let out: UnknownTag[] | undefined;
    for (let n = this.uvarint(); n > 0; n--) {
      const tag = this.uvarint();
      (out ??= []).push(this.unknownTag(tag, this.uvarint()));
    }
    return out;
  }
}

/**
 * A growable output buffer. Large byte fields (record sets) are kept by
 * reference as separate chunks rather than copied, so a fetch response can be
 * written to the socket with the stored bytes untouched.
 */
export class Writer {
  private buf: Uint8Array;
  private dv: DataView;
  private pos = 0;
  private segStart = 0;
  private readonly chunks: Uint8Array[] = [];
  private chunkBytes = 0;

  constructor(initialBytes = 256) {
    this.buf = new Uint8Array(initialBytes);
    this.dv = new DataView(this.buf.buffer);
  }

  /** Byte fields at least this long are referenced, not copied. */
  static readonly referenceBytesMin = 16 * 1024;

  get length(): number {
    return this.chunkBytes + this.pos - this.segStart;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const used = this.pos - this.segStart;
    const next = new Uint8Array(Math.max(this.buf.length * 2, used + n + 256));
    next.set(this.buf.subarray(this.segStart, this.pos));
    // Earlier chunks may view the old buffer; they stay valid since we never write there again.
    this.buf = next;
    this.dv = new DataView(next.buffer);
    this.pos = used;
    this.segStart = 0;
  }

  bool(v: boolean): void {
    this.ensure(1);
    this.buf[this.pos++] = v ? 1 : 0;
  }
  int8(v: number): void {
    this.ensure(1);
    this.dv.setInt8(this.pos++, v);
  }
  int16(v: number): void {
    this.ensure(2);
    this.dv.setInt16(this.pos, v);
    this.pos += 2;
  }
  uint16(v: number): void {
    this.ensure(2);
    this.dv.setUint16(this.pos, v);
    this.pos += 2;
  }
  int32(v: number): void {
    this.ensure(4);
    this.dv.setInt32(this.pos, v);
    this.pos += 4;
  }
  uint32(v: number): void {
    this.ensure(4);
    this.dv.setUint32(this.pos, v);
    this.pos += 4;
  }
  int64(v: number): void {
    this.ensure(8);
    const hi = Math.floor(v / 4294967296);
    this.dv.setInt32(this.pos, hi);
    this.dv.setUint32(this.pos + 4, v - hi * 4294967296);
    this.pos += 8;
  }
  float64(v: number): void {
    this.ensure(8);
    this.dv.setFloat64(this.pos, v);
    this.pos += 8;
  }
  uvarint(v: number): void {
    this.ensure(5);
    while (v >= 0x80) {
      this.buf[this.pos++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.pos++] = v;
  }
  uuid(v: string): void {
    this.ensure(16);
    this.buf.set(uuidToBytes(v), this.pos);
    this.pos += 16;
  }

  /** Appends bytes: copied when small, referenced as a chunk when large. */
  raw(v: Uint8Array): void {
    if (v.length >= Writer.referenceBytesMin) {
      this.flushSegment();
      this.chunks.push(v);
      this.chunkBytes += v.length;
      return;
    }
    this.ensure(v.length);
    this.buf.set(v, this.pos);
    this.pos += v.length;
  }
  private flushSegment(): void {
    if (this.pos > this.segStart) {
      this.chunks.push(this.buf.subarray(this.segStart, this.pos));
      this.chunkBytes += this.pos - this.segStart;
      this.segStart = this.pos;
    }
  }

  private static asciiLength(s: string): number {
    for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return -1;
    return s.length;
  }
  private textBytes(s: string): Uint8Array | null {
    return Writer.asciiLength(s) >= 0 ? null : utf8Encoder.encode(s);
  }
  private asciiText(s: string): void {
    this.ensure(s.length);
    for (let i = 0; i < s.length; i++) this.buf[this.pos++] = s.charCodeAt(i);
  }

  string(v: string): void {
    const b = this.textBytes(v);
    if (b) {
      this.int16(b.length);
      this.raw(b);
    } else {
      this.int16(v.length);
      this.asciiText(v);
    }
  }
  nullableString(v: string | null): void {
    if (v === null) this.int16(-1);
    else this.string(v);
  }
  compactString(v: string): void {
    const b = this.textBytes(v);
    if (b) {
      this.uvarint(b.length + 1);
      this.raw(b);
    } else {
      this.uvarint(v.length + 1);
      this.asciiText(v);
    }
  }
  compactNullableString(v: string | null): void {
    if (v === null) this.uvarint(0);
    else this.compactString(v);
  }
  bytes(v: Uint8Array): void {
    this.int32(v.length);
    this.raw(v);
  }
  nullableBytes(v: Uint8Array | null): void {
    if (v === null) this.int32(-1);
    else this.bytes(v);
  }
  compactBytes(v: Uint8Array): void {
    this.uvarint(v.length + 1);
    this.raw(v);
  }
  compactNullableBytes(v: Uint8Array | null): void {
    if (v === null) this.uvarint(0);
    else this.compactBytes(v);
  }

  /** A record set (RECORDS): bytes or chunks; null only where the version allows it. */
  records(v: Records | null, compact: boolean): void {
    if (v === null) {
      if (compact) this.uvarint(0);
      else this.int32(-1);
    } else if (v instanceof Uint8Array) {
      if (compact) this.compactBytes(v);
      else this.bytes(v);
    } else {
      let n = 0;
      for (const c of v) n += c.length;
      if (compact) this.uvarint(n + 1);
      else this.int32(n);
      for (const c of v) this.raw(c);
    }
  }

  array<T>(v: readonly T[], write: (w: Writer, e: T) => void): void {
    this.int32(v.length);
    for (let i = 0; i < v.length; i++) write(this, v[i]);
  }
  nullableArray<T>(v: readonly T[] | null, write: (w: Writer, e: T) => void): void {
    if (v === null) this.int32(-1);
    else this.array(v, write);
  }
  compactArray<T>(v: readonly T[], write: (w: Writer, e: T) => void): void {
    this.uvarint(v.length + 1);
    for (let i = 0; i < v.length; i++) write(this, v[i]);
  }
  compactNullableArray<T>(v: readonly T[] | null, write: (w: Writer, e: T) => void): void {
    if (v === null) this.uvarint(0);
    else this.compactArray(v, write);
  }
  nullableStruct<T>(v: T | null, write: (w: Writer, e: T) => void): void {
    if (v === null) this.int8(-1);
    else {
      this.int8(1);
      write(this, v);
    }
  }

  /**
   * Writes a tag buffer: the known tagged fields that are set, plus unknown ones
   * carried over from decoding, in ascending tag order.
   */
  tags(known: [number, (w: Writer) => void][] | null, unknown: UnknownTag[] | undefined): void {
    if (known === null && unknown === undefined) {
      this.uvarint(0);
      return;
    }
    const all: [number, Uint8Array][] = [];
    for (const [tag, write] of known ?? []) {
      const sub = new Writer(64);
      write(sub);
      all.push([tag, sub.finish()]);
    }
    for (const u of unknown ?? []) all.push([u.tag, u.data]);
    all.sort((a, b) => a[0] - b[0]);
    this.uvarint(all.length);
    for (const [tag, data] of all) {
      this.uvarint(tag);
      this.uvarint(data.length);
      this.raw(data);
    }
  }

  /** The output as chunks (large byte fields by reference). */
  chunksOut(): Uint8Array[] {
    this.flushSegment();
    return this.chunks;
  }

  /** The output as one contiguous array. */
  finish(): Uint8Array {
    const chunks = this.chunksOut();
    if (chunks.length === 1) return chunks[0];
    const out = new Uint8Array(this.chunkBytes);
    let p = 0;
    for (const c of chunks) {
      out.set(c, p);
      p += c.length;
    }
    return out;
  }
}

/** Element readers for arrays of primitives (shared by the generated codecs). */
export const el = {
  bool: (r: Reader): boolean => r.bool(),
  int8: (r: Reader): number => r.int8(),
  int16: (r: Reader): number => r.int16(),
  uint16: (r: Reader): number => r.uint16(),
  int32: (r: Reader): number => r.int32(),
  uint32: (r: Reader): number => r.uint32(),
  int64: (r: Reader): number => r.int64(),
  float64: (r: Reader): number => r.float64(),
  uuid: (r: Reader): string => r.uuid(),
  string: (r: Reader): string => r.string(),
  compactString: (r: Reader): string => r.compactString(),
  bytes: (r: Reader): Uint8Array => r.bytes(),
  compactBytes: (r: Reader): Uint8Array => r.compactBytes(),
  records: (r: Reader): Uint8Array => r.bytes(),
};

/** Element writers for arrays of primitives (shared by the generated codecs). */
export const wl = {
  bool: (w: Writer, v: boolean): void => w.bool(v),
  int8: (w: Writer, v: number): void => w.int8(v),
  int16: (w: Writer, v: number): void => w.int16(v),
  uint16: (w: Writer, v: number): void => w.uint16(v),
  int32: (w: Writer, v: number): void => w.int32(v),
  uint32: (w: Writer, v: number): void => w.uint32(v),
  int64: (w: Writer, v: number): void => w.int64(v),
  float64: (w: Writer, v: number): void => w.float64(v),
  uuid: (w: Writer, v: string): void => w.uuid(v),
  string: (w: Writer, v: string): void => w.string(v),
  compactString: (w: Writer, v: string): void => w.compactString(v),
  bytes: (w: Writer, v: Uint8Array): void => w.bytes(v),
  compactBytes: (w: Writer, v: Uint8Array): void => w.compactBytes(v),
  records: (w: Writer, v: Uint8Array): void => w.bytes(v),
};
