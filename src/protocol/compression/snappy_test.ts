import {
  isXerial,
  snappyCompress,
  snappyCompressRaw,
  snappyDecompress,
  snappyDecompressRaw,
} from "./snappy.ts";
import { assertDecodeError, assertEquals, utf8 } from "../../../tests/support/records_assert.ts";

Deno.test("snappy decodes hand-made raw blocks using every element form", () => {
  // "abcd" literal, then copy(offset 4, len 8) in the 1-byte-offset form.
  assertEquals(
    snappyDecompressRaw(new Uint8Array([12, 3 << 2, 97, 98, 99, 100, 1 | (4 << 2), 4]), 100),
    utf8("abcdabcdabcd"),
  );
  // "ab" then copy(offset 2, len 6) with a 2-byte offset, then with a 4-byte offset.
  assertEquals(
    snappyDecompressRaw(
      new Uint8Array([14, 1 << 2, 97, 98, 2 | (5 << 2), 2, 0, 3 | (5 << 2), 2, 0, 0, 0]),
      100,
    ),
    utf8("abababababababab".slice(0, 14)),
  );
  // Literal with a 1-byte extended length (tag 60): 100 bytes.
  const lit = new Uint8Array(100).fill(120);
  assertEquals(snappyDecompressRaw(new Uint8Array([100, 60 << 2, 99, ...lit]), 200), lit);
});

Deno.test("snappy raw and xerial round trip; xerial is what we write", () => {
  const text = utf8("snappy snappy snappy, kafka kafka; ".repeat(5000));
  const raw = snappyCompressRaw(text);
  assertEquals(snappyDecompressRaw(raw, text.length), text);
  assertEquals(snappyDecompress(raw, text.length), text, "plain raw accepted on read");
  const framed = snappyCompress(text);
  assertEquals(isXerial(framed), true);
  assertEquals([...framed.subarray(0, 16)], [
    0x82,
    0x53,
    0x4e,
    0x41,
    0x50,
    0x50,
    0x59,
    0x00,
    0,
    0,
    0,
    1,
    0,
    0,
    0,
    1,
  ]);
  // 32 KiB of input per block, as Java writes: 175000 bytes -> 6 blocks.
  const dv = new DataView(framed.buffer);
  let blocks = 0;
  for (let p = 16; p < framed.length; p += 4 + dv.getInt32(p)) blocks++;
  assertEquals(blocks, Math.ceil(text.length / 32768));
  assertEquals(snappyDecompress(framed, text.length), text);
  assertDecodeError(() => snappyDecompress(framed, text.length - 1), "oversize");
  assertEquals(raw.length < text.length / 5, true, "repetitive text compresses");
});

Deno.test("snappy rejects bad offsets and lengths", () => {
  // Copy before the start of output.
  assertDecodeError(() => snappyDecompressRaw(new Uint8Array([8, 1 | (4 << 2), 4]), 100));
  // Output shorter than the preamble says.
  assertDecodeError(() => snappyDecompressRaw(new Uint8Array([5, 0, 97]), 100));
  // Declared length over the bound.
  const zeros = snappyCompressRaw(new Uint8Array(100_000));
  assertDecodeError(() => snappyDecompressRaw(zeros, 99_999), "oversize");
  // A declared length no input of this size could produce is refused before allocating.
  assertDecodeError(
    () => snappyDecompressRaw(new Uint8Array([0x80, 0x80, 0x04, 0]), 1 << 30),
    "bad_compression",
  );
});
