import {
  assert,
  assertEquals,
  assertRejects,
  assertThrows,
} from "../../tests/support/storage_assert.ts";
import { DecodeError } from "../protocol/decode_error.ts";
import { decodeBatchRecords } from "../protocol/records/batch.ts";
import { BatchHeader, Compression } from "../protocol/records/layout.ts";
import { concat, makeBatch, readAll, splitStored } from "../../tests/support/storage.ts";
import { RecentCache } from "./cache.ts";
import { defaultLogConfig, type LogConfig } from "./config.ts";
import { ManualClock, MemoryLogger } from "./env.ts";
import { LogOfflineError, OffsetOutOfRangeError, TruncatedError } from "./errors.ts";
import { MemFs } from "./fs_memory.ts";
import { PartitionLog } from "./log.ts";

const DIR = "/data/t-0";

function config(over: Partial<LogConfig> = {}): LogConfig {
  return { ...defaultLogConfig, segmentBytes: 4096, indexIntervalBytes: 256, ...over };
}

async function openLog(
  fs: MemFs,
  over: Partial<LogConfig> = {},
  extra: {
    clock?: ManualClock;
    cache?: RecentCache | null;
    recoveryPoint?: number;
    cleanShutdown?: boolean;
  } = {},
): Promise<PartitionLog> {
  fs.mkdirp(DIR);
  return await PartitionLog.open({
    fs,
    dir: DIR,
    topic: "t",
    partition: 0,
    config: config(over),
    clock: extra.clock ?? new ManualClock(),
    logger: new MemoryLogger(),
    cache: extra.cache === undefined ? new RecentCache(1 << 20) : extra.cache,
    recoveryPoint: extra.recoveryPoint,
    cleanShutdown: extra.cleanShutdown,
  });
}

Deno.test("append assigns contiguous offsets and reads return the stored bytes", async () => {
  const log = await openLog(new MemFs());
  const a = log.append(makeBatch({ count: 3 }));
  const b = log.append(makeBatch({ count: 2 }));
  assertEquals([a.firstOffset, a.lastOffset, b.firstOffset, b.lastOffset], [0, 2, 3, 4]);
  assertEquals(log.logEndOffset, 5);
  assertEquals(log.writtenOffset, 5);
  assertEquals(log.flushedOffset, 0);
  const all = readAll(log);
  assertEquals(all.map((x) => [x.baseOffset, x.lastOffset]), [[0, 2], [3, 4]]);
  const recs = decodeBatchRecords(new BatchHeader(all[1].bytes));
  assertEquals(recs.map((r) => r.offset), [3, 4]);
  // Reading from the middle of a batch starts at the batch.
  assertEquals(splitStored(concat(log.read(4, 1 << 20).chunks))[0].baseOffset, 3);
  assertThrows(() => log.read(6, 100), OffsetOutOfRangeError);
  assertEquals(log.read(5, 100).sizeBytes, 0);
  log.checkInvariants();
});

Deno.test("rolls segments by segment.bytes and reads across them from disk", async () => {
  const log = await openLog(new MemFs(), {}, { cache: null });
  for (let i = 0; i < 60; i++) log.append(makeBatch({ count: 2, valueBytes: 100 }));
  assert(log.segmentCount > 3, `only ${log.segmentCount} segments`);
  const all = readAll(log, 0, 700);
  assertEquals(all.length, 60);
  for (let i = 0; i < 60; i++) assertEquals(all[i].baseOffset, i * 2);
  for (let off = 0; off < 120; off += 7) {
    const r = log.read(off, 1);
    const h = new BatchHeader(concat(r.chunks));
    assert(h.baseOffset <= off && h.lastOffset >= off, `read at ${off} got ${h.baseOffset}`);
    assertEquals(r.fromCache, false);
  }
});

Deno.test("reads honour maxBytes with a partial tail, minOneBatch and upperOffset", async () => {
  for (const cache of [null, new RecentCache(1 << 20)]) {
    const log = await openLog(new MemFs(), { segmentBytes: 1 << 20 }, { cache });
    const sizes: number[] = [];
    for (let i = 0; i < 5; i++) {
      sizes.push(log.append(makeBatch({ count: 1, valueBytes: 200 })).sizeBytes);
    }
    const r = log.read(0, sizes[0] + 10);
    assertEquals(r.sizeBytes, sizes[0] + 10, "whole first batch plus a partial one");
    assertEquals(splitStored(concat(r.chunks)).length, 1);
    const one = log.read(1, 5);
    assertEquals(one.sizeBytes, sizes[1], "first batch whole despite maxBytes");
    assertEquals(log.read(1, 5, { minOneBatch: false }).sizeBytes, 5);
    const upto = log.read(0, 1 << 20, { upperOffset: 3 });
    assertEquals(splitStored(concat(upto.chunks)).map((b) => b.baseOffset), [0, 1, 2]);
    assertEquals(upto.sizeBytes, sizes[0] + sizes[1] + sizes[2]);
    assertEquals(log.read(3, 100, { upperOffset: 3 }).sizeBytes, 0);
    assertEquals(r.fromCache, cache !== null);
  }
});

Deno.test("the cache serves the tail and matches disk byte for byte", async () => {
  const cache = new RecentCache(3000);
  const log = await openLog(new MemFs(), { segmentBytes: 1 << 20 }, { cache });
  for (let i = 0; i < 30; i++) log.append(makeBatch({ count: 1, valueBytes: 200 }));
  assert(cache.bytes <= 3000);
  const tail = log.read(29, 1 << 20);
  assert(tail.fromCache);
  const old = log.read(0, 1 << 20);
  assert(!old.fromCache);
  const cold = await openLog(new MemFs(), { segmentBytes: 1 << 20 }, { cache: null });
  for (let i = 0; i < 30; i++) cold.append(makeBatch({ count: 1, valueBytes: 200 }));
  for (let off = 0; off < 30; off++) {
    assertEquals(
      concat(log.read(off, 1000).chunks),
      concat(cold.read(off, 1000).chunks),
      `offset ${off}`,
    );
  }
});

Deno.test("rejects malformed input and batches larger than segment.bytes", async () => {
  const log = await openLog(new MemFs());
  assertThrows(() => log.append(new Uint8Array(10)), DecodeError);
  const b = makeBatch({ count: 1 });
  b[16] = 1; // magic
  assertThrows(() => log.append(b), DecodeError);
  assertThrows(() => log.append(makeBatch({ count: 1, valueBytes: 5000 })), Error, "segment.bytes");
  assertEquals(log.logEndOffset, 0);
});

Deno.test("group commit: many waiters share few syncs and resolve in order", async () => {
  const fs = new MemFs();
  fs.syncDelayMs = 2;
  const log = await openLog(fs);
  const before = fs.stats.fileSyncs;
  const waits: Promise<void>[] = [];
  const resolved: number[] = [];
  for (let i = 0; i < 200; i++) {
    const { lastOffset } = log.append(makeBatch({ count: 1, valueBytes: 10 }));
    waits.push(log.waitFlushed(lastOffset).then(() => void resolved.push(lastOffset)));
    if (i % 50 === 0) await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(waits);
  assertEquals(resolved, [...resolved].sort((a, b) => a - b));
  assertEquals(log.flushedOffset, 200);
  const syncs = fs.stats.fileSyncs - before;
  assert(syncs < 40, `${syncs} syncs for 200 waiters`);
  log.checkInvariants();
});

Deno.test("flush.messages and flush.ms trigger flushes", async () => {
  const clock = new ManualClock();
  const log = await openLog(new MemFs(), { flushMessages: 10 }, { clock });
  for (let i = 0; i < 9; i++) log.append(makeBatch({ count: 1 }));
  await Promise.resolve();
  assertEquals(log.flushedOffset, 0);
  log.append(makeBatch({ count: 1 }));
  await new Promise((r) => setTimeout(r, 0));
  assertEquals(log.flushedOffset, 10);

  const log2 = await openLog(new MemFs(), { flushMs: 1000 }, { clock });
  log2.append(makeBatch({ count: 1 }));
  log2.maybeFlushByTime();
  await new Promise((r) => setTimeout(r, 0));
  assertEquals(log2.flushedOffset, 0);
  clock.advance(1000);
  log2.maybeFlushByTime();
  await new Promise((r) => setTimeout(r, 0));
  assertEquals(log2.flushedOffset, 1);
});

Deno.test("timestamp lookups: by time, max timestamp, across segments", async () => {
  const log = await openLog(new MemFs(), { indexIntervalBytes: 100 }, { cache: null });
  // Batches of 3 records with timestamps 1000 + 10*i .. +2, one late batch (older records).
  for (let i = 0; i < 40; i++) {
    const ts = i === 20 ? 500 : 1000 + 10 * i;
    log.append(makeBatch({ count: 3, timestamp: ts, valueBytes: 60 }));
  }
  assert(log.segmentCount > 2);
  assertEquals(log.offsetForTimestamp(0), { offset: 0, timestamp: 1000 });
  assertEquals(log.offsetForTimestamp(1001), { offset: 1, timestamp: 1001 });
  assertEquals(log.offsetForTimestamp(1003), { offset: 3, timestamp: 1010 });
  assertEquals(log.offsetForTimestamp(1195), { offset: 63, timestamp: 1210 });
  assertEquals(log.offsetForTimestamp(1392), { offset: 119, timestamp: 1392 });
  assertEquals(log.offsetForTimestamp(1393), null);
  assertEquals(log.maxTimestampOffset(), { offset: 119, timestamp: 1392 });
  // The late batch is found when asked for its own time range.
  assertEquals(log.offsetForTimestamp(400)?.offset, 0);
});

Deno.test("truncateTo cuts at batch boundaries, across segments, and rejects lost waiters", async () => {
  const fs = new MemFs();
  const log = await openLog(fs, {}, { cache: new RecentCache(1 << 20) });
  fs.syncDelayMs = 5; // the flush for the waiter is still running when truncation starts
  for (let i = 0; i < 50; i++) log.append(makeBatch({ count: 2, valueBytes: 100 }));
  await log.flush();
  const lost = log.append(makeBatch({ count: 2 }));
  const waiter = log.waitFlushed(lost.lastOffset).then(() => null, (e) => e);
  const segsBefore = log.segmentCount;
  assertEquals(await log.truncateTo(41), 40, "batch 40-41 goes whole");
  assert((await waiter) instanceof TruncatedError, "waiter for a truncated offset fails");
  assertEquals(log.logEndOffset, 40);
  assert(log.segmentCount < segsBefore);
  assertEquals(readAll(log).length, 20);
  const next = log.append(makeBatch({ count: 1 }));
  assertEquals(next.firstOffset, 40);
  assertEquals(readAll(log).map((b) => b.baseOffset).slice(-2), [38, 40]);
  log.checkInvariants();
  await log.truncateTo(0);
  assertEquals([log.logStartOffset, log.logEndOffset], [0, 0]);
  assertEquals(readAll(log).length, 0);
});

Deno.test("deleteRecordsBefore and retention by bytes and time", async () => {
  const clock = new ManualClock(10_000_000);
  const log = await openLog(new MemFs(), { retentionMs: 5000, retentionBytes: -1 }, { clock });
  for (let i = 0; i < 40; i++) {
    log.append(makeBatch({ count: 2, valueBytes: 100, timestamp: 10_000_000 + i * 100 }));
  }
  assertThrows(() => log.deleteRecordsBefore(10), OffsetOutOfRangeError);
  log.setHighWatermark(log.logEndOffset);
  const segs = log.segmentCount;
  assertEquals(log.deleteRecordsBefore(31), 31);
  assert(log.segmentCount < segs, `${log.segmentBaseOffsets()}`);
  assertThrows(() => log.read(30, 100), OffsetOutOfRangeError);
  assertEquals(readAll(log)[0].baseOffset, 30, "reads start in the batch holding the log start");
  // Nothing has expired yet.
  assertEquals(log.deleteOldSegments(), 0);
  // Segment 28's newest record is at +2701 ms, the active segment's at +3901 ms.
  clock.advance(8000);
  const n = log.deleteOldSegments();
  assertEquals(n, 1);
  const firstTs = readAll(log)[0];
  assert(firstTs.baseOffset > 30);
  log.checkInvariants();
  // Everything expired: the active segment rolls, then goes.
  clock.advance(1_000_000);
  log.deleteOldSegments();
  log.deleteOldSegments();
  assertEquals(log.logStartOffset, 80);
  assertEquals(log.logEndOffset, 80);
  await log.removeDeletedFiles(true);
});

Deno.test("retention.bytes keeps the log under the bound, never past the high watermark", async () => {
  const log = await openLog(new MemFs(), { retentionBytes: 8192, retentionMs: -1 });
  for (let i = 0; i < 100; i++) log.append(makeBatch({ count: 1, valueBytes: 200 }));
  log.setHighWatermark(10);
  log.deleteOldSegments();
  assert(log.logStartOffset <= 10);
  log.setHighWatermark(log.logEndOffset);
  log.deleteOldSegments();
  assert(log.sizeBytes <= 8192 + 4096, `size ${log.sizeBytes}`);
  assert(log.sizeBytes >= 8192 - 4096);
});

Deno.test("close and reopen: clean shutdown keeps everything, indexes reload", async () => {
  const fs = new MemFs();
  const log = await openLog(fs, {}, { cache: null });
  for (let i = 0; i < 60; i++) {
    log.append(makeBatch({ count: 2, valueBytes: 100, timestamp: 1000 + i }));
  }
  const before = readAll(log);
  const cp = await log.close();
  assertEquals(cp?.recoveryPoint, 120);
  const again = await openLog(fs, {}, { cache: null, recoveryPoint: 120, cleanShutdown: true });
  assertEquals(again.logEndOffset, 120);
  assertEquals(readAll(again), before);
  assert(again.recovery.scannedBytes < 1024, `scanned ${again.recovery.scannedBytes}`);
  assertEquals(again.offsetForTimestamp(1030)?.offset, 59);
  assertEquals(again.append(makeBatch({ count: 1 })).firstOffset, 120);
});

Deno.test("recovery after a crash truncates a torn tail and keeps flushed data", async () => {
  for (let seed = 1; seed <= 20; seed++) {
    let fs = new MemFs();
    const log = await openLog(fs);
    for (let i = 0; i < 30; i++) log.append(makeBatch({ count: 2, valueBytes: 100 }));
    await log.flush();
    const flushed = readAll(log);
    for (let i = 0; i < 10; i++) log.append(makeBatch({ count: 2, valueBytes: 100 }));
    let s = seed;
    const random = () => ((s = (s * 48271) % 2147483647) / 2147483647);
    fs = fs.crash({
      random,
      keepPendingProbability: 0.9,
      tearProbability: 0.7,
      flipProbability: 0.5,
    });
    const again = await openLog(fs, {}, { recoveryPoint: 0 });
    const got = readAll(again);
    assert(
      again.logEndOffset >= 60 && again.logEndOffset <= 80,
      `seed ${seed}: end ${again.logEndOffset}`,
    );
    assertEquals(got.slice(0, flushed.length), flushed, `seed ${seed}`);
    for (let i = 0; i < got.length; i++) assertEquals(got[i].baseOffset, i * 2, `seed ${seed}`);
    again.checkInvariants();
  }
});

Deno.test("an I/O error takes the log offline and fails waiters", async () => {
  const fs = new MemFs();
  const log = await openLog(fs);
  const { lastOffset } = log.append(makeBatch({ count: 1 }));
  fs.failPath(DIR);
  await assertRejects(() => log.waitFlushed(lastOffset), LogOfflineError);
  assert(log.isOffline);
  assertThrows(() => log.append(makeBatch({ count: 1 })), LogOfflineError);
  assertThrows(() => log.read(0, 100), LogOfflineError);
});

Deno.test("compaction keeps the latest record per key, keeps offsets, drops old tombstones", async () => {
  const clock = new ManualClock(1_000_500);
  const log = await openLog(new MemFs(), {
    cleanupPolicy: "compact",
    deleteRetentionMs: 10_000,
    segmentBytes: 2048,
  }, { clock });
  const latest = new Map<string, number>();
  for (let i = 0; i < 60; i++) {
    const key = `key${i % 7}`;
    const tomb = i === 30; // key2 deleted at offset 30
    const info = log.append(makeBatch({
      count: 1,
      key: () => key,
      value: () => (tomb ? null : new TextEncoder().encode(`v${i}`)),
      timestamp: 1_000_000 + i,
    }));
    latest.set(key, info.firstOffset);
  }
  // A compressed batch with two keys.
  log.append(
    makeBatch({
      count: 2,
      key: (i) => `c${i}`,
      compression: Compression.Gzip,
      timestamp: 1_000_100,
    }),
  );
  log.append(makeBatch({ count: 1, key: () => "c0", timestamp: 1_000_101 }));
  log.roll();
  log.append(makeBatch({ count: 1, key: () => "tail", timestamp: 1_000_150 }));
  log.setHighWatermark(log.logEndOffset);
  const stats = await log.compact();
  assert(stats !== null && stats.recordsRemoved > 0);
  const records = readAll(log).flatMap((b) => decodeBatchRecords(new BatchHeader(b.bytes)));
  const offsets = records.map((r) => r.offset);
  assertEquals(offsets, [...offsets].sort((a, b) => a - b), "offsets keep their order");
  const dec = new TextDecoder();
  const byKey = new Map(records.map((r) => [dec.decode(r.key!), r]));
  for (const [k, off] of latest) {
    if (k !== "key2" || off !== 30) assertEquals(byKey.get(k)?.offset, off);
  }
  assertEquals(byKey.get("c1")?.offset, 61, "record from a rebuilt compressed batch");
  assertEquals(byKey.get("c0")?.offset, 62);
  assert(!offsets.includes(60), "superseded c0 removed from the compressed batch");
  assertEquals(
    records.filter((r) => r.value === null).length,
    0,
    "key2's later value shadows the tombstone",
  );
  log.checkInvariants();
  // Tombstone case: delete key3 last, then let delete.retention.ms pass.
  log.append(makeBatch({ count: 1, key: () => "key3", value: () => null, timestamp: 1_000_200 }));
  log.roll();
  log.append(makeBatch({ count: 1, key: () => "tail2", timestamp: 1_000_250 }));
  log.setHighWatermark(log.logEndOffset);
  await log.compact();
  const mid = readAll(log).flatMap((b) => decodeBatchRecords(new BatchHeader(b.bytes)));
  assertEquals(mid.filter((r) => dec.decode(r.key!) === "key3").map((r) => r.value), [null]);
  clock.advance(20_000);
  await log.compact();
  const after = readAll(log).flatMap((b) => decodeBatchRecords(new BatchHeader(b.bytes)));
  assertEquals(after.filter((r) => dec.decode(r.key!) === "key3").length, 0, "tombstone removed");
  assertEquals(log.append(makeBatch({ count: 1 })).firstOffset, log.logEndOffset - 1);
});
