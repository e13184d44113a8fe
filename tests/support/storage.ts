/**
 * Helpers for storage tests: building batches, reading a whole log back
 * batch by batch, and a reference model of what a log should contain.
 */
import { buildBatch, type RecordInput } from "../../src/protocol/records/batch.ts";
import { BatchHeader, Compression, LOG_OVERHEAD } from "../../src/protocol/records/layout.ts";
import type { PartitionLog } from "../../src/storage/log.ts";

const enc = new TextEncoder();

export interface BatchSpec {
  count: number;
  /** Bytes per value (default 16). */
  valueBytes?: number;
  /** Timestamp of the first record; records increase by 1 ms. */
  timestamp?: number;
  /** Key of record i (default "k<i>"); null = no key. */
  key?: (i: number) => string | null;
  /** Value of record i; null makes a tombstone. */
  value?: (i: number) => Uint8Array | null;
  compression?: Compression;
  leaderEpoch?: number;
}

/** A v2 batch (base offset 0: the log assigns offsets). */
export function makeBatch(spec: BatchSpec): Uint8Array {
  const ts = spec.timestamp ?? 1_700_000_000_000;
  const records: RecordInput[] = [];
  for (let i = 0; i < spec.count; i++) {
    const k = spec.key ? spec.key(i) : `k${i}`;
    const v = spec.value
      ? spec.value(i)
      : new Uint8Array(spec.valueBytes ?? 16).fill((i * 7) & 0xff);
    records.push({ key: k === null ? null : enc.encode(k), value: v, timestamp: ts + i });
  }
  return buildBatch({
    records,
    compression: spec.compression ?? Compression.None,
    baseTimestamp: ts,
    partitionLeaderEpoch: spec.leaderEpoch ?? -1,
  });
}

import { concat } from "../../src/base/bytes.ts";
export { concat };

export interface StoredBatch {
  baseOffset: number;
  lastOffset: number;
  crc: number;
  bytes: Uint8Array;
}

/** Complete batches in `buf` (a trailing partial batch is ignored). */
export function splitStored(buf: Uint8Array): StoredBatch[] {
  const out: StoredBatch[] = [];
  let pos = 0;
  while (pos + LOG_OVERHEAD <= buf.length) {
    const h = new BatchHeader(buf, pos);
    if (pos + h.sizeBytes > buf.length) break;
    out.push({
      baseOffset: h.baseOffset,
      lastOffset: h.lastOffset,
      crc: h.crc,
      bytes: buf.slice(pos, pos + h.sizeBytes),
    });
    pos += h.sizeBytes;
  }
  return out;
}

/** Every batch from `from` to the log end (or `upper`), by repeated reads. */
export function readAll(
  log: PartitionLog,
  from = log.logStartOffset,
  maxBytes = 64 * 1024,
): StoredBatch[] {
  const out: StoredBatch[] = [];
  let offset = from;
  const end = log.logEndOffset;
  while (offset < end) {
    const r = log.read(offset, maxBytes);
    if (r.sizeBytes === 0) break;
    const got = splitStored(concat(r.chunks));
    if (got.length === 0) throw new Error(`read at ${offset} returned no whole batch`);
    for (const b of got) if (b.lastOffset >= offset) out.push(b);
    offset = got[got.length - 1].lastOffset + 1;
  }
  return out;
}
