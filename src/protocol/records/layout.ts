/**
 * RecordBatch (magic 2) byte layout and raw accessors. Everything that reads or
 * patches batch header fields in place goes through these, so storage, the
 * produce path and the fetch path agree on one definition. All big-endian.
 * `pos` is the offset of the batch's first byte inside `buf`.
 */

export const BASE_OFFSET = 0; // int64, not covered by the CRC
export const BATCH_LENGTH = 8; // int32, bytes after this field
export const PARTITION_LEADER_EPOCH = 12; // int32, not covered by the CRC
export const MAGIC = 16; // int8 (byte 16 is magic in the legacy layout too)
export const CRC = 17; // uint32 CRC-32C over ATTRIBUTES..end
export const ATTRIBUTES = 21; // int16
export const LAST_OFFSET_DELTA = 23; // int32
export const BASE_TIMESTAMP = 27; // int64
export const MAX_TIMESTAMP = 35; // int64
export const PRODUCER_ID = 43; // int64
export const PRODUCER_EPOCH = 51; // int16
export const BASE_SEQUENCE = 53; // int32
export const RECORDS_COUNT = 57; // int32
/** Size of the v2 batch header; records start here. */
export const RECORD_BATCH_OVERHEAD = 61;
/** baseOffset + batchLength: the bytes not counted by batchLength. */
export const LOG_OVERHEAD = 12;

export const COMPRESSION_MASK = 0x07;
export const TIMESTAMP_TYPE_BIT = 0x08; // 1 = LogAppendTime
export const TRANSACTIONAL_BIT = 0x10;
export const CONTROL_BIT = 0x20;
export const DELETE_HORIZON_BIT = 0x40;

export const enum Compression {
  None = 0,
  Gzip = 1,
  Snappy = 2,
  Lz4 = 3,
  Zstd = 4,
}

function view(buf: Uint8Array): DataView {
  return new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** Read-only and patching accessors over one batch header in a byte buffer. */
export class BatchHeader {
  readonly dv: DataView;
  constructor(readonly buf: Uint8Array, readonly pos = 0) {
    this.dv = view(buf);
  }
  get baseOffset(): number {
    return Number(this.dv.getBigInt64(this.pos + BASE_OFFSET));
  }
  set baseOffset(v: number) {
    this.dv.setBigInt64(this.pos + BASE_OFFSET, BigInt(v));
  }
  get batchLength(): number {
    return this.dv.getInt32(this.pos + BATCH_LENGTH);
  }
  /** Total bytes of the batch including baseOffset and batchLength. */
  get sizeBytes(): number {
    return this.batchLength + LOG_OVERHEAD;
  }
  get partitionLeaderEpoch(): number {
    return this.dv.getInt32(this.pos + PARTITION_LEADER_EPOCH);
  }
  set partitionLeaderEpoch(v: number) {
    this.dv.setInt32(this.pos + PARTITION_LEADER_EPOCH, v);
  }
  get magic(): number {
    return this.dv.getInt8(this.pos + MAGIC);
  }
  get crc(): number {
    return this.dv.getUint32(this.pos + CRC);
  }
  set crc(v: number) {
    this.dv.setUint32(this.pos + CRC, v);
  }
  get attributes(): number {
    return this.dv.getInt16(this.pos + ATTRIBUTES);
  }
  set attributes(v: number) {
    this.dv.setInt16(this.pos + ATTRIBUTES, v);
  }
  get compression(): Compression {
    return this.attributes & COMPRESSION_MASK;
  }
  get isLogAppendTime(): boolean {
    return (this.attributes & TIMESTAMP_TYPE_BIT) !== 0;
  }
  get isTransactional(): boolean {
    return (this.attributes & TRANSACTIONAL_BIT) !== 0;
  }
  get isControl(): boolean {
    return (this.attributes & CONTROL_BIT) !== 0;
  }
  get lastOffsetDelta(): number {
    return this.dv.getInt32(this.pos + LAST_OFFSET_DELTA);
  }
  get lastOffset(): number {
    return this.baseOffset + this.lastOffsetDelta;
  }
  get baseTimestamp(): number {
    return Number(this.dv.getBigInt64(this.pos + BASE_TIMESTAMP));
  }
  get maxTimestamp(): number {
    return Number(this.dv.getBigInt64(this.pos + MAX_TIMESTAMP));
  }
  set maxTimestamp(v: number) {
    this.dv.setBigInt64(this.pos + MAX_TIMESTAMP, BigInt(v));
  }
  get producerId(): number {
    return Number(this.dv.getBigInt64(this.pos + PRODUCER_ID));
  }
  get producerEpoch(): number {
    return this.dv.getInt16(this.pos + PRODUCER_EPOCH);
  }
  get baseSequence(): number {
    return this.dv.getInt32(this.pos + BASE_SEQUENCE);
  }
  get recordsCount(): number {
    return this.dv.getInt32(this.pos + RECORDS_COUNT);
  }
  /** The bytes of this batch (a view, no copy). */
  bytes(): Uint8Array {
    return this.buf.subarray(this.pos, this.pos + this.sizeBytes);
  }
}
