/** Small assertion helpers for the records and compression tests. */
import { deepEqual } from "../../src/protocol/equal.ts";
import { DecodeError, type DecodeErrorKind } from "../../src/protocol/decode_error.ts";

export function assert(cond: unknown, msg = "assertion failed"): asserts cond {
  if (!cond) throw new Error(msg);
}

export function assertEquals(actual: unknown, expected: unknown, msg = ""): void {
  if (!deepEqual(actual, expected)) {
    throw new Error(
      `${msg ? msg + ": " : ""}expected ${show(expected)}, got ${show(actual)}`,
    );
  }
}

function show(v: unknown): string {
  if (v instanceof Uint8Array) {
    return `bytes[${v.length}](${[...v.subarray(0, 16)].join(",")}${v.length > 16 ? ",…" : ""})`;
  }
  try {
    return JSON.stringify(v, (_k, x) => x instanceof Uint8Array ? show(x) : x);
  } catch {
    return String(v);
  }
}

/** Runs `fn`, requires a DecodeError (of `kind` if given), returns it. */
export function assertDecodeError(fn: () => unknown, kind?: DecodeErrorKind): DecodeError {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof DecodeError)) throw new Error(`expected DecodeError, got ${e}`);
    if (kind && e.kind !== kind) throw new Error(`expected DecodeError ${kind}, got ${e.message}`);
    return e;
  }
  throw new Error(`expected DecodeError${kind ? " " + kind : ""}, nothing thrown`);
}

/** Runs `fn`; passes if it returns or throws a DecodeError, fails on anything else. */
export function onlyDecodeError(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof DecodeError)) throw new Error(`expected DecodeError, got ${e}`);
  }
}

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
