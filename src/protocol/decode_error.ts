/**
 * The one error type every decoder throws for malformed input. Callers map it to
 * a Kafka error code (CORRUPT_MESSAGE, INVALID_REQUEST, ...) or a closed
 * connection; anything else escaping a decoder is a bug.
 */
export type DecodeErrorKind =
  | "short" // input ended before the field did
  | "bad_length" // negative or impossible length / count
  | "bad_varint" // varint longer than its type allows
  | "bad_utf8" // string bytes are not UTF-8
  | "unknown_api" // api key we do not know
  | "unsupported_version" // version outside the API's range
  | "oversize" // over a configured limit
  | "unsafe_int64" // int64 outside the exactly representable range
  | "bad_tag" // tagged fields out of order or malformed
  | "trailing" // bytes left after a complete message
  | "corrupt" // checksum mismatch or inconsistent structure
  | "bad_magic" // unknown record format magic
  | "bad_compression"; // unknown codec or a stream that does not decompress

export class DecodeError extends Error {
  override name = "DecodeError";
  constructor(readonly kind: DecodeErrorKind, message: string) {
    super(`${kind}: ${message}`);
  }
}
