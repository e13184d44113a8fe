import { crc32, crc32c } from "./crc.ts";
import { assertEquals } from "../../../tests/support/records_assert.ts";

const check = new TextEncoder().encode("123456789");

Deno.test("crc32c matches the standard check value, small and large paths", () => {
  assertEquals(crc32c(check), 0xe3069283);
  assertEquals(crc32c(new Uint8Array(0)), 0);
  // Both implementations (JS tables below the threshold, wasm above) agree.
  const big = new Uint8Array(10_000);
  for (let i = 0; i < big.length; i++) big[i] = (i * 131 + 7) & 0xff;
  for (const n of [1, 7, 8, 9, 2047, 2048, 2049, 10_000]) {
    assertEquals(crc32c(big.subarray(0, n)), bitwise(0x82f63b78, big.subarray(0, n)), `n=${n}`);
  }
});

Deno.test("crc32 (IEEE) matches the standard check value", () => {
  assertEquals(crc32(check), 0xcbf43926);
  const big = new Uint8Array(5000).map((_, i) => i * 17);
  for (const n of [0, 3, 2047, 2048, 5000]) {
    assertEquals(crc32(big.subarray(0, n)), bitwise(0xedb88320, big.subarray(0, n)), `n=${n}`);
  }
});

function bitwise(poly: number, b: Uint8Array): number {
  let c = ~0;
  for (const x of b) {
    c ^= x;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ poly : c >>> 1;
  }
  return ~c >>> 0;
}
