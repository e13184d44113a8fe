/** A broken invariant is a bug: fail loudly, never continue silently. */
export class AssertionError extends Error {
  override name = "AssertionError";
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionError(message);
}

export function unreachable(value: never, what = "value"): never {
  throw new AssertionError(`unreachable ${what}: ${String(value)}`);
}
