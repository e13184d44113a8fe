/**
 * RecordBatch (magic 2): build, validate, iterate. The hot path (validate a
 * produce batch, walk the records of a fetched batch) works on the raw bytes:
 * one BatchHeader per batch, one reusable RecordView cursor for the records,
 * no object per record. Compressed batches are inflated once (bounded) and
 * walked the same way. Layout constants live in layout.ts.
 */
import { DecodeError } from "../decode_error.ts";
import { decompressedBytesMax } from "../../base/limits.ts";
import { compress, decompress } from "../compression/mod.ts";
import { crc32c } from "./crc.ts";
import {
  ATTRIBUTES,
  BASE_OFFSET,
  BASE_SEQUENCE,
  BASE_TIMESTAMP,
  BATCH_LENGTH,
  BatchHeader,
  Compression,
  COMPRESSION_MASK,
  CONTROL_BIT,
  CRC,
  LAST_OFFSET_DELTA,
  LOG_OVERHEAD,
  MAGIC,
  MAX_TIMESTAMP,
  PARTITION_LEADER_EPOCH,
  PRODUCER_EPOCH,
  PRODUCER_ID,
  RECORD_BATCH_OVERHEAD,
  RECORDS_COUNT,
  TIMESTAMP_TYPE_BIT,
  TRANSACTIONAL_BIT,
} from "./layout.ts";
import {
  type Cursor,
  readVarint,
  readVarlong,
  sizeOfVarint,
  sizeOfVarlong,
  writeVarint,
  writeVarlong,
} from "./varint.ts";

/** Smallest legal batchLength: the header after the batchLength field. */
const BATCH_LENGTH_MIN = RECORD_BATCH_OVERHEAD - LOG_OVERHEAD;
/** Highest codec id Kafka defines (zstd). */
const CODEC_MAX = Compression.Zstd;

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder("utf-8", { fatal: true });

// --- building ----------------------------------------------------------------

export interface HeaderInput {
  key: string;
  value: Uint8Array | null;
}

export interface RecordInput {
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers?: HeaderInput[];
  /** Defaults to the batch's logAppendTime / baseTimestamp / now, in that order. */
  timestamp?: number;
  /** Defaults to the record's index in the batch. */
  offsetDelta?: number;
}

export interface BuildBatchOptions {
  baseOffset?: number;
  partitionLeaderEpoch?: number;
  records: RecordInput[];
  compression?: Compression;
  timestampType?: "create" | "logAppend";
  /** Under logAppend: the broker time written as maxTimestamp (default now). */
  logAppendTime?: number;
  /** Defaults to the first record's timestamp. */
  baseTimestamp?: number;
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  isTransactional?: boolean;
  isControl?: boolean;
}

/** Builds one v2 RecordBatch with a correct CRC-32C, lastOffsetDelta and maxTimestamp. */
export function buildBatch(opts: BuildBatchOptions): Uint8Array {
  const records = opts.records;
  if (records.length === 0) throw new RangeError("a record batch needs at least one record");
  const codec = opts.compression ?? Compression.None;
  const logAppend = opts.timestampType === "logAppend";
  const now = Date.now();
  const logAppendTime = logAppend ? (opts.logAppendTime ?? now) : -1;
  const defaultTs = logAppend ? logAppendTime : (opts.baseTimestamp ?? now);
  const baseTimestamp = opts.baseTimestamp ?? records[0].timestamp ?? defaultTs;

  // Pass 1: sizes (and header keys encoded once).
  const headerKeys: Uint8Array[][] = [];
  const bodySizes = new Array<number>(records.length);
  let recordsBytes = 0;
  let maxTimestamp = -1;
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    const ts = r.timestamp ?? defaultTs;
    if (ts > maxTimestamp) maxTimestamp = ts;
    const offsetDelta = r.offsetDelta ?? i;
    let size = 1 + sizeOfVarlong(ts - baseTimestamp) + sizeOfVarint(offsetDelta);
    size += bytesFieldSize(r.key) + bytesFieldSize(r.value);
    const hs = r.headers ?? [];
    size += sizeOfVarint(hs.length);
    const keys: Uint8Array[] = [];
    for (const h of hs) {
      const k = utf8Encoder.encode(h.key);
      keys.push(k);
      size += bytesFieldSize(k) + bytesFieldSize(h.value);
    }
    headerKeys.push(keys);
    bodySizes[i] = size;
    recordsBytes += sizeOfVarint(size) + size;
  }
  if (logAppend) maxTimestamp = logAppendTime;

  // Pass 2: records section.
  const uncompressed = codec === Compression.None;
  const body = new Uint8Array(uncompressed ? RECORD_BATCH_OVERHEAD + recordsBytes : recordsBytes);
  let p = uncompressed ? RECORD_BATCH_OVERHEAD : 0;
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    p = writeVarint(body, p, bodySizes[i]);
    body[p++] = 0; // record attributes: unused
    p = writeVarlong(body, p, (r.timestamp ?? defaultTs) - baseTimestamp);
    p = writeVarint(body, p, r.offsetDelta ?? i);
    p = writeBytesField(body, p, r.key);
    p = writeBytesField(body, p, r.value);
    const hs = r.headers ?? [];
    p = writeVarint(body, p, hs.length);
    for (let j = 0; j < hs.length; j++) {
      p = writeBytesField(body, p, headerKeys[i][j]);
      p = writeBytesField(body, p, hs[j].value);
    }
  }

  let out: Uint8Array;
  if (uncompressed) {
    out = body;
  } else {
    const packed = compress(codec, body);
    out = new Uint8Array(RECORD_BATCH_OVERHEAD + packed.length);
    out.set(packed, RECORD_BATCH_OVERHEAD);
  }

  let attributes = codec & COMPRESSION_MASK;
  if (logAppend) attributes |= TIMESTAMP_TYPE_BIT;
  if (opts.isTransactional) attributes |= TRANSACTIONAL_BIT;
  if (opts.isControl) attributes |= CONTROL_BIT;
  const last = records[records.length - 1].offsetDelta ?? records.length - 1;

  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  dv.setBigInt64(BASE_OFFSET, BigInt(opts.baseOffset ?? 0));
  dv.setInt32(BATCH_LENGTH, out.length - LOG_OVERHEAD);
  dv.setInt32(PARTITION_LEADER_EPOCH, opts.partitionLeaderEpoch ?? -1);
  dv.setInt8(MAGIC, 2);
  dv.setInt16(ATTRIBUTES, attributes);
  dv.setInt32(LAST_OFFSET_DELTA, last);
  dv.setBigInt64(BASE_TIMESTAMP, BigInt(baseTimestamp));
  dv.setBigInt64(MAX_TIMESTAMP, BigInt(maxTimestamp));
  dv.setBigInt64(PRODUCER_ID, BigInt(opts.producerId ?? -1));
  dv.setInt16(PRODUCER_EPOCH, opts.producerEpoch ?? -1);
  dv.setInt32(BASE_SEQUENCE, opts.baseSequence ?? -1);
  dv.setInt32(RECORDS_COUNT, records.length);
  dv.setUint32(CRC, crc32c(out.subarray(ATTRIBUTES)));
  return out;
}

function bytesFieldSize(b: Uint8Array | null): number {
  return b === null ? 1 : sizeOfVarint(b.length) + b.length;
}

function writeBytesField(buf: Uint8Array, p: number, b: Uint8Array | null): number {
  if (b === null) return writeVarint(buf, p, -1);
  p = writeVarint(buf, p, b.length);
  buf.set(b, p);
  return p + b.length;
}

// --- validating --------------------------------------------------------------

export interface ValidateOptions {
  /**
   * Accept batches whose offsets have gaps (lastOffsetDelta >= recordsCount − 1,
   * recordsCount >= 0), as compaction leaves them. Off by default: a fresh batch
   * from a client must have lastOffsetDelta + 1 == recordsCount > 0.
   */
  allowSparse?: boolean;
}

/** CRC-32C a v2 batch should carry: over attributes..end. Assumes the batch is in bounds. */
export function computeCrc(buf: Uint8Array, pos = 0): number {
  const size = new DataView(buf.buffer, buf.byteOffset, buf.byteLength).getInt32(
    pos + BATCH_LENGTH,
  ) + LOG_OVERHEAD;
  return crc32c(buf.subarray(pos + ATTRIBUTES, pos + size));
}

/** Recomputes and stores the CRC after in-place patches to attributes or maxTimestamp. */
export function updateCrc(buf: Uint8Array, pos = 0): void {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  dv.setUint32(pos + CRC, computeCrc(buf, pos));
}

/**
 * Checks the batch at `pos`: batchLength sane and inside `buf`, magic 2, CRC,
 * recordsCount / lastOffsetDelta consistent. Returns its header view; throws
 * DecodeError otherwise. Does not walk the records (see RecordView).
 */
export function validateBatch(buf: Uint8Array, pos = 0, opts?: ValidateOptions): BatchHeader {
  if (pos < 0 || pos + LOG_OVERHEAD > buf.length) {
    throw new DecodeError("short", "record batch header runs past the end of input");
  }
  const h = new BatchHeader(buf, pos);
  const batchLength = h.batchLength;
  if (batchLength < BATCH_LENGTH_MIN) {
    throw new DecodeError("bad_length", `batchLength ${batchLength} is below the header size`);
  }
  if (pos + LOG_OVERHEAD + batchLength > buf.length) {
    throw new DecodeError("short", `batchLength ${batchLength} runs past the end of input`);
  }
  if (h.magic !== 2) throw new DecodeError("bad_magic", `record batch magic ${h.magic}`);
  const stored = h.crc;
  const actual = crc32c(buf.subarray(pos + ATTRIBUTES, pos + LOG_OVERHEAD + batchLength));
  if (stored !== actual) {
    throw new DecodeError("corrupt", `batch CRC ${hex(stored)} does not match ${hex(actual)}`);
  }
  checkCounts(h, opts?.allowSparse ?? false);
  if (h.compression > CODEC_MAX) {
    throw new DecodeError("bad_compression", `unknown compression codec ${h.compression}`);
  }
  return h;
}

function checkCounts(h: BatchHeader, allowSparse: boolean): void {
  const count = h.recordsCount;
  const last = h.lastOffsetDelta;
  if (count < 0) throw new DecodeError("bad_length", `recordsCount ${count} is negative`);
  // Every record takes at least 7 bytes uncompressed; a count far beyond that is
  // a lie we can reject before inflating anything.
  if (h.compression === Compression.None && count > h.batchLength - BATCH_LENGTH_MIN) {
    throw new DecodeError("bad_length", `recordsCount ${count} exceeds the batch size`);
  }
  if (allowSparse ? last < count - 1 : (count === 0 || last !== count - 1)) {
    throw new DecodeError(
      "corrupt",
      `lastOffsetDelta ${last} is inconsistent with recordsCount ${count}`,
    );
  }
}

function hex(n: number): string {
  return n.toString(16).padStart(8, "0");
}

// --- iterating batches -------------------------------------------------------

/**
 * Walks a concatenation of v2 batches (a Produce records field or a Fetch
 * response partition), yielding a header view per batch without copying.
 * A trailing partial batch (Fetch responses may be cut at maxBytes) ends the
 * walk; its size is left in `partialTailBytes`. Does not check CRCs.
 */
export class BatchScan implements IterableIterator<BatchHeader> {
  /** Bytes of an incomplete batch at the end, set once the walk reaches it. */
  partialTailBytes = 0;
  /** Offset of the next batch within the buffer. */
  pos = 0;

  constructor(readonly buf: Uint8Array) {}

  next(): IteratorResult<BatchHeader> {
    const buf = this.buf;
    const pos = this.pos;
    const left = buf.length - pos;
    if (left <= 0) return { done: true, value: undefined };
    if (left < LOG_OVERHEAD) return this.tail(left);
    const h = new BatchHeader(buf, pos);
    const batchLength = h.batchLength;
    if (batchLength < BATCH_LENGTH_MIN) {
      throw new DecodeError("bad_length", `batchLength ${batchLength} at ${pos} is too small`);
    }
    if (batchLength + LOG_OVERHEAD > left) return this.tail(left);
    if (h.magic !== 2) throw new DecodeError("bad_magic", `record batch magic ${h.magic}`);
    this.pos = pos + LOG_OVERHEAD + batchLength;
    return { done: false, value: h };
  }

  private tail(left: number): IteratorResult<BatchHeader> {
    this.partialTailBytes = left;
    this.pos = this.buf.length;
    return { done: true, value: undefined };
  }

  [Symbol.iterator](): BatchScan {
    return this;
  }
}

/** Iterates the v2 batches in `buf`; read `partialTailBytes` on the result afterwards. */
export function batches(buf: Uint8Array): BatchScan {
  return new BatchScan(buf);
}

// --- iterating records -------------------------------------------------------

export interface RecordViewOptions {
  /** Bound on the inflated size of a compressed batch. */
  maxDecompressedBytes?: number;
}

/**
 * A reusable cursor over the records of one batch. `open(batch)` then
 * `while (view.next())` reads each record's fields into this object; key,
 * value and headers are offsets into `data` (take `key()` / `value()` only
 * when a copy-free subarray is wanted). Framing is validated as it goes:
 * every length stays inside its record, every record inside the batch, and
 * the number of records equals recordsCount.
 */
export class RecordView {
  /** Records section being walked: the batch's own bytes, or the inflated copy. */
  data: Uint8Array = new Uint8Array(0);
  // Batch context.
  baseOffset = 0;
  baseTimestamp = 0;
  maxTimestamp = 0;
  isLogAppendTime = false;
  recordsCount = 0;
  /** Records returned so far by next(). */
  index = 0;
  // Current record.
  /** Start of the current record (at its length varint) in `data`. */
  recordStart = 0;
  /** End of the current record in `data`. */
  recordEnd = 0;
  attributes = 0;
  timestampDelta = 0;
  offsetDelta = 0;
  /** Key bytes at data[keyOffset, keyOffset+keyLength); keyLength −1 = null. */
  keyOffset = 0;
  keyLength = -1;
  valueOffset = 0;
  valueLength = -1;
  headerCount = 0;
  /** Start of the first header in `data`. */
  headersOffset = 0;
  // Header cursor (see nextHeader).
  headerKeyOffset = 0;
  headerKeyLength = 0;
  headerValueOffset = 0;
  headerValueLength = -1;

  private readonly c: Cursor = { pos: 0 };
  private readonly hc: Cursor = { pos: 0 };
  private headersLeft = 0;

  constructor(readonly opts: RecordViewOptions = {}) {}

  /** Points the cursor at `batch`'s records, inflating them if compressed. */
  open(batch: BatchHeader): this {
    const start = batch.pos + RECORD_BATCH_OVERHEAD;
    const end = batch.pos + batch.sizeBytes;
    if (end > batch.buf.length || start > end) {
      throw new DecodeError("short", "record batch runs past the end of input");
    }
    const section = batch.buf.subarray(start, end);
    const codec = batch.compression;
    if (codec === Compression.None) {
      this.data = section;
    } else {
      if (codec > CODEC_MAX) {
        throw new DecodeError("bad_compression", `unknown compression codec ${codec}`);
      }
      this.data = decompress(
        codec,
        section,
        this.opts.maxDecompressedBytes ?? decompressedBytesMax,
      );
    }
    this.baseOffset = batch.baseOffset;
    this.baseTimestamp = batch.baseTimestamp;
    this.maxTimestamp = batch.maxTimestamp;
    this.isLogAppendTime = batch.isLogAppendTime;
    this.recordsCount = batch.recordsCount;
    if (this.recordsCount < 0) {
      throw new DecodeError("bad_length", `recordsCount ${this.recordsCount} is negative`);
    }
    this.index = 0;
    this.c.pos = 0;
    this.recordEnd = 0;
    this.headersLeft = 0;
    return this;
  }

  /** Absolute offset of the current record. */
  get offset(): number {
    return this.baseOffset + this.offsetDelta;
  }

  /** Timestamp of the current record (the batch's maxTimestamp under LogAppendTime). */
  get timestamp(): number {
    return this.isLogAppendTime ? this.maxTimestamp : this.baseTimestamp + this.timestampDelta;
  }

  /**
   * Advances to the next record; false once recordsCount records were read.
   * Throws DecodeError on bad framing, too few records or bytes left over.
   */
  next(): boolean {
    const data = this.data;
    const c = this.c;
    if (this.index >= this.recordsCount) {
      if (c.pos !== data.length) {
        throw new DecodeError(
          "trailing",
          `${data.length - c.pos} bytes after the last of ${this.recordsCount} records`,
        );
      }
      return false;
    }
    if (c.pos >= data.length) {
      throw new DecodeError(
        "corrupt",
        `batch holds ${this.index} records, recordsCount says ${this.recordsCount}`,
      );
    }
    const start = c.pos;
    const length = readVarint(data, c);
    const bodyStart = c.pos;
    const end = bodyStart + length;
    if (length < 0) throw new DecodeError("bad_length", `record length ${length}`);
    if (end > data.length) throw new DecodeError("short", "record runs past the end of its batch");
    // Bound reads by the record's own end, not the batch's: a view of just the
    // record would allocate, so check positions after each field instead.
    if (bodyStart >= end) throw new DecodeError("short", "record has no attributes byte");
    this.attributes = data[c.pos++];
    this.timestampDelta = readVarlong(data, c);
    this.offsetDelta = readVarint(data, c);
    const keyLength = readVarint(data, c);
    this.keyOffset = c.pos;
    this.keyLength = keyLength;
    this.skipBytes(keyLength, end, "key");
    const valueLength = readVarint(data, c);
    this.valueOffset = c.pos;
    this.valueLength = valueLength;
    this.skipBytes(valueLength, end, "value");
    if (c.pos >= end) throw new DecodeError("short", "record ends before its header count");
    const headerCount = readVarint(data, c);
    if (headerCount < 0) throw new DecodeError("bad_length", `header count ${headerCount}`);
    this.headerCount = headerCount;
    this.headersOffset = c.pos;
    for (let i = 0; i < headerCount; i++) {
      if (c.pos >= end) throw new DecodeError("short", "record ends inside its headers");
      const kl = readVarint(data, c);
      if (kl < 0) throw new DecodeError("bad_length", `header key length ${kl}`);
      this.skipBytes(kl, end, "header key");
      if (c.pos >= end) throw new DecodeError("short", "record ends inside its headers");
      this.skipBytes(readVarint(data, c), end, "header value");
    }
    if (c.pos !== end) {
      throw new DecodeError(
        c.pos > end ? "short" : "trailing",
        `record fields take ${c.pos - bodyStart} bytes, its length says ${length}`,
      );
    }
    this.recordStart = start;
    this.recordEnd = end;
    this.hc.pos = this.headersOffset;
    this.headersLeft = headerCount;
    this.index++;
    return true;
  }

  private skipBytes(len: number, end: number, what: string): void {
    if (len < -1) throw new DecodeError("bad_length", `${what} length ${len}`);
    if (len > 0) {
      const after = this.c.pos + len;
      if (after > end) throw new DecodeError("short", `${what} runs past the end of its record`);
      this.c.pos = after;
    } else if (this.c.pos > end) {
      throw new DecodeError("short", `${what} runs past the end of its record`);
    }
  }

  /** Key of the current record as a view into `data`, or null. */
  key(): Uint8Array | null {
    return this.keyLength < 0
      ? null
      : this.data.subarray(this.keyOffset, this.keyOffset + this.keyLength);
  }

  /** Value of the current record as a view into `data`, or null (a tombstone). */
  value(): Uint8Array | null {
    return this.valueLength < 0
      ? null
      : this.data.subarray(this.valueOffset, this.valueOffset + this.valueLength);
  }

  /**
   * Advances the header cursor of the current record (already validated by
   * next()); fills headerKeyOffset/Length and headerValueOffset/Length.
   */
  nextHeader(): boolean {
    if (this.headersLeft <= 0) return false;
    const data = this.data;
    const hc = this.hc;
    this.headerKeyLength = readVarint(data, hc);
    this.headerKeyOffset = hc.pos;
    hc.pos += this.headerKeyLength;
    const vl = readVarint(data, hc);
    this.headerValueOffset = hc.pos;
    this.headerValueLength = vl;
    if (vl > 0) hc.pos += vl;
    this.headersLeft--;
    return true;
  }

  /** Headers of the current record as plain objects (allocates; not for the hot path). */
  headers(): DecodedHeader[] {
    const out: DecodedHeader[] = [];
    const hc = this.hc;
    const saved = hc.pos;
    const savedLeft = this.headersLeft;
    hc.pos = this.headersOffset;
    this.headersLeft = this.headerCount;
    while (this.nextHeader()) {
      const k = this.data.subarray(
        this.headerKeyOffset,
        this.headerKeyOffset + this.headerKeyLength,
      );
      out.push({
        key: decodeUtf8(k),
        value: this.headerValueLength < 0 ? null : this.data.subarray(
          this.headerValueOffset,
          this.headerValueOffset + this.headerValueLength,
        ),
      });
    }
    hc.pos = saved;
    this.headersLeft = savedLeft;
    return out;
  }
}

function decodeUtf8(b: Uint8Array): string {
  try {
    return utf8Decoder.decode(b);
  } catch {
    throw new DecodeError("bad_utf8", "header key is not UTF-8");
  }
}

/** Calls `fn` with the shared cursor for each record of `batch`. */
export function forEachRecord(
  batch: BatchHeader,
  fn: (record: RecordView) => void,
  opts?: RecordViewOptions,
): void {
  const view = new RecordView(opts).open(batch);
  while (view.next()) fn(view);
}

export interface DecodedHeader {
  key: string;
  value: Uint8Array | null;
}

export interface DecodedRecord {
  offset: number;
  offsetDelta: number;
  timestamp: number;
  timestampDelta: number;
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: DecodedHeader[];
}

/**
 * The records of `batch` as plain objects (for tests and tools, not the hot
 * path). Keys, values and header values are copies, so they outlive `batch`.
 */
export function decodeBatchRecords(
  batch: BatchHeader,
  opts?: RecordViewOptions,
): DecodedRecord[] {
  const out: DecodedRecord[] = [];
  forEachRecord(batch, (r) => {
    out.push({
      offset: r.offset,
      offsetDelta: r.offsetDelta,
      timestamp: r.timestamp,
      timestampDelta: r.timestampDelta,
      key: r.key()?.slice() ?? null,
      value: r.value()?.slice() ?? null,
      headers: r.headers().map((h) => ({ key: h.key, value: h.value?.slice() ?? null })),
    });
  }, opts);
  return out;
}
