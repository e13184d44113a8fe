import {
  batches,
  buildBatch,
  decodeBatchRecords,
  forEachRecord,
  type RecordInput,
  RecordView,
  updateCrc,
  validateBatch,
} from "./batch.ts";
import { BatchHeader, Compression, CRC, RECORD_BATCH_OVERHEAD } from "./layout.ts";
import { writeVarint } from "./varint.ts";
import {
  assert,
  assertDecodeError,
  assertEquals,
  onlyDecodeError,
  utf8,
} from "../../../tests/support/records_assert.ts";

const CODECS = [
  Compression.None,
  Compression.Gzip,
  Compression.Snappy,
  Compression.Lz4,
  Compression.Zstd,
];

function sampleRecords(): RecordInput[] {
  return [
    { key: utf8("k0"), value: utf8("v0"), timestamp: 1_700_000_000_000 },
    { key: null, value: utf8("no key"), timestamp: 1_700_000_000_005 },
    { key: utf8("tombstone"), value: null, timestamp: 1_699_999_999_999 },
    { key: utf8(""), value: new Uint8Array(0), timestamp: 1_700_000_000_001 },
    {
      key: utf8("h"),
      value: utf8("with headers"),
      headers: [
        { key: "trace", value: utf8("abc") },
        { key: "null-header", value: null },
        { key: "ключ", value: new Uint8Array(0) },
      ],
      timestamp: 1_700_000_000_002,
    },
  ];
}

function expectRecords(batch: BatchHeader, input: RecordInput[], base: number): void {
  const got = decodeBatchRecords(batch);
  assertEquals(got.length, input.length, "record count");
  for (let i = 0; i < input.length; i++) {
    assertEquals(got[i].offset, base + i, `offset ${i}`);
    assertEquals(got[i].key, input[i].key, `key ${i}`);
    assertEquals(got[i].value, input[i].value, `value ${i}`);
    assertEquals(got[i].timestamp, input[i].timestamp, `timestamp ${i}`);
    assertEquals(got[i].headers, input[i].headers ?? [], `headers ${i}`);
  }
}

Deno.test("buildBatch round trips with every codec", () => {
  for (const codec of CODECS) {
    const input = sampleRecords();
    const bytes = buildBatch({
      baseOffset: 42,
      records: input,
      compression: codec,
      producerId: 7,
      producerEpoch: 3,
      baseSequence: 10,
      partitionLeaderEpoch: 5,
    });
    const h = validateBatch(bytes, 0);
    assertEquals(h.compression, codec);
    assertEquals(h.baseOffset, 42);
    assertEquals(h.partitionLeaderEpoch, 5);
    assertEquals(h.lastOffsetDelta, 4);
    assertEquals(h.recordsCount, 5);
    assertEquals(h.baseTimestamp, 1_700_000_000_000);
    assertEquals(h.maxTimestamp, 1_700_000_000_005);
    assertEquals(h.producerId, 7);
    assertEquals(h.producerEpoch, 3);
    assertEquals(h.baseSequence, 10);
    assertEquals(h.sizeBytes, bytes.length);
    assert(!h.isTransactional && !h.isControl && !h.isLogAppendTime);
    expectRecords(h, input, 42);
  }
});

Deno.test("many records, compressed and not, iterate with one cursor", () => {
  const input: RecordInput[] = [];
  for (let i = 0; i < 5000; i++) {
    input.push({
      key: i % 7 === 0 ? null : utf8(`key-${i}`),
      value: utf8(`value-${i}-`.repeat(1 + (i % 5))),
      timestamp: 1_600_000_000_000 + i * 3,
    });
  }
  for (const codec of CODECS) {
    const bytes = buildBatch({ records: input, compression: codec });
    const h = validateBatch(bytes);
    const view = new RecordView().open(h);
    let n = 0;
    while (view.next()) {
      assertEquals(view.offsetDelta, n);
      assertEquals(view.timestamp, 1_600_000_000_000 + n * 3);
      assertEquals(view.keyLength, n % 7 === 0 ? -1 : `key-${n}`.length);
      assertEquals(view.headerCount, 0);
      n++;
    }
    assertEquals(n, 5000, `codec ${codec}`);
    assert(!view.next(), "stays at the end");
  }
});

Deno.test("RecordView header cursor walks headers without objects", () => {
  const h = validateBatch(buildBatch({ records: sampleRecords(), baseTimestamp: 0 }));
  const seen: string[] = [];
  forEachRecord(h, (r) => {
    while (r.nextHeader()) {
      const k = new TextDecoder().decode(
        r.data.subarray(r.headerKeyOffset, r.headerKeyOffset + r.headerKeyLength),
      );
      seen.push(`${r.offsetDelta}:${k}:${r.headerValueLength}`);
    }
  });
  assertEquals(seen, ["4:trace:3", "4:null-header:-1", "4:ключ:0"]);
});

Deno.test("LogAppendTime: maxTimestamp is the append time and records report it", () => {
  const bytes = buildBatch({
    records: [{ key: null, value: utf8("a"), timestamp: 5 }, { key: null, value: utf8("b") }],
    timestampType: "logAppend",
    logAppendTime: 1_234_567_890_123,
  });
  const h = validateBatch(bytes);
  assert(h.isLogAppendTime);
  assertEquals(h.maxTimestamp, 1_234_567_890_123);
  for (const r of decodeBatchRecords(h)) assertEquals(r.timestamp, 1_234_567_890_123);
});

Deno.test("transactional and explicit offset deltas are kept", () => {
  const bytes = buildBatch({
    records: [
      { key: null, value: utf8("a"), offsetDelta: 0 },
      { key: null, value: utf8("b"), offsetDelta: 3 },
    ],
    isTransactional: true,
    producerId: 99,
    producerEpoch: 0,
    baseSequence: 0,
  });
  // Sparse offsets are what compaction leaves; a fresh client batch may not have them.
  assertDecodeError(() => validateBatch(bytes), "corrupt");
  const h = validateBatch(bytes, 0, { allowSparse: true });
  assert(h.isTransactional);
  assertEquals(h.lastOffsetDelta, 3);
  assertEquals(decodeBatchRecords(h).map((r) => r.offsetDelta), [0, 3]);
});

Deno.test("CRC: corruption is detected; baseOffset/epoch patches keep it; updateCrc fixes attributes patches", () => {
  const bytes = buildBatch({ records: sampleRecords() });
  const h = new BatchHeader(bytes);
  h.baseOffset = 1_000_000_000_000;
  h.partitionLeaderEpoch = 17;
  validateBatch(bytes); // outside the CRC
  h.maxTimestamp = 99;
  assertDecodeError(() => validateBatch(bytes), "corrupt");
  updateCrc(bytes, 0);
  validateBatch(bytes);
  for (const at of [CRC, RECORD_BATCH_OVERHEAD + 3, bytes.length - 1]) {
    const copy = bytes.slice();
    copy[at] ^= 0x01;
    assertDecodeError(() => validateBatch(copy), "corrupt");
  }
});

Deno.test("validateBatch rejects bad magic, lengths and counts", () => {
  const bytes = buildBatch({ records: sampleRecords() });
  const magic = bytes.slice();
  magic[16] = 1;
  assertDecodeError(() => validateBatch(magic), "bad_magic");
  const long = bytes.slice();
  new DataView(long.buffer).setInt32(8, bytes.length);
  assertDecodeError(() => validateBatch(long), "short");
  const tiny = bytes.slice();
  new DataView(tiny.buffer).setInt32(8, 10);
  assertDecodeError(() => validateBatch(tiny), "bad_length");
  const count = bytes.slice();
  new DataView(count.buffer).setInt32(57, 4);
  updateCrc(count);
  assertDecodeError(() => validateBatch(count), "corrupt");
});

Deno.test("record count and framing mismatches are DecodeErrors", () => {
  const bytes = buildBatch({ records: sampleRecords() });
  // recordsCount larger than the records present (lastOffsetDelta patched to match).
  const more = bytes.slice();
  new DataView(more.buffer).setInt32(57, 6);
  new DataView(more.buffer).setInt32(23, 5);
  updateCrc(more);
  assertDecodeError(() => forEachRecord(validateBatch(more), () => {}), "corrupt");
  const fewer = bytes.slice();
  new DataView(fewer.buffer).setInt32(57, 4);
  new DataView(fewer.buffer).setInt32(23, 3);
  updateCrc(fewer);
  assertDecodeError(() => forEachRecord(validateBatch(fewer), () => {}), "trailing");
  // A record whose length claims more than the batch holds.
  const framing = bytes.slice();
  writeVarint(framing, RECORD_BATCH_OVERHEAD, 120);
  updateCrc(framing);
  onlyDecodeError(() => forEachRecord(validateBatch(framing), () => {}));
  assertDecodeError(() => forEachRecord(validateBatch(framing), () => {}));
});

Deno.test("truncated or mangled batches only ever throw DecodeError", () => {
  for (const codec of CODECS) {
    const bytes = buildBatch({ records: sampleRecords(), compression: codec });
    for (let n = 0; n < bytes.length; n++) {
      assertDecodeError(() => validateBatch(bytes.subarray(0, n)));
    }
    // Flip each byte of the records section, re-sign, and walk: never a crash.
    for (let i = RECORD_BATCH_OVERHEAD; i < bytes.length; i++) {
      const copy = bytes.slice();
      copy[i] ^= 0xa5;
      updateCrc(copy);
      onlyDecodeError(() => forEachRecord(validateBatch(copy), () => {}));
    }
  }
});

Deno.test("batches() walks a concatenation and reports a partial tail", () => {
  const a = buildBatch({ baseOffset: 0, records: sampleRecords() });
  const b = buildBatch({ baseOffset: 5, records: sampleRecords(), compression: Compression.Lz4 });
  const c = buildBatch({ baseOffset: 10, records: sampleRecords() });
  const all = new Uint8Array(a.length + b.length + c.length);
  all.set(a);
  all.set(b, a.length);
  all.set(c, a.length + b.length);
  for (const cut of [0, 5, 12, 40, c.length - 1]) {
    const buf = all.subarray(0, a.length + b.length + cut);
    const scan = batches(buf);
    const offsets = [...scan].map((h) => h.baseOffset);
    assertEquals(offsets, [0, 5], `cut ${cut}`);
    assertEquals(scan.partialTailBytes, cut);
  }
  const scan = batches(all);
  const seen: number[] = [];
  for (const h of scan) {
    validateBatch(h.buf, h.pos);
    forEachRecord(h, (r) => seen.push(r.offset));
  }
  assertEquals(seen, [...Array(15).keys()]);
  assertEquals(scan.partialTailBytes, 0);
});

Deno.test("oversize compressed batches are refused", () => {
  const records = [{ key: null, value: new Uint8Array(100_000) }];
  for (const codec of CODECS.slice(1)) {
    const h = validateBatch(buildBatch({ records, compression: codec }));
    assertDecodeError(
      () => new RecordView({ maxDecompressedBytes: 50_000 }).open(h),
      "oversize",
    );
    assertEquals(decodeBatchRecords(h)[0].value?.length, 100_000);
  }
});
