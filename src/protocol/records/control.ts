/**
 * Control batches: the transaction markers (ABORT / COMMIT) a coordinator
 * writes into each partition a transaction touched. A control batch is a v2
 * batch with isControl + isTransactional, the transaction's producerId and
 * producerEpoch, baseSequence −1 and exactly one record whose key is
 * `int16 version 0, int16 type` and whose value (for markers) is
 * `int16 version 0, int32 coordinatorEpoch`. Types 2-6 are KRaft-internal
 * records; we parse their type but not their value.
 */
import { DecodeError } from "../decode_error.ts";
import { buildBatch, RecordView } from "./batch.ts";
import type { BatchHeader } from "./layout.ts";

export const enum ControlType {
  Abort = 0,
  Commit = 1,
  LeaderChange = 2,
  SnapshotHeader = 3,
  SnapshotFooter = 4,
  KRaftVersion = 5,
  KRaftVoters = 6,
}

const CONTROL_KEY_VERSION = 0;
const END_TXN_MARKER_VERSION = 0;
const CONTROL_KEY_BYTES = 4;
const END_TXN_MARKER_BYTES = 6;

export interface EndTxnMarkerOptions {
  type: ControlType.Abort | ControlType.Commit;
  producerId: number;
  producerEpoch: number;
  coordinatorEpoch: number;
  baseOffset?: number;
  partitionLeaderEpoch?: number;
  /** The marker record's timestamp (default now). */
  timestamp?: number;
}

/** The 4-byte key of a control record of `type`. */
export function controlKey(type: ControlType): Uint8Array {
  const key = new Uint8Array(CONTROL_KEY_BYTES);
  const dv = new DataView(key.buffer);
  dv.setInt16(0, CONTROL_KEY_VERSION);
  dv.setInt16(2, type);
  return key;
}

/** The 6-byte value of an ABORT / COMMIT marker. */
export function endTxnMarkerValue(coordinatorEpoch: number): Uint8Array {
  const value = new Uint8Array(END_TXN_MARKER_BYTES);
  const dv = new DataView(value.buffer);
  dv.setInt16(0, END_TXN_MARKER_VERSION);
  dv.setInt32(2, coordinatorEpoch);
  return value;
}

/** Builds the control batch holding one ABORT or COMMIT marker. */
export function buildEndTxnMarker(opts: EndTxnMarkerOptions): Uint8Array {
  return buildBatch({
    baseOffset: opts.baseOffset ?? 0,
    partitionLeaderEpoch: opts.partitionLeaderEpoch ?? -1,
    records: [{
      key: controlKey(opts.type),
      value: endTxnMarkerValue(opts.coordinatorEpoch),
      timestamp: opts.timestamp ?? Date.now(),
    }],
    producerId: opts.producerId,
    producerEpoch: opts.producerEpoch,
    baseSequence: -1,
    isTransactional: true,
    isControl: true,
  });
}

export interface ControlRecord {
  /** Control record type (ControlType; other values are future types). */
  type: number;
  /** For ABORT / COMMIT markers; −1 for other types. */
  coordinatorEpoch: number;
  offset: number;
  timestamp: number;
}

/** Reads a control record key; throws DecodeError if it is malformed. */
export function parseControlKey(key: Uint8Array | null): number {
  if (key === null || key.length < CONTROL_KEY_BYTES) {
    throw new DecodeError("corrupt", "control record key shorter than 4 bytes");
  }
  const dv = new DataView(key.buffer, key.byteOffset, key.byteLength);
  const version = dv.getInt16(0);
  // Kafka reads any non-negative version, to stay compatible with newer writers.
  if (version < 0) throw new DecodeError("corrupt", `control key version ${version}`);
  return dv.getInt16(2);
}

/** Reads an ABORT / COMMIT marker value; returns the coordinator epoch. */
export function parseEndTxnMarkerValue(value: Uint8Array | null): number {
  if (value === null || value.length < END_TXN_MARKER_BYTES) {
    throw new DecodeError("corrupt", "transaction marker value shorter than 6 bytes");
  }
  const dv = new DataView(value.buffer, value.byteOffset, value.byteLength);
  const version = dv.getInt16(0);
  if (version < 0) throw new DecodeError("corrupt", `transaction marker version ${version}`);
  return dv.getInt32(2);
}

/**
 * Reads the single record of a control batch. Throws DecodeError unless the
 * batch is a control batch holding exactly one well-formed control record.
 */
export function readControlBatch(batch: BatchHeader): ControlRecord {
  if (!batch.isControl) throw new DecodeError("corrupt", "not a control batch");
  if (batch.recordsCount !== 1) {
    throw new DecodeError("corrupt", `control batch with ${batch.recordsCount} records`);
  }
  const view = new RecordView().open(batch);
  if (!view.next()) throw new DecodeError("corrupt", "control batch without a record");
  const type = parseControlKey(view.key());
  const coordinatorEpoch = type === ControlType.Abort || type === ControlType.Commit
    ? parseEndTxnMarkerValue(view.value())
    : -1;
  const record = { type, coordinatorEpoch, offset: view.offset, timestamp: view.timestamp };
  view.next(); // checks nothing follows the record
  return record;
}
