/** Assertions for the Raft tests (no std library: the tests run offline). */
import { deepEqual } from "../../src/protocol/equal.ts";

export function assert(cond: unknown, msg = "assertion failed"): asserts cond {
  if (!cond) throw new Error(msg);
}

function show(v: unknown): string {
  const s = JSON.stringify(v, (_k, x) => x instanceof Uint8Array ? `bytes[${x.length}]` : x);
  return s === undefined ? String(v) : s.length > 800 ? s.slice(0, 800) + "…" : s;
}

export function assertEquals(actual: unknown, expected: unknown, msg = ""): void {
  if (!deepEqual(actual, expected)) {
    throw new Error(`${msg ? msg + ": " : ""}expected ${show(expected)}, got ${show(actual)}`);
  }
}

export function assertThrows(fn: () => unknown, msg = "expected a throw"): Error {
  try {
    fn();
  } catch (e) {
    if (e instanceof Error) return e;
    throw new Error(`threw a non-Error: ${String(e)}`);
  }
  throw new Error(msg);
}
