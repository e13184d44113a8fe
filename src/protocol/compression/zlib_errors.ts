/**
 * Maps node:zlib failures to DecodeError: exceeding maxOutputLength is
 * "oversize", any other failure means the stream does not decompress.
 */
import { DecodeError } from "../decode_error.ts";

export function zlibDecodeError(codec: string, e: unknown, maxBytes: number): DecodeError {
  if (e instanceof RangeError || (e as { code?: string })?.code === "ERR_BUFFER_TOO_LARGE") {
    return new DecodeError("oversize", `${codec} output exceeds ${maxBytes} bytes`);
  }
  const msg = e instanceof Error ? e.message : String(e);
  return new DecodeError("bad_compression", `${codec}: ${msg}`);
}

/** node:zlib returns Buffers; hand out plain Uint8Array views so slice() copies. */
export function plain(b: Uint8Array): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}
