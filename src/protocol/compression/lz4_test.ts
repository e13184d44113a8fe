import { createXXHash32 } from "hash-wasm";
import { lz4Compress, lz4Decompress } from "./lz4.ts";
import { lz4FixtureInput } from "../../../tests/support/records_lz4_input.ts";
import { assert, assertDecodeError, assertEquals } from "../../../tests/support/records_assert.ts";

const fixtures = new URL("../../../tests/fixtures/lz4/", import.meta.url);
const input = lz4FixtureInput();
const MAX = 1 << 24;

function fixture(name: string): Uint8Array {
  return Deno.readFileSync(new URL(name, fixtures));
}

Deno.test("lz4: frames from the reference CLI decode, linked blocks included", () => {
  for (const name of ["linked_64k.lz4", "linked_64k_checksums_size.lz4", "independent_64k.lz4"]) {
    const frame = fixture(name);
    const linked = name.startsWith("linked");
    assertEquals((frame[4] & 0x20) === 0, linked, `${name}: block independence flag`);
    assertEquals(lz4Decompress(frame, MAX), input, name);
  }
});

Deno.test("lz4: the linked fixture really depends on earlier blocks", async () => {
  // Claim block independence (fixing the header checksum): our decoder must
  // then refuse the back-references that cross into earlier blocks.
  const frame = fixture("linked_64k.lz4").slice();
  frame[4] |= 0x20;
  const h = await createXXHash32(0);
  h.init();
  h.update(frame.subarray(4, 6));
  frame[6] = (parseInt(h.digest("hex"), 16) >>> 8) & 0xff;
  assertDecodeError(() => lz4Decompress(frame, MAX), "bad_compression");
});

Deno.test("lz4: checksums and bounds are enforced", () => {
  const frame = fixture("linked_64k_checksums_size.lz4");
  const body = frame.slice();
  body[40] ^= 0xff; // inside the first block: block checksum mismatch
  assertDecodeError(() => lz4Decompress(body, MAX), "bad_compression");
  const content = fixture("linked_64k.lz4").slice();
  content[content.length - 1] ^= 0xff; // content checksum
  assertDecodeError(() => lz4Decompress(content, MAX), "bad_compression");
  const header = frame.slice();
  header[6 + 8] ^= 0xff; // header checksum (after the 8-byte content size)
  assertDecodeError(() => lz4Decompress(header, MAX), "bad_compression");
  // Content size in the header lets us refuse before decoding anything.
  assertDecodeError(() => lz4Decompress(frame, input.length - 1), "oversize");
  assertDecodeError(() => lz4Decompress(fixture("linked_64k.lz4"), 100_000), "oversize");
});

Deno.test("lz4: our frames use independent 64 KiB blocks and round trip", () => {
  const frame = lz4Compress(input);
  assertEquals([...frame.subarray(0, 6)], [0x04, 0x22, 0x4d, 0x18, 0x60, 0x40]);
  assertEquals(lz4Decompress(frame, MAX), input);
  // Incompressible data goes in uncompressed blocks (high bit of the size word).
  let x = 1;
  const noise = new Uint8Array(70_000).map(() => (x = (Math.imul(x, 69069) + 1) >>> 0) >>> 24);
  const packed = lz4Compress(noise);
  assert((new DataView(packed.buffer).getUint32(7, true) & 0x80000000) !== 0, "raw block");
  assertEquals(lz4Decompress(packed, MAX), noise);
});

Deno.test("lz4: KAFKA-3160 legacy header checksum", () => {
  const data = new TextEncoder().encode("legacy magic 0 message set ".repeat(100));
  const legacy = lz4Compress(data, { legacyHeaderChecksum: true });
  const standard = lz4Compress(data);
  assert(legacy[6] !== standard[6], "the two checksums differ for this descriptor");
  assertDecodeError(() => lz4Decompress(legacy, MAX), "bad_compression");
  assertEquals(lz4Decompress(legacy, MAX, { headerChecksum: "legacy" }), data);
  assertEquals(lz4Decompress(legacy, MAX, { headerChecksum: "either" }), data);
  assertEquals(lz4Decompress(standard, MAX, { headerChecksum: "either" }), data);
  assertDecodeError(() => lz4Decompress(standard, MAX, { headerChecksum: "legacy" }));
});

async function hasLz4Cli(): Promise<boolean> {
  try {
    return (await new Deno.Command("lz4", { args: ["--version"], stdout: "null" }).output())
      .success;
  } catch {
    return false;
  }
}

Deno.test({
  name: "lz4: the reference CLI decodes our frames",
  ignore: !(await hasLz4Cli()),
  fn: async () => {
    const child = new Deno.Command("lz4", {
      args: ["-d", "-c"],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const writer = child.stdin.getWriter();
    await writer.write(lz4Compress(input));
    await writer.close();
    const { success, stdout } = await child.output();
    assert(success, "lz4 -d failed");
    assertEquals(stdout, input);
  },
});
