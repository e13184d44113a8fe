/** gzip (codec 1): a plain gzip stream, via node:zlib. */
import { gunzipSync, gzipSync } from "node:zlib";
import { plain, zlibDecodeError } from "./zlib_errors.ts";

export function gzipCompress(bytes: Uint8Array): Uint8Array {
  return plain(gzipSync(bytes));
}

/** Inflates a gzip stream; DecodeError "oversize" past `maxBytes`, "bad_compression" if broken. */
export function gzipDecompress(bytes: Uint8Array, maxBytes: number): Uint8Array {
  try {
    // maxOutputLength must be >= 1; an empty result never needs the bound.
    return plain(gunzipSync(bytes, { maxOutputLength: Math.max(1, maxBytes) }));
  } catch (e) {
    throw zlibDecodeError("gzip", e, maxBytes);
  }
}
