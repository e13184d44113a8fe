/**
 * Legacy MessageSet (magic 0 and 1), for Produce v0-v2 and Fetch v0-v3 clients.
 *
 * A message set is a run of `offset int64, messageSize int32, message`, where a
 * message is `crc uint32` (CRC-32 IEEE over magic..end), `magic int8`,
 * `attributes int8` (codec in bits 0-2, timestampType in bit 3 on magic 1),
 * `timestamp int64` (magic 1 only), then int32-length key and value (−1 null).
 * A compressed message is a wrapper whose value is a compressed inner message
 * set. Inner offsets are absolute for magic 0; for magic 1 they are relative
 * and the wrapper carries the absolute offset of the last inner message.
 *
 * Legacy sets are converted to one v2 batch on ingest (messageSetToBatch) and
 * v2 batches are down-converted for old fetchers (batchesToMessageSet).
 */
import { DecodeError } from "../decode_error.ts";
import { decompressedBytesMax } from "../../base/limits.ts";
import { compress, decompress } from "../compression/mod.ts";
import { batches, buildBatch, type RecordInput, RecordView } from "./batch.ts";
import { concat } from "../../base/bytes.ts";
import { crc32 } from "./crc.ts";
import { Compression, COMPRESSION_MASK, TIMESTAMP_TYPE_BIT } from "./layout.ts";

/** offset int64 + messageSize int32. */
export const LEGACY_LOG_OVERHEAD = 12;
/** crc + magic + attributes + key length + value length. */
const MESSAGE_V0_MIN_BYTES = 4 + 1 + 1 + 4 + 4;
const MESSAGE_V1_MIN_BYTES = MESSAGE_V0_MIN_BYTES + 8;
// Field offsets inside a message (after offset and messageSize).
const M_CRC = 0;
const M_MAGIC = 4;
const M_ATTRIBUTES = 5;
const M_TIMESTAMP = 6;

export type LegacyMagic = 0 | 1;

export interface LegacyMessage {
  /** Absolute offset (inner offsets of magic 1 wrappers already resolved). */
  offset: number;
  magic: LegacyMagic;
  /** −1 for magic 0 messages. */
  timestamp: number;
  timestampType: "create" | "logAppend";
  key: Uint8Array | null;
  value: Uint8Array | null;
  /** Codec of the wrapper this message came out of (None if it stood alone). */
  wrapperCompression: Compression;
}

export interface ReadMessageSetOptions {
  /** Bound on the inflated size of each compressed wrapper. */
  maxDecompressedBytes?: number;
}

export interface ReadMessageSetResult {
  messages: LegacyMessage[];
  /** Bytes of an incomplete trailing entry that were ignored. */
  partialTailBytes: number;
}

/**
 * Reads a magic 0/1 message set, unwrapping compressed messages. A trailing
 * partial entry is tolerated (reported in partialTailBytes); anything else
 * malformed throws DecodeError. Keys and values are views into `buf` (or into
 * the inflated copy for compressed wrappers).
 */
export function readMessageSet(
  buf: Uint8Array,
  opts: ReadMessageSetOptions = {},
): ReadMessageSetResult {
  const messages: LegacyMessage[] = [];
  const partialTailBytes = readEntries(buf, messages, opts, null);
  return { messages, partialTailBytes };
}

interface WrapperContext {
  offset: number;
  magic: LegacyMagic;
  timestamp: number;
  logAppend: boolean;
  codec: Compression;
}

/** Parses entries into `out`; returns the partial tail size (always 0 inside a wrapper). */
function readEntries(
  buf: Uint8Array,
  out: LegacyMessage[],
  opts: ReadMessageSetOptions,
  wrapper: WrapperContext | null,
): number {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const innerStart = out.length;
  let p = 0;
  while (p < buf.length) {
    const left = buf.length - p;
    if (left < LEGACY_LOG_OVERHEAD) {
      if (wrapper) throw new DecodeError("short", "truncated message inside a compressed wrapper");
      return left;
    }
    const offset = Number(dv.getBigInt64(p));
    const size = dv.getInt32(p + 8);
    if (size < MESSAGE_V0_MIN_BYTES) {
      throw new DecodeError("bad_length", `message size ${size} is below the minimum`);
    }
    if (LEGACY_LOG_OVERHEAD + size > left) {
      if (wrapper) throw new DecodeError("short", "truncated message inside a compressed wrapper");
      return left;
    }
    const m = p + LEGACY_LOG_OVERHEAD;
    const end = m + size;
    p = end;
    const magic = buf[m + M_MAGIC];
    if (magic !== 0 && magic !== 1) throw new DecodeError("bad_magic", `message magic ${magic}`);
    if (magic === 1 && size < MESSAGE_V1_MIN_BYTES) {
      throw new DecodeError("bad_length", `message size ${size} is below the v1 minimum`);
    }
    const stored = dv.getUint32(m + M_CRC);
    const actual = crc32(buf.subarray(m + M_MAGIC, end));
    if (stored !== actual) throw new DecodeError("corrupt", "message CRC mismatch");
    const attributes = buf[m + M_ATTRIBUTES];
    const codec = attributes & COMPRESSION_MASK;
    const logAppend = magic === 1 && (attributes & TIMESTAMP_TYPE_BIT) !== 0;
    const timestamp = magic === 1 ? Number(dv.getBigInt64(m + M_TIMESTAMP)) : -1;
    let q = m + (magic === 1 ? MESSAGE_V1_MIN_BYTES - 8 : MESSAGE_V0_MIN_BYTES - 8);
    const key = readBytes(buf, dv, q, end);
    q += 4 + (key?.length ?? 0);
    const value = readBytes(buf, dv, q, end);
    q += 4 + (value?.length ?? 0);
    if (q !== end) throw new DecodeError("trailing", `${end - q} bytes after the message value`);

    if (codec !== Compression.None) {
      if (wrapper) {
        throw new DecodeError("corrupt", "compressed message inside a compressed wrapper");
      }
      if (codec === Compression.Zstd || codec > Compression.Zstd) {
        throw new DecodeError("bad_compression", `codec ${codec} in a magic ${magic} message`);
      }
      if (value === null) throw new DecodeError("corrupt", "compressed wrapper without a value");
      const inner = decompress(
        codec,
        value,
        opts.maxDecompressedBytes ?? decompressedBytesMax,
        { lz4HeaderChecksum: "either" },
      );
      readEntries(inner, out, opts, { offset, magic, timestamp, logAppend, codec });
      continue;
    }
    out.push({
      offset,
      magic,
      timestamp,
      timestampType: logAppend ? "logAppend" : "create",
      key,
      value,
      wrapperCompression: Compression.None,
    });
  }
  if (wrapper) resolveInner(out, innerStart, wrapper);
  return 0;
}

/** Applies the wrapper's offsets and timestamps to the messages it held. */
function resolveInner(out: LegacyMessage[], start: number, w: WrapperContext): void {
  if (out.length === start) {
    throw new DecodeError("corrupt", "compressed wrapper holds no messages");
  }
  const lastRelative = out[out.length - 1].offset;
  for (let i = start; i < out.length; i++) {
    const msg = out[i];
    if (w.magic === 1) {
      msg.offset = w.offset - lastRelative + msg.offset;
      if (w.logAppend) {
        msg.timestamp = w.timestamp;
        msg.timestampType = "logAppend";
      }
    }
    msg.wrapperCompression = w.codec;
  }
}

function readBytes(buf: Uint8Array, dv: DataView, p: number, end: number): Uint8Array | null {
  if (p + 4 > end) throw new DecodeError("short", "message ends inside a length field");
  const len = dv.getInt32(p);
  if (len === -1) return null;
  if (len < 0) throw new DecodeError("bad_length", `message field length ${len}`);
  if (p + 4 + len > end) throw new DecodeError("short", "message field runs past the message");
  return buf.subarray(p + 4, p + 4 + len);
}

// --- writing -----------------------------------------------------------------

export interface LegacyMessageInput {
  key: Uint8Array | null;
  value: Uint8Array | null;
  /** Magic 1 only (default now). */
  timestamp?: number;
  /** Absolute offset; defaults to baseOffset + index. */
  offset?: number;
}

export interface BuildMessageSetOptions {
  magic: LegacyMagic;
  /** None, gzip, snappy or lz4 (zstd does not exist before magic 2). */
  compression?: Compression;
  baseOffset?: number;
  /** Magic 1 only. */
  timestampType?: "create" | "logAppend";
  /** Magic 1 LogAppendTime: the broker time (default now). */
  logAppendTime?: number;
}

/**
 * Writes a magic 0 or 1 message set, optionally compressed into one wrapper
 * message (magic 0: absolute inner offsets; magic 1: relative inner offsets,
 * wrapper offset = last absolute offset, wrapper timestamp = max or the log
 * append time).
 */
export function buildMessageSet(
  messages: LegacyMessageInput[],
  opts: BuildMessageSetOptions,
): Uint8Array {
  const magic = opts.magic;
  const codec = opts.compression ?? Compression.None;
  if (codec === Compression.Zstd || codec > Compression.Zstd) {
    throw new RangeError(`codec ${codec} is not available for magic ${magic}`);
  }
  const logAppend = magic === 1 && opts.timestampType === "logAppend";
  const now = Date.now();
  const appendTime = logAppend ? (opts.logAppendTime ?? now) : -1;
  const base = opts.baseOffset ?? 0;
  const offsets = messages.map((m, i) => m.offset ?? base + i);
  const timestamps = messages.map((m) => magic === 0 ? -1 : (m.timestamp ?? now));
  const attrs = logAppend ? TIMESTAMP_TYPE_BIT : 0;

  if (codec === Compression.None) {
    // Under LogAppendTime a standalone message carries the append time itself.
    const entries = messages.map((m, i) =>
      encodeEntry(offsets[i], magic, attrs, logAppend ? appendTime : timestamps[i], m.key, m.value)
    );
    return concat(entries);
  }
  if (messages.length === 0) return new Uint8Array(0);
  const first = offsets[0];
  // Inner messages always use CreateTime; LogAppendTime lives on the wrapper.
  const inner = concat(messages.map((m, i) =>
    encodeEntry(
      magic === 1 ? offsets[i] - first : offsets[i],
      magic,
      0,
      timestamps[i],
      m.key,
      m.value,
    )
  ));
  const packed = compress(codec, inner, { legacyLz4HeaderChecksum: magic === 0 });
  const wrapperTs = magic === 0 ? -1 : logAppend ? appendTime : maxOf(timestamps);
  return encodeEntry(offsets[offsets.length - 1], magic, attrs | codec, wrapperTs, null, packed);
}

function encodeEntry(
  offset: number,
  magic: LegacyMagic,
  attributes: number,
  timestamp: number,
  key: Uint8Array | null,
  value: Uint8Array | null,
): Uint8Array {
  const size = (magic === 1 ? MESSAGE_V1_MIN_BYTES : MESSAGE_V0_MIN_BYTES) +
    (key?.length ?? 0) + (value?.length ?? 0);
  const out = new Uint8Array(LEGACY_LOG_OVERHEAD + size);
  const dv = new DataView(out.buffer);
  dv.setBigInt64(0, BigInt(offset));
  dv.setInt32(8, size);
  const m = LEGACY_LOG_OVERHEAD;
  out[m + M_MAGIC] = magic;
  out[m + M_ATTRIBUTES] = attributes;
  let q = m + M_TIMESTAMP;
  if (magic === 1) {
    dv.setBigInt64(q, BigInt(timestamp));
    q += 8;
  }
  q = writeBytes(out, dv, q, key);
  writeBytes(out, dv, q, value);
  dv.setUint32(m + M_CRC, crc32(out.subarray(m + M_MAGIC)));
  return out;
}

function writeBytes(out: Uint8Array, dv: DataView, q: number, b: Uint8Array | null): number {
  if (b === null) {
    dv.setInt32(q, -1);
    return q + 4;
  }
  dv.setInt32(q, b.length);
  out.set(b, q + 4);
  return q + 4 + b.length;
}

function maxOf(values: number[]): number {
  let max = -1;
  for (const v of values) if (v > max) max = v;
  return max;
}

// --- conversion --------------------------------------------------------------

export interface MessageSetToBatchOptions extends ReadMessageSetOptions {
  /** Codec of the v2 batch; defaults to the codec of the first wrapper (or none). */
  compression?: Compression;
  partitionLeaderEpoch?: number;
}

/**
 * Up-converts a magic 0/1 message set to one v2 batch, keeping keys, values
 * and timestamps (magic 0 messages get timestamp −1). baseOffset is the first
 * message's offset; offsets that do not strictly increase (some old producers
 * send zeros) are renumbered sequentially, since the broker assigns them anyway.
 * An empty set throws DecodeError("bad_length").
 */
export function messageSetToBatch(
  buf: Uint8Array,
  opts: MessageSetToBatchOptions = {},
): Uint8Array {
  const { messages } = readMessageSet(buf, opts);
  if (messages.length === 0) throw new DecodeError("bad_length", "empty message set");
  const base = messages[0].offset;
  let increasing = true;
  for (let i = 1; i < messages.length && increasing; i++) {
    increasing = messages[i].offset > messages[i - 1].offset;
  }
  const records: RecordInput[] = messages.map((m, i) => ({
    key: m.key,
    value: m.value,
    timestamp: m.timestamp,
    offsetDelta: increasing ? m.offset - base : i,
  }));
  const logAppend = messages.some((m) => m.timestampType === "logAppend");
  return buildBatch({
    baseOffset: base,
    partitionLeaderEpoch: opts.partitionLeaderEpoch,
    records,
    compression: opts.compression ?? messages[0].wrapperCompression,
    timestampType: logAppend ? "logAppend" : "create",
    logAppendTime: logAppend ? maxOf(messages.map((m) => m.timestamp)) : undefined,
    baseTimestamp: messages[0].timestamp,
  });
}

export interface BatchesToMessageSetOptions extends ReadMessageSetOptions {
  /** Skip records below this offset (a fetch starting inside a batch). */
  minOffset?: number;
}

/**
 * Down-converts a concatenation of v2 batches (a trailing partial batch is
 * ignored, as fetch responses may end with one) to a magic 0/1 message set for
 * old fetchers. Absolute offsets are kept, headers dropped, control batches
 * skipped. With a codec, each source batch becomes one wrapper message, as
 * Kafka's down-conversion does.
 */
export function batchesToMessageSet(
  buf: Uint8Array,
  magic: LegacyMagic,
  compression: Compression = Compression.None,
  opts: BatchesToMessageSetOptions = {},
): Uint8Array {
  const parts: Uint8Array[] = [];
  const view = new RecordView({ maxDecompressedBytes: opts.maxDecompressedBytes });
  const minOffset = opts.minOffset ?? -Infinity;
  for (const batch of batches(buf)) {
    if (batch.isControl) continue;
    view.open(batch);
    const logAppend = batch.isLogAppendTime;
    const group: LegacyMessageInput[] = [];
    while (view.next()) {
      const offset = view.offset;
      if (offset < minOffset) continue;
      const msg = { offset, key: view.key(), value: view.value(), timestamp: view.timestamp };
      if (compression === Compression.None) {
        parts.push(buildMessageSet([msg], {
          magic,
          timestampType: logAppend ? "logAppend" : "create",
          logAppendTime: batch.maxTimestamp,
        }));
      } else {
        group.push(msg);
      }
    }
    if (group.length > 0) {
      parts.push(buildMessageSet(group, {
        magic,
        compression,
        timestampType: logAppend ? "logAppend" : "create",
        logAppendTime: batch.maxTimestamp,
      }));
    }
  }
  return concat(parts);
}
