/** Assertion helpers for the storage tests (no network: no std library). */
import { deepEqual } from "../../src/protocol/equal.ts";

export function assert(cond: unknown, msg = "assertion failed"): asserts cond {
  if (!cond) throw new Error(msg);
}

function show(v: unknown): string {
  if (v instanceof Uint8Array) {
    return `bytes[${v.length}](${[...v.subarray(0, 16)].join(",")}${v.length > 16 ? ",…" : ""})`;
  }
  try {
    const s = JSON.stringify(v, (_k, x) => x instanceof Uint8Array ? show(x) : x);
    return s.length > 600 ? s.slice(0, 600) + "…" : s;
  } catch {
    return String(v);
  }
}

export function assertEquals(actual: unknown, expected: unknown, msg = ""): void {
  if (!deepEqual(actual, expected)) {
    throw new Error(`${msg ? msg + ": " : ""}expected ${show(expected)}, got ${show(actual)}`);
  }
}

// deno-lint-ignore no-explicit-any
type ErrorClass = new (...args: any[]) => Error;

function check(e: unknown, cls?: ErrorClass, includes?: string): Error {
  if (!(e instanceof Error)) throw new Error(`expected an Error, got ${String(e)}`);
  const what = `${e.name}: ${e.message}`;
  if (cls && !(e instanceof cls)) throw new Error(`expected ${cls.name}, got ${what}`);
  if (includes && !e.message.includes(includes)) {
    throw new Error(`expected message with "${includes}", got "${e.message}"`);
  }
  return e;
}

export function assertThrows(fn: () => unknown, cls?: ErrorClass, includes?: string): Error {
  try {
    fn();
  } catch (e) {
    return check(e, cls, includes);
  }
  throw new Error(`expected ${cls?.name ?? "an error"}, nothing thrown`);
}

export async function assertRejects(
  fn: () => Promise<unknown>,
  cls?: ErrorClass,
  includes?: string,
): Promise<Error> {
  try {
    await fn();
  } catch (e) {
    return check(e, cls, includes);
  }
  throw new Error(`expected ${cls?.name ?? "a rejection"}, nothing thrown`);
}
