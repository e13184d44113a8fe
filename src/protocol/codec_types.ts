/**
 * Shapes of the generated codecs (src/protocol/generated/): one MessageCodec per
 * request and response, one ApiCodec per API. Hand-written so the generator's
 * output stays plain data and functions.
 */
import type { Listener } from "./schema/dsl.ts";
import type { Reader, Writer } from "./wire.ts";

export interface MessageCodec<T> {
  /** Kafka's message name, e.g. "ProduceRequest". */
  readonly name: string;
  readonly minVersion: number;
  readonly maxVersion: number;
  /** First flexible version (KIP-482), or Infinity when the message has none. */
  readonly flexibleMin: number;
  /** Decoders by version; undefined outside [minVersion, maxVersion]. */
  readonly read: readonly (((r: Reader) => T) | undefined)[];
  /** Encoders by version; fields a version lacks are left out. */
  readonly write: readonly (((w: Writer, m: T) => void) | undefined)[];
  /** A message holding every field's default. */
  create(): T;
}

export interface ApiCodec<Req = unknown, Res = unknown> {
  readonly apiKey: number;
  /** Kafka's API name, e.g. "Produce". */
  readonly name: string;
  readonly listeners: readonly Listener[];
  readonly request: MessageCodec<Req>;
  readonly response: MessageCodec<Res>;
}

/** Thrown by an encoder given a message a version cannot express (a caller bug). */
export class EncodeError extends Error {
  override name = "EncodeError";
}

export function nonNull<T>(v: T | null, what: string): T {
  if (v === null) throw new EncodeError(`${what} is null in a version where it is not nullable`);
  return v;
}
