/**
 * protocol: the Kafka wire protocol, sans-I/O (bytes in, bytes out; no Deno.*).
 *
 * - schema/      one declarative file per API in our DSL (schema/dsl.ts)
 * - codegen/     the generator: `deno task codegen` writes generated/, `codegen:check` detects drift
 * - generated/   straight-line encode/decode per API and version (committed, do not edit)
 * - wire.ts      primitive encodings (Reader/Writer); every length checked before allocation
 * - header.ts    request/response headers and their version quirks, in one place
 * - frame.ts     size-prefixed framing
 * - messages.ts  header + body for both sides, ApiVersions fallback
 * - records/     RecordBatch v2 views and builder, control batches, legacy MessageSet v0/v1
 * - compression/ gzip, snappy (xerial), lz4 (frame), zstd; bounded decompression
 * - errors.ts    every Kafka error code with name and retriable flag
 * - decode_error.ts  the one error type decoders throw
 */
export * from "./decode_error.ts";
export * from "./frame.ts";
export * from "./header.ts";
export * from "./messages.ts";
export * from "./wire.ts";
export * from "./uuid.ts";
export type { ApiCodec, MessageCodec } from "./codec_types.ts";
