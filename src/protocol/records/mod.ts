/**
 * records: Kafka's on-the-wire record formats. layout.ts defines the v2
 * RecordBatch header; batch.ts builds, validates and walks v2 batches (one
 * reusable RecordView cursor, no object per record); control.ts covers
 * transaction markers; legacy.ts reads and writes magic 0/1 message sets and
 * converts them to and from v2; varint.ts and crc.ts are the primitives.
 * Compression codecs live in ../compression/.
 */
export * from "./layout.ts";
export * from "./crc.ts";
export * from "./varint.ts";
export * from "./batch.ts";
export * from "./control.ts";
export * from "./legacy.ts";
