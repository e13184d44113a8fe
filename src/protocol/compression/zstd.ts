/** zstd (codec 4): a standard zstd frame, via node:zlib. */
import { zstdCompressSync, zstdDecompressSync } from "node:zlib";
import { plain, zlibDecodeError } from "./zlib_errors.ts";

export function zstdCompress(bytes: Uint8Array): Uint8Array {
  return plain(zstdCompressSync(bytes));
}

/** Inflates a zstd frame; DecodeError "oversize" past `maxBytes`, "bad_compression" if broken. */
export function zstdDecompress(bytes: Uint8Array, maxBytes: number): Uint8Array {
  try {
    return plain(zstdDecompressSync(bytes, { maxOutputLength: Math.max(1, maxBytes) }));
  } catch (e) {
    throw zlibDecodeError("zstd", e, maxBytes);
  }
}
