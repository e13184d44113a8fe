/**
 * What the metadata log and its snapshots hold, in Kafka's formats: v2 record
 * batches stamped with the leader epoch, the KRaft control records
 * (LeaderChange opens every epoch; SnapshotHeader and SnapshotFooter frame a
 * snapshot), and the walk back from batches to record values. Timestamps are
 * always passed in: the core has no clock of its own.
 */
import { concat } from "../base/bytes.ts";
import { assert } from "../base/assert.ts";
import { DecodeError } from "../protocol/decode_error.ts";
import {
  batches,
  buildBatch,
  controlKey,
  ControlType,
  parseControlKey,
  RecordView,
  validateBatch,
} from "../protocol/records/mod.ts";
import { Reader, Writer } from "../protocol/wire.ts";
import { raftBatchBytesMax } from "../base/limits.ts";
import type { LogBatch, SnapshotId } from "./types.ts";

export const METADATA_TOPIC = "__cluster_metadata";
/** Kafka's Uuid.METADATA_TOPIC_ID (0, 1). */
export const METADATA_TOPIC_ID = "AAAAAAAAAAAAAAAAAAAAAQ";
export const METADATA_PARTITION = 0;

/** A data batch of the given record values, appended by the leader at `baseOffset`. */
export function dataBatch(
  values: readonly Uint8Array[],
  baseOffset: number,
  epoch: number,
  timestampMs: number,
): LogBatch {
  timestampMs = Math.floor(timestampMs);
  const bytes = buildBatch({
    baseOffset,
    partitionLeaderEpoch: epoch,
    baseTimestamp: timestampMs,
    records: values.map((value) => ({ key: null, value, timestamp: timestampMs })),
  });
  return { baseOffset, lastOffset: baseOffset + values.length - 1, epoch, bytes };
}

function controlBatch(
  type: ControlType,
  value: Uint8Array,
  baseOffset: number,
  epoch: number,
  timestampMs: number,
): Uint8Array {
  timestampMs = Math.floor(timestampMs);
  return buildBatch({
    baseOffset,
    partitionLeaderEpoch: epoch,
    baseTimestamp: timestampMs,
    isControl: true,
    records: [{ key: controlKey(type), value, timestamp: timestampMs }],
  });
}

/**
 * Kafka's LeaderChangeMessage v0 (flexible), version-prefixed as control
 * values are: leaderId, voters, grantingVoters.
 */
export function leaderChangeValue(
  leaderId: number,
  voters: readonly number[],
  granting: readonly number[],
): Uint8Array {
  const w = new Writer();
  w.int16(0);
  w.int32(leaderId);
  const voter = (x: Writer, id: number) => {
    x.int32(id);
    x.uvarint(0);
  };
  w.compactArray(voters, voter);
  w.compactArray(granting, voter);
  w.uvarint(0);
  return w.finish();
}

export function parseLeaderChangeValue(
  value: Uint8Array,
): { leaderId: number; voters: number[]; granting: number[] } {
  const r = new Reader(value);
  if (r.int16() < 0) throw new DecodeError("corrupt", "LeaderChange version");
  const leaderId = r.int32();
  const voter = (x: Reader) => {
    const id = x.int32();
    x.skipTags();
    return id;
  };
  const voters = r.compactArray(voter);
  const granting = r.compactArray(voter);
  r.skipTags();
  return { leaderId, voters, granting };
}

/** The LeaderChange control batch a new leader appends at the start of its epoch. */
export function leaderChangeBatch(
  leaderId: number,
  voters: readonly number[],
  granting: readonly number[],
  baseOffset: number,
  epoch: number,
  timestampMs: number,
): LogBatch {
  const value = leaderChangeValue(leaderId, voters, granting);
  const bytes = controlBatch(ControlType.LeaderChange, value, baseOffset, epoch, timestampMs);
  return { baseOffset, lastOffset: baseOffset, epoch, bytes };
}

/**
 * Calls `fn` with each data record value of a batch (control batches have
 * none). The value is a view into the batch: copy it to keep it.
 */
export function forEachValue(batch: Uint8Array, fn: (value: Uint8Array, offset: number) => void) {
  for (const h of batches(batch)) {
    if (h.isControl) continue;
    const view = new RecordView().open(h);
    while (view.next()) fn(view.value() ?? new Uint8Array(0), view.offset);
  }
}

/** Control record type of a control batch, or -1 for a data batch. */
export function controlTypeOf(batch: Uint8Array): number {
  for (const h of batches(batch)) {
    if (!h.isControl) return -1;
    const view = new RecordView().open(h);
    if (!view.next()) throw new DecodeError("corrupt", "control batch without a record");
    return parseControlKey(view.key());
  }
  return -1;
}

/**
 * A snapshot file: a SnapshotHeader control batch (version, last contained
 * log timestamp), the state's records in data batches, a SnapshotFooter.
 */
export function buildSnapshot(
  id: SnapshotId,
  values: readonly Uint8Array[],
  timestampMs: number,
): Uint8Array {
  timestampMs = Math.floor(timestampMs);
  const parts: Uint8Array[] = [];
  const header = new Writer();
  header.int16(0);
  header.int16(0);
  header.int64(timestampMs);
  header.uvarint(0);
  parts.push(controlBatch(ControlType.SnapshotHeader, header.finish(), 0, id.epoch, timestampMs));
  let offset = 1;
  let i = 0;
  while (i < values.length) {
    const chunk: Uint8Array[] = [];
    let bytes = 0;
    while (
      i < values.length && (chunk.length === 0 || bytes + values[i].length < raftBatchBytesMax)
    ) {
      bytes += values[i].length + 16;
      chunk.push(values[i++]);
    }
    parts.push(dataBatch(chunk, offset, id.epoch, timestampMs).bytes);
    offset += chunk.length;
  }
  const footer = new Writer();
  footer.int16(0);
  footer.int16(0);
  footer.uvarint(0);
  parts.push(
    controlBatch(ControlType.SnapshotFooter, footer.finish(), offset, id.epoch, timestampMs),
  );
  return concat(parts);
}

/** The record values of a snapshot file; throws DecodeError unless it is whole and framed. */
export function parseSnapshot(bytes: Uint8Array): Uint8Array[] {
  const values: Uint8Array[] = [];
  const scan = batches(bytes);
  let first = true;
  let footer = false;
  for (const h of scan) {
    validateBatch(bytes, h.pos);
    if (footer) throw new DecodeError("corrupt", "snapshot batch after its footer");
    if (h.isControl) {
      const type = controlTypeOf(bytes.subarray(h.pos, h.pos + h.sizeBytes));
      if (first) {
        if (type !== ControlType.SnapshotHeader) {
          throw new DecodeError("corrupt", "snapshot does not open with a header");
        }
      } else if (type === ControlType.SnapshotFooter) {
        footer = true;
      } else {
        throw new DecodeError("corrupt", `control type ${type} inside a snapshot`);
      }
    } else {
      if (first) throw new DecodeError("corrupt", "snapshot does not open with a header");
      const view = new RecordView().open(h);
      while (view.next()) values.push((view.value() ?? new Uint8Array(0)).slice());
    }
    first = false;
  }
  if (scan.partialTailBytes !== 0 || !footer) {
    throw new DecodeError("short", "snapshot ends before its footer");
  }
  return values;
}

/**
 * Checks the batches of a Fetch response before a follower appends them:
 * whole v2 batches with valid CRCs, contiguous from `fetchOffset`, epochs not
 * going back and not above the leader's. A partial batch at the end (the
 * response was cut at maxBytes) is dropped. Returns the batches as copies.
 */
export function fetchedBatches(
  records: Uint8Array,
  fetchOffset: number,
  lastEpoch: number,
  leaderEpoch: number,
): LogBatch[] {
  const out: LogBatch[] = [];
  let next = fetchOffset;
  let epoch = lastEpoch;
  for (const h of batches(records)) {
    validateBatch(records, h.pos);
    if (h.baseOffset !== next) {
      throw new DecodeError("corrupt", `fetched batch at ${h.baseOffset}, expected ${next}`);
    }
    const e = h.partitionLeaderEpoch;
    if (e < epoch || e > leaderEpoch) {
      throw new DecodeError(
        "corrupt",
        `fetched batch epoch ${e} outside [${epoch}, ${leaderEpoch}]`,
      );
    }
    epoch = e;
    const bytes = records.slice(h.pos, h.pos + h.sizeBytes);
    out.push({ baseOffset: h.baseOffset, lastOffset: h.lastOffset, epoch: e, bytes });
    next = h.lastOffset + 1;
  }
  return out;
}

/** Joins a Fetch response's record chunks (a decoded response has one; a local one may have several). */
export function joinRecords(records: Uint8Array | readonly Uint8Array[] | null): Uint8Array {
  if (records === null) return new Uint8Array(0);
  if (records instanceof Uint8Array) return records;
  if (records.length === 1) return records[0];
  let n = 0;
  for (const r of records) n += r.length;
  const out = new Uint8Array(n);
  let p = 0;
  for (const r of records) {
    out.set(r, p);
    p += r.length;
  }
  assert(p === n, "joined records");
  return out;
}
