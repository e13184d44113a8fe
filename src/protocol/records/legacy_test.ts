import {
  batchesToMessageSet,
  buildMessageSet,
  type LegacyMessageInput,
  messageSetToBatch,
  readMessageSet,
} from "./legacy.ts";
import { buildBatch, decodeBatchRecords, validateBatch } from "./batch.ts";
import { buildEndTxnMarker, ControlType } from "./control.ts";
import { Compression } from "./layout.ts";
import { lz4Decompress } from "../compression/lz4.ts";
import {
  assert,
  assertDecodeError,
  assertEquals,
  onlyDecodeError,
  utf8,
} from "../../../tests/support/records_assert.ts";

const LEGACY_CODECS = [Compression.None, Compression.Gzip, Compression.Snappy, Compression.Lz4];

function sample(): LegacyMessageInput[] {
  return [
    { key: utf8("k1"), value: utf8("v1"), timestamp: 1_700_000_000_000 },
    { key: null, value: utf8("no key"), timestamp: 1_700_000_000_003 },
    { key: utf8("tomb"), value: null, timestamp: 1_700_000_000_001 },
    { key: new Uint8Array(0), value: new Uint8Array(0), timestamp: 1_700_000_000_002 },
  ];
}

Deno.test("legacy: hand-made v0 and v1 messages decode (CRC-32 IEEE)", () => {
  const v0 = new Uint8Array([
    ...[0, 0, 0, 0, 0, 0, 0, 9], // offset 9
    ...[0, 0, 0, 19], // size
    ...[0x87, 0xa7, 0x7a, 0xb2], // crc (zlib.crc32)
    0,
    0, // magic, attributes
    ...[0xff, 0xff, 0xff, 0xff], // null key
    ...[0, 0, 0, 5, 104, 101, 108, 108, 111], // "hello"
  ]);
  const v1 = new Uint8Array([
    ...[0, 0, 0, 0, 0, 0, 0, 10],
    ...[0, 0, 0, 24],
    ...[0x39, 0x26, 0x8c, 0x33],
    1,
    0,
    ...[0, 0, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x00], // 1_700_000_000_000
    ...[0, 0, 0, 1, 107],
    ...[0, 0, 0, 1, 118],
  ]);
  const all = new Uint8Array([...v0, ...v1, 0, 0, 0]); // and a partial tail
  const { messages, partialTailBytes } = readMessageSet(all);
  assertEquals(partialTailBytes, 3);
  assertEquals(messages.map((m) => [m.offset, m.magic, m.timestamp, m.key, m.value]), [
    [9, 0, -1, null, utf8("hello")],
    [10, 1, 1_700_000_000_000, utf8("k"), utf8("v")],
  ]);
  assertEquals(
    buildMessageSet([{ key: null, value: utf8("hello") }], { magic: 0, baseOffset: 9 }),
    v0,
  );
  assertEquals(
    buildMessageSet([{ key: utf8("k"), value: utf8("v"), timestamp: 1_700_000_000_000 }], {
      magic: 1,
      baseOffset: 10,
    }),
    v1,
  );
});

Deno.test("legacy: v0/v1, plain and compressed, round trip with absolute offsets", () => {
  for (const magic of [0, 1] as const) {
    for (const codec of LEGACY_CODECS) {
      const set = buildMessageSet(sample(), { magic, compression: codec, baseOffset: 500 });
      const { messages, partialTailBytes } = readMessageSet(set);
      assertEquals(partialTailBytes, 0);
      assertEquals(messages.map((m) => m.offset), [500, 501, 502, 503], `m${magic} c${codec}`);
      assertEquals(messages.map((m) => m.key), sample().map((m) => m.key));
      assertEquals(messages.map((m) => m.value), sample().map((m) => m.value));
      assertEquals(
        messages.map((m) => m.timestamp),
        magic === 0 ? [-1, -1, -1, -1] : sample().map((m) => m.timestamp),
      );
      assertEquals(messages.map((m) => m.wrapperCompression), [codec, codec, codec, codec]);
    }
  }
});

Deno.test("legacy: magic 1 wrapper offsets are relative inside, absolute outside", () => {
  const set = buildMessageSet(sample(), {
    magic: 1,
    compression: Compression.Gzip,
    baseOffset: 70,
  });
  const dv = new DataView(set.buffer);
  assertEquals(Number(dv.getBigInt64(0)), 73, "wrapper offset = last absolute offset");
  // A producer-sent wrapper offset of 0 still resolves relative to the end.
  dv.setBigInt64(0, 0n);
  assertEquals(readMessageSet(set).messages.map((m) => m.offset), [-3, -2, -1, 0]);
  // LogAppendTime on the wrapper overrides inner timestamps.
  const lat = buildMessageSet(sample(), {
    magic: 1,
    compression: Compression.Snappy,
    timestampType: "logAppend",
    logAppendTime: 42,
  });
  for (const m of readMessageSet(lat).messages) {
    assertEquals([m.timestamp, m.timestampType], [42, "logAppend"]);
  }
});

Deno.test("legacy: lz4 magic 0 uses the KAFKA-3160 checksum; either is read", () => {
  const v0 = buildMessageSet(sample(), { magic: 0, compression: Compression.Lz4 });
  const v1 = buildMessageSet(sample(), { magic: 1, compression: Compression.Lz4 });
  // Wrapper value (the lz4 frame) starts after offset, size, crc, magic,
  // attributes, [timestamp,] null key and the value length.
  const frame0 = v0.subarray(12 + 4 + 2 + 4 + 4);
  const frame1 = v1.subarray(12 + 4 + 2 + 8 + 4 + 4);
  assertDecodeError(() => lz4Decompress(frame0, 1 << 20), "bad_compression");
  assert(lz4Decompress(frame0, 1 << 20, { headerChecksum: "legacy" }).length > 0);
  assert(lz4Decompress(frame1, 1 << 20).length > 0);
  assertEquals(readMessageSet(v0).messages.length, 4);
  assertEquals(readMessageSet(v1).messages.length, 4);
});

Deno.test("legacy -> v2: messageSetToBatch keeps keys, values, timestamps", () => {
  for (const magic of [0, 1] as const) {
    for (const codec of LEGACY_CODECS) {
      const set = buildMessageSet(sample(), { magic, compression: codec, baseOffset: 0 });
      const h = validateBatch(messageSetToBatch(set));
      assertEquals(h.compression, codec);
      const recs = decodeBatchRecords(h);
      assertEquals(recs.map((r) => r.offsetDelta), [0, 1, 2, 3]);
      assertEquals(recs.map((r) => r.key), sample().map((m) => m.key));
      assertEquals(recs.map((r) => r.value), sample().map((m) => m.value));
      assertEquals(
        recs.map((r) => r.timestamp),
        magic === 0 ? [-1, -1, -1, -1] : sample().map((m) => m.timestamp),
      );
    }
  }
  // Producers that send all-zero offsets get sequential deltas.
  const zeros = buildMessageSet(sample().map((m) => ({ ...m, offset: 0 })), { magic: 1 });
  assertEquals(decodeBatchRecords(validateBatch(messageSetToBatch(zeros))).map((r) => r.offset), [
    0,
    1,
    2,
    3,
  ]);
  assertDecodeError(() => messageSetToBatch(new Uint8Array(0)), "bad_length");
});

Deno.test("v2 -> legacy: batchesToMessageSet keeps offsets, drops headers, skips control", () => {
  const a = buildBatch({
    baseOffset: 10,
    records: [
      { key: utf8("a"), value: utf8("1"), timestamp: 1000, headers: [{ key: "h", value: null }] },
      { key: null, value: utf8("2"), timestamp: 1001 },
    ],
    compression: Compression.Zstd,
  });
  const marker = buildEndTxnMarker({
    type: ControlType.Commit,
    producerId: 1,
    producerEpoch: 0,
    coordinatorEpoch: 0,
    baseOffset: 12,
  });
  const b = buildBatch({
    baseOffset: 13,
    records: [{ key: null, value: utf8("3"), timestamp: 5 }],
    timestampType: "logAppend",
    logAppendTime: 2000,
  });
  const fetched = new Uint8Array([...a, ...marker, ...b, ...b.subarray(0, 20)]);
  for (const magic of [0, 1] as const) {
    for (const codec of LEGACY_CODECS) {
      const set = batchesToMessageSet(fetched, magic, codec);
      const msgs = readMessageSet(set).messages;
      assertEquals(msgs.map((m) => m.offset), [10, 11, 13], `m${magic} c${codec}`);
      assertEquals(msgs.map((m) => m.value), [utf8("1"), utf8("2"), utf8("3")]);
      assertEquals(msgs.map((m) => m.key), [utf8("a"), null, null]);
      assertEquals(
        msgs.map((m) => m.timestamp),
        magic === 0 ? [-1, -1, -1] : [1000, 1001, 2000],
      );
      if (magic === 1) assertEquals(msgs[2].timestampType, "logAppend");
    }
  }
  assertEquals(
    readMessageSet(batchesToMessageSet(fetched, 1, Compression.None, { minOffset: 11 }))
      .messages.map((m) => m.offset),
    [11, 13],
  );
});

Deno.test("legacy: corruption and truncation are DecodeErrors or a tolerated tail", () => {
  for (const codec of LEGACY_CODECS) {
    const set = buildMessageSet(sample(), { magic: 1, compression: codec });
    for (let n = 0; n < set.length; n++) {
      onlyDecodeError(() => {
        const r = readMessageSet(set.subarray(0, n));
        if (codec !== Compression.None) assertEquals(r.partialTailBytes, n);
      });
    }
    for (let i = 0; i < set.length; i++) {
      const copy = set.slice();
      copy[i] ^= 0x3c;
      onlyDecodeError(() => readMessageSet(copy));
    }
    const crc = set.slice();
    crc[set.length - 1] ^= 1;
    assertDecodeError(() => readMessageSet(crc), "corrupt");
  }
});
