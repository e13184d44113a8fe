import { AssertionError } from "../base/assert.ts";
import { randomUuid, ZERO_UUID } from "../protocol/uuid.ts";
import {
  type Chunks,
  ContractError,
  decode,
  encode,
  encodedSize,
  encodeInto,
  isResponse,
  Kind,
  type Message,
  type OutMessage,
  Upper,
  writeMessage,
} from "./contract.ts";
import { createRing, RingReader, RingWriter } from "./ring.ts";
import { assert, assertEquals } from "../../tests/support/records_assert.ts";
import { Rng, seedFromEnv } from "../../tests/support/rng.ts";

function throwsA(fn: () => unknown, type: abstract new (...args: never[]) => Error): Error {
  try {
    fn();
  } catch (e) {
    assert(e instanceof type, `expected ${type.name}, got ${e}`);
    return e;
  }
  throw new Error(`expected ${type.name}, nothing thrown`);
}

function flat(c: Chunks): Uint8Array {
  if (c instanceof Uint8Array) return c;
  const out = new Uint8Array(c.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of c) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** What decoding `m` must give: the same message with record chunks joined. */
function decodedForm(m: OutMessage): Message {
  switch (m.kind) {
    case Kind.ProduceAppend:
      return { ...m, entries: m.entries.map((e) => ({ ...e, records: flat(e.records) })) };
    case Kind.FetchResult:
      return { ...m, results: m.results.map((r) => ({ ...r, records: flat(r.records) })) };
    default:
      return m;
  }
}

const t1 = randomUuid();
const t2 = randomUuid();
const bytes = (n: number, seed = 1) => Uint8Array.from({ length: n }, (_, i) => (i * seed) & 255);

/** One of every kind, with edge values: negatives, -1 sentinels, 2^53-1, null and non-ASCII strings. */
const samples: OutMessage[] = [
  {
    kind: Kind.ProduceAppend,
    requestId: 1,
    acks: -1,
    timeoutMs: 30_000,
    entries: [
      { topicId: t1, partition: 0, leaderEpoch: 7, records: bytes(61, 3) },
      {
        topicId: t2,
        partition: 2_147_483_647,
        leaderEpoch: -1,
        records: [bytes(5), bytes(0), bytes(9, 5)],
      },
      { topicId: ZERO_UUID, partition: 3, leaderEpoch: 0, records: new Uint8Array(0) },
    ],
  },
  {
    kind: Kind.ProduceResult,
    requestId: 0xffff_ffff,
    results: [
      {
        errorCode: 0,
        baseOffset: 2 ** 53 - 1,
        logAppendTimeMs: -1,
        logStartOffset: 0,
        errorMessage: null,
      },
      {
        errorCode: 10,
        baseOffset: -1,
        logAppendTimeMs: 1_700_000_000_123,
        logStartOffset: 4_294_967_296,
        errorMessage: "batch too large: 𝄞 é ☃",
      },
    ],
  },
  {
    kind: Kind.FetchRead,
    requestId: 3,
    maxBytes: 52_428_800,
    minOneBatch: true,
    entries: [
      {
        topicId: t1,
        partition: 1,
        fetchOffset: 0,
        upperOffset: Upper.HighWatermark,
        partitionMaxBytes: 1_048_576,
        currentLeaderEpoch: -1,
      },
      {
        topicId: t2,
        partition: 0,
        fetchOffset: 4_294_967_295,
        upperOffset: Upper.LastStable,
        partitionMaxBytes: 0,
        currentLeaderEpoch: 12,
      },
    ],
  },
  {
    kind: Kind.FetchResult,
    requestId: 4,
    results: [
      {
        errorCode: 0,
        highWatermark: 100,
        lastStableOffset: 100,
        logStartOffset: 0,
        records: [bytes(70, 7), bytes(33, 11)],
      },
      {
        errorCode: 1,
        highWatermark: -1,
        lastStableOffset: -1,
        logStartOffset: -1,
        records: bytes(0),
      },
    ],
  },
  {
    kind: Kind.ListOffsets,
    requestId: 5,
    isolation: 1,
    entries: [
      { topicId: t1, partition: 0, currentLeaderEpoch: 3, timestamp: -2 },
      { topicId: t1, partition: 1, currentLeaderEpoch: -1, timestamp: 1_700_000_000_000 },
    ],
  },
  {
    kind: Kind.ListOffsetsResult,
    requestId: 6,
    results: [{ errorCode: 0, offset: 42, timestamp: -1, leaderEpoch: 3 }],
  },
  {
    kind: Kind.FetchWatch,
    requestId: 7,
    maxWaitMs: 500,
    entries: [{ topicId: t2, partition: 9, offset: 1234 }],
  },
  { kind: Kind.WatchResult, requestId: 7, fired: true },
  { kind: Kind.FetchUnwatch, requestId: 8, watchRequestId: 7 },
  { kind: Kind.Admin, requestId: 9, json: '{"op":"logDirs","é":1}' },
  { kind: Kind.AdminResult, requestId: 9, json: "[]" },
  {
    kind: Kind.ShardTableUpdate,
    requestId: 9,
    version: 3,
    shardCount: 64,
    overrides: [{ topicId: t1, partition: 0, shard: 63 }],
  },
  { kind: Kind.Shutdown, requestId: 10, graceMs: 5000 },
  { kind: Kind.HealthPing, requestId: 11, sentAtMs: 12345.678 },
  { kind: Kind.Ack, requestId: 12, errorCode: -1 },
  {
    kind: Kind.HealthReport,
    requestId: 13,
    sentAtMs: 12345.678,
    partitions: 17,
    inFlight: 3,
    heapUsedBytes: 52_428_800,
  },
];

Deno.test("contract: every kind round trips, records as views", () => {
  const kinds = new Set(Object.values(Kind));
  for (const m of samples) {
    kinds.delete(m.kind);
    const b = encode(m);
    assertEquals(b.length, encodedSize(m), `size of kind ${m.kind}`);
    const d = decode(b);
    assertEquals(d, decodedForm(m), `kind ${m.kind}`);
    assertEquals(encode(d), b, `re-encoding kind ${m.kind}`);
    if (d.kind === Kind.ProduceAppend) {
      for (const e of d.entries) {
        assert(e.records.buffer === b.buffer, "records are views, not copies");
      }
    }
  }
  assertEquals([...kinds], [], "a sample of every kind");
});

Deno.test("contract: the envelope and entry layout are as documented", () => {
  const m: OutMessage = {
    kind: Kind.ProduceAppend,
    requestId: 0x01020304,
    acks: 1,
    timeoutMs: 1000,
    entries: [{ topicId: t1, partition: 5, leaderEpoch: -1, records: [bytes(2, 1), bytes(1, 9)] }],
  };
  const b = encode(m);
  const v = new DataView(b.buffer);
  assertEquals([b[0], b[1], v.getUint16(2, true)], [Kind.ProduceAppend, 0, 0], "kind, 0, 0");
  assertEquals(v.getUint32(4, true), 0x01020304, "requestId little-endian at 4");
  assertEquals([v.getInt16(8, true), v.getInt32(12, true), v.getUint32(16, true)], [1, 1000, 1]);
  assertEquals(v.getInt32(20 + 16, true), 5, "partition after the 16 id bytes");
  assertEquals(v.getInt32(40, true), -1, "leader epoch");
  assertEquals(v.getUint32(44, true), 3, "records size");
  assertEquals([...b.subarray(48)], [0, 1, 0], "record chunks back to back");
  assertEquals(b.length, 51);

  const r = encode({
    kind: Kind.ListOffsetsResult,
    requestId: 1,
    results: [{ errorCode: 0, offset: -2, timestamp: 2 ** 40 + 5, leaderEpoch: 0 }],
  });
  const rv = new DataView(r.buffer);
  assertEquals(
    [rv.getUint32(14, true), rv.getInt32(18, true)],
    [0xffff_fffe, -1],
    "i64 -2: low, high",
  );
  assertEquals([rv.getUint32(22, true), rv.getInt32(26, true)], [5, 256], "i64 2^40+5: low, high");
});

Deno.test("contract: messages go through a ring in place and come out as views of it", () => {
  const sab = createRing(1 << 16);
  const w = new RingWriter(sab);
  const r = new RingReader(sab);
  for (const m of samples) assert(writeMessage(w, m), `write kind ${m.kind}`);
  for (const m of samples) {
    const view = r.peek();
    assert(view !== null, "message present");
    const d = decode(view);
    assertEquals(d, decodedForm(m), `kind ${m.kind} through the ring`);
    if (d.kind === Kind.FetchResult) {
      for (const x of d.results) assert(x.records.buffer === sab, "fetch records view the ring");
    }
    r.consume();
  }
  assertEquals(r.peek(), null);
  // A full ring refuses the message whole.
  const big: OutMessage = {
    kind: Kind.FetchResult,
    requestId: 1,
    results: [{
      errorCode: 0,
      highWatermark: 0,
      lastStableOffset: 0,
      logStartOffset: 0,
      records: bytes(30_000),
    }],
  };
  assert(writeMessage(w, big) && writeMessage(w, big), "two fit");
  assertEquals(writeMessage(w, big), false, "the third waits for room");
});

Deno.test("contract: random messages round trip (seeded)", () => {
  const seed = seedFromEnv("CONTRACT_SEED");
  const rng = new Rng(seed);
  const ids = [t1, t2, ZERO_UUID, randomUuid()];
  const i64 = () =>
    rng.pick([
      -1,
      -2,
      0,
      1,
      2 ** 31,
      2 ** 32 - 1,
      2 ** 32,
      2 ** 53 - 1,
      -(2 ** 53 - 1),
      rng.int(1e12),
    ]);
  const i32 = () => rng.pick([-1, 0, 1, 2 ** 31 - 1, -(2 ** 31), rng.int(1e6)]);
  const part = () => ({ topicId: rng.pick(ids), partition: rng.int(2 ** 31) });
  const recs = (): Chunks =>
    rng.next() < 0.5
      ? rng.bytes(rng.int(300))
      : Array.from({ length: rng.int(4) }, () => rng.bytes(rng.int(100)));
  const list = <T>(f: () => T) => Array.from({ length: rng.int(5) }, f);
  const gen = (): OutMessage => {
    const requestId = rng.int(2 ** 32);
    switch (rng.int(6)) {
      case 0:
        return {
          kind: Kind.ProduceAppend,
          requestId,
          acks: rng.pick([-1, 0, 1]),
          timeoutMs: i32(),
          entries: list(() => ({ ...part(), leaderEpoch: i32(), records: recs() })),
        };
      case 1:
        return {
          kind: Kind.ProduceResult,
          requestId,
          results: list(() => ({
            errorCode: rng.int(130) - 1,
            baseOffset: i64(),
            logAppendTimeMs: i64(),
            logStartOffset: i64(),
            errorMessage: rng.next() < 0.5 ? null : rng.string(rng.int(40)),
          })),
        };
      case 2:
        return {
          kind: Kind.FetchRead,
          requestId,
          maxBytes: i32(),
          minOneBatch: rng.next() < 0.5,
          entries: list(() => ({
            ...part(),
            fetchOffset: i64(),
            upperOffset: i64(),
            partitionMaxBytes: i32(),
            currentLeaderEpoch: i32(),
          })),
        };
      case 3:
        return {
          kind: Kind.FetchResult,
          requestId,
          results: list(() => ({
            errorCode: rng.int(130) - 1,
            highWatermark: i64(),
            lastStableOffset: i64(),
            logStartOffset: i64(),
            records: recs(),
          })),
        };
      case 4:
        return {
          kind: Kind.ListOffsets,
          requestId,
          isolation: rng.int(2),
          entries: list(() => ({ ...part(), currentLeaderEpoch: i32(), timestamp: i64() })),
        };
      default:
        return {
          kind: Kind.FetchWatch,
          requestId,
          maxWaitMs: i32(),
          entries: list(() => ({ ...part(), offset: i64() })),
        };
    }
  };
  const buf = new Uint8Array(1 << 16);
  for (let i = 0; i < 2000; i++) {
    const m = gen();
    // At an odd offset inside a bigger buffer, as in a ring.
    const at = rng.int(64);
    const n = encodeInto(m, buf, at);
    assertEquals(decode(buf.subarray(at, at + n)), decodedForm(m), `seed ${seed} message ${i}`);
  }
});

Deno.test("contract: broken messages are ContractErrors, bad values AssertionErrors", () => {
  const b = encode(samples[0]);
  for (const cut of [0, 3, 8, 20, 30, b.length - 1]) {
    throwsA(() => decode(b.subarray(0, cut)), ContractError);
  }
  const longer = new Uint8Array(b.length + 1);
  longer.set(b);
  throwsA(() => decode(longer), ContractError);
  const unknown = b.slice();
  unknown[0] = 200;
  assert(
    throwsA(() => decode(unknown), ContractError).message.includes("kind 200"),
    "names the kind",
  );
  const hugeCount = b.slice();
  new DataView(hugeCount.buffer).setUint32(16, 0xffff_ffff, true);
  throwsA(() => decode(hugeCount), ContractError);
  throwsA(
    () =>
      encode({
        kind: Kind.ListOffsetsResult,
        requestId: 1,
        results: [{ errorCode: 0, offset: 2 ** 53, timestamp: 0, leaderEpoch: 0 }],
      }),
    AssertionError,
  );
  throwsA(() => encodeInto(samples[0], new Uint8Array(10), 0), RangeError);
});

Deno.test("contract: responses are told from requests", () => {
  const responses = samples.filter((m) => isResponse(decode(encode(m)))).map((m) => m.kind);
  assertEquals(responses, [
    Kind.ProduceResult,
    Kind.FetchResult,
    Kind.ListOffsetsResult,
    Kind.WatchResult,
    Kind.AdminResult,
    Kind.Ack,
    Kind.HealthReport,
  ]);
});
