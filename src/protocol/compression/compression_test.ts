import { compress, Compression, decompress } from "./mod.ts";
import {
  assertDecodeError,
  assertEquals,
  onlyDecodeError,
  utf8,
} from "../../../tests/support/records_assert.ts";

const CODECS = [Compression.Gzip, Compression.Snappy, Compression.Lz4, Compression.Zstd];

function inputs(): Uint8Array[] {
  let x = 7;
  const random = new Uint8Array(200_000).map(() =>
    (x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 24
  );
  const text = utf8("the quick brown fox jumps over the lazy dog; ".repeat(30_000));
  const mixed = new Uint8Array(300_000);
  for (let i = 0; i < mixed.length; i++) mixed[i] = i % 1000 < 500 ? random[i % 200_000] : i & 7;
  return [new Uint8Array(0), utf8("a"), utf8("abcdabcdabcdabcd"), random, text, mixed];
}

Deno.test("every codec round trips empty, tiny, random, repetitive and mixed inputs", () => {
  for (const codec of CODECS) {
    for (const input of inputs()) {
      const packed = compress(codec, input);
      const out = decompress(codec, packed);
      assertEquals(out, input, `codec ${codec}, ${input.length} bytes`);
    }
  }
});

Deno.test("decompression past maxBytes is rejected as oversize", () => {
  const input = new Uint8Array(1 << 20);
  for (const codec of CODECS) {
    const packed = compress(codec, input);
    assertDecodeError(() => decompress(codec, packed, (1 << 20) - 1), "oversize");
    assertEquals(decompress(codec, packed, 1 << 20).length, 1 << 20);
  }
});

Deno.test("broken streams are bad_compression; mangled ones only ever DecodeError", () => {
  for (const codec of CODECS) {
    assertDecodeError(
      () => decompress(codec, utf8("definitely not a compressed stream")),
      codec === Compression.Snappy ? undefined : "bad_compression",
    );
    const packed = compress(codec, utf8("hello hello hello hello hello world ".repeat(50)));
    for (let n = 0; n < packed.length; n++) {
      onlyDecodeError(() => decompress(codec, packed.subarray(0, n)));
    }
    for (let i = 0; i < packed.length; i++) {
      const copy = packed.slice();
      copy[i] ^= 0x5a;
      onlyDecodeError(() => decompress(codec, copy, 100_000));
    }
  }
  assertDecodeError(() => decompress(7 as Compression, new Uint8Array(1)), "bad_compression");
});
