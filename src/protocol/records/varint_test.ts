import {
  readVarint,
  readVarlong,
  sizeOfVarint,
  sizeOfVarlong,
  writeVarint,
  writeVarlong,
} from "./varint.ts";
import { assertDecodeError, assertEquals } from "../../../tests/support/records_assert.ts";

Deno.test("varint round trips int32 edges with Kafka's byte forms", () => {
  const buf = new Uint8Array(10);
  const cases: [number, number[]][] = [
    [0, [0]],
    [-1, [1]],
    [1, [2]],
    [63, [126]],
    [-64, [127]],
    [64, [128, 1]],
    [300, [216, 4]],
    [2147483647, [254, 255, 255, 255, 15]],
    [-2147483648, [255, 255, 255, 255, 15]],
  ];
  for (const [v, bytes] of cases) {
    const end = writeVarint(buf, 0, v);
    assertEquals([...buf.subarray(0, end)], bytes, `write ${v}`);
    assertEquals(sizeOfVarint(v), bytes.length, `size ${v}`);
    const c = { pos: 0 };
    assertEquals(readVarint(buf.subarray(0, end), c), v, `read ${v}`);
    assertEquals(c.pos, end);
  }
});

Deno.test("varlong is exact beyond 2^31 up to the safe integer range", () => {
  const buf = new Uint8Array(10);
  const values = [
    0,
    -1,
    2 ** 31,
    -(2 ** 31) - 1,
    2 ** 32 + 5,
    1_700_000_000_000,
    -1_700_000_000_000,
    2 ** 52 + 1,
    -(2 ** 52) - 1,
    Number.MAX_SAFE_INTEGER,
    Number.MIN_SAFE_INTEGER,
  ];
  for (const v of values) {
    const end = writeVarlong(buf, 0, v);
    assertEquals(end, sizeOfVarlong(v), `size ${v}`);
    const c = { pos: 0 };
    assertEquals(readVarlong(buf.subarray(0, end), c), v, `round trip ${v}`);
    assertEquals(c.pos, end);
    // Cross-check the bytes against a BigInt reference encoder.
    assertEquals([...buf.subarray(0, end)], refVarlong(BigInt(v)), `bytes ${v}`);
  }
  // 2^40 zigzags to 2^41: five empty 7-bit groups, then 2^41 >> 35 = 64.
  assertEquals(refVarlong(2n ** 40n), [128, 128, 128, 128, 128, 64]);
});

Deno.test("varint/varlong reject malformed input with DecodeError", () => {
  assertDecodeError(() => readVarint(new Uint8Array([0x80, 0x80]), { pos: 0 }), "short");
  assertDecodeError(() => readVarint(new Uint8Array(0), { pos: 0 }), "short");
  assertDecodeError(
    () => readVarint(new Uint8Array([0x80, 0x80, 0x80, 0x80, 0x80, 0x01]), { pos: 0 }),
    "bad_varint",
  );
  assertDecodeError(
    () => readVarint(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x1f]), { pos: 0 }),
    "bad_varint",
  );
  assertDecodeError(() => readVarlong(new Uint8Array([0xff, 0xff]), { pos: 0 }), "short");
  assertDecodeError(
    () => readVarlong(new Uint8Array(11).fill(0x80), { pos: 0 }),
    "bad_varint",
  );
  // Full 64-bit values parse as varints but are not exact in a JS number.
  assertDecodeError(
    () => readVarlong(new Uint8Array(refVarlong(2n ** 62n)), { pos: 0 }),
    "unsafe_int64",
  );
  assertDecodeError(
    () => readVarlong(new Uint8Array(refVarlong(-(2n ** 63n))), { pos: 0 }),
    "unsafe_int64",
  );
});

function refVarlong(v: bigint): number[] {
  let u = BigInt.asUintN(64, (v << 1n) ^ (v >> 63n));
  const out: number[] = [];
  while (u >= 0x80n) {
    out.push(Number(u & 0x7fn) | 0x80);
    u >>= 7n;
  }
  out.push(Number(u));
  return out;
}
