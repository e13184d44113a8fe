/**
 * Compression codecs for record batches and legacy message sets, selected by
 * Kafka's codec id (attributes bits 0-2): gzip and zstd through node:zlib,
 * snappy (raw + xerial framing) and the LZ4 frame format implemented here.
 * Every decompressor is bounded: output past `maxBytes` throws
 * DecodeError("oversize"); a broken stream throws DecodeError("bad_compression").
 */
import { DecodeError } from "../decode_error.ts";
import { decompressedBytesMax } from "../../base/limits.ts";
import { Compression } from "../records/layout.ts";
import { gzipCompress, gzipDecompress } from "./gzip.ts";
import { lz4Compress, lz4Decompress, type Lz4HeaderChecksum } from "./lz4.ts";
import { snappyCompress, snappyDecompress } from "./snappy.ts";
import { zstdCompress, zstdDecompress } from "./zstd.ts";

export { Compression } from "../records/layout.ts";
export * from "./gzip.ts";
export * from "./lz4.ts";
export * from "./snappy.ts";
export * from "./zstd.ts";

export interface CompressOptions {
  /** lz4 only: KAFKA-3160 header checksum, as Kafka writes for magic 0 messages. */
  legacyLz4HeaderChecksum?: boolean;
}

export interface DecompressOptions {
  /** lz4 only: which frame-header checksum to accept (default "standard"). */
  lz4HeaderChecksum?: Lz4HeaderChecksum;
}

/** Compresses `bytes` with `codec`. Compression.None returns `bytes` itself. */
export function compress(
  codec: Compression,
  bytes: Uint8Array,
  opts: CompressOptions = {},
): Uint8Array {
  switch (codec) {
    case Compression.None:
      return bytes;
    case Compression.Gzip:
      return gzipCompress(bytes);
    case Compression.Snappy:
      return snappyCompress(bytes);
    case Compression.Lz4:
      return lz4Compress(bytes, { legacyHeaderChecksum: opts.legacyLz4HeaderChecksum });
    case Compression.Zstd:
      return zstdCompress(bytes);
    default:
      throw new RangeError(`unknown compression codec ${codec}`);
  }
}

/**
 * Decompresses `bytes` with `codec`, refusing to produce more than `maxBytes`.
 * Compression.None returns `bytes` itself (still bounded).
 */
export function decompress(
  codec: Compression,
  bytes: Uint8Array,
  maxBytes: number = decompressedBytesMax,
  opts: DecompressOptions = {},
): Uint8Array {
  let out: Uint8Array;
  switch (codec) {
    case Compression.None:
      out = bytes;
      break;
    case Compression.Gzip:
      out = gzipDecompress(bytes, maxBytes);
      break;
    case Compression.Snappy:
      out = snappyDecompress(bytes, maxBytes);
      break;
    case Compression.Lz4:
      out = lz4Decompress(bytes, maxBytes, { headerChecksum: opts.lz4HeaderChecksum });
      break;
    case Compression.Zstd:
      out = zstdDecompress(bytes, maxBytes);
      break;
    default:
      throw new DecodeError("bad_compression", `unknown compression codec ${codec}`);
  }
  if (out.length > maxBytes) {
    throw new DecodeError("oversize", `decompressed ${out.length} bytes exceeds ${maxBytes}`);
  }
  return out;
}
