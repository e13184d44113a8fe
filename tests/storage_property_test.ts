/**
 * Property tests: random sequences of append / read / roll / flush /
 * truncate / DeleteRecords / retention / timestamp lookups / reopen on one
 * log, checked against a reference model after every step (the frontier
 * invariants too), and random keyed appends interleaved with compaction,
 * checked against the compaction contract. Seeded: prints the seed; replay
 * with STORAGE_PROPERTY_SEED=<seed>.
 */
import { BatchHeader } from "../src/protocol/records/layout.ts";
import { decodeBatchRecords } from "../src/protocol/records/batch.ts";
import { RecentCache } from "../src/storage/cache.ts";
import { defaultLogConfig, type LogConfig } from "../src/storage/config.ts";
import { ManualClock, MemoryLogger } from "../src/storage/env.ts";
import { MemFs } from "../src/storage/fs_memory.ts";
import { PartitionLog } from "../src/storage/log.ts";
import { Rng, seedFromEnv } from "./support/rng.ts";
import { concat, makeBatch, readAll } from "./support/storage.ts";
import { assert, assertEquals } from "./support/storage_assert.ts";

const DIR = "/data/p-0";
/** STORAGE_PROPERTY_TRACE=1 prints every operation (with the seed, to debug a failure). */
const trace: (...a: unknown[]) => void = Deno.env.get("STORAGE_PROPERTY_TRACE")
  ? console.log
  : () => {};

interface ModelBatch {
  base: number;
  last: number;
  ts: number;
  bytes: Uint8Array;
}

async function open(
  fs: MemFs,
  config: LogConfig,
  clock: ManualClock,
  cache: RecentCache | null,
  clean: boolean,
  checkpoint = { recoveryPoint: 0, logStartOffset: 0 },
) {
  fs.mkdirp(DIR);
  return await PartitionLog.open({
    fs,
    dir: DIR,
    topic: "p",
    partition: 0,
    config,
    clock,
    logger: new MemoryLogger(),
    cache,
    cleanShutdown: clean,
    ...checkpoint,
  });
}

function checkAgainstModel(log: PartitionLog, model: ModelBatch[], where: string): void {
  log.checkInvariants();
  const start = log.logStartOffset;
  const live = model.filter((b) => b.last >= start);
  if (live.length > 0) {
    assertEquals(log.logEndOffset, live[live.length - 1].last + 1, `${where}: log end`);
  }
  const served = readAll(log);
  assertEquals(
    served.map((b) => b.baseOffset),
    live.map((b) => b.base),
    `${where}: batches served`,
  );
  for (let i = 0; i < served.length; i++) {
    assertEquals(served[i].bytes, live[i].bytes, `${where}: bytes`);
  }
}

Deno.test("random operation sequences keep the log equal to the model and the frontier sound", async () => {
  const seed = seedFromEnv("STORAGE_PROPERTY_SEED");
  console.log(`storage property test seed: ${seed} (replay: STORAGE_PROPERTY_SEED=${seed})`);
  const rng = new Rng(seed);
  for (let run = 0; run < 25; run++) {
    const clock = new ManualClock(1_000_000);
    const config: LogConfig = {
      ...defaultLogConfig,
      segmentBytes: rng.pick([3000, 4096, 16384]),
      indexIntervalBytes: rng.pick([1, 200, 4096]),
      segmentMs: rng.pick([500, 1_000_000]),
      retentionMs: rng.pick([-1, 3000]),
      retentionBytes: rng.pick([-1, 6000]),
      flushMessages: rng.pick([5, Number.MAX_SAFE_INTEGER]),
    };
    const fs = new MemFs();
    const cache = rng.next() < 0.5 ? new RecentCache(rng.pick([1000, 100_000])) : null;
    let log = await open(fs, config, clock, cache, false);
    let model: ModelBatch[] = [];
    for (let step = 0; step < 150; step++) {
      const where = `seed ${seed} run ${run} step ${step}`;
      const r = rng.next();
      if (r < 0.45) {
        const ts = clock.nowMs() - rng.int(50);
        const bytes = makeBatch({
          count: rng.intBetween(1, 5),
          valueBytes: rng.pick([1, 40, 400]),
          timestamp: ts,
        });
        const info = log.append(bytes);
        trace(where, "append", info.firstOffset, info.lastOffset, bytes.length);
        model.push({ base: info.firstOffset, last: info.lastOffset, ts, bytes });
        clock.advance(rng.int(30));
      } else if (r < 0.6) {
        // A read from a random offset: a prefix of the model's bytes from the batch holding it.
        if (model.length === 0 || log.logEndOffset === log.logStartOffset) continue;
        const offset = rng.intBetween(log.logStartOffset, log.logEndOffset - 1);
        const maxBytes = rng.pick([1, 100, 1000, 100_000]);
        const res = log.read(offset, maxBytes);
        trace(where, "read", offset, maxBytes, res.sizeBytes);
        const j = model.findIndex((b) => b.last >= offset);
        const expected = concat(model.slice(j).map((b) => b.bytes));
        const got = concat(res.chunks);
        assert(
          got.length >= Math.min(model[j].bytes.length, expected.length),
          `${where}: short read`,
        );
        assert(
          got.length <= Math.max(maxBytes, model[j].bytes.length),
          `${where}: read over maxBytes`,
        );
        assertEquals(got, expected.subarray(0, got.length), `${where}: read at ${offset}`);
      } else if (r < 0.65) {
        trace(where, "roll");
        log.roll();
      } else if (r < 0.7) {
        await log.flush();
        assertEquals(log.flushedOffset, log.writtenOffset, where);
      } else if (r < 0.75) {
        const end = log.logEndOffset;
        const to = rng.intBetween(log.logStartOffset, end);
        const newEnd = await log.truncateTo(to);
        trace(where, "truncateTo", to, "->", newEnd, "start", log.logStartOffset);
        assert(newEnd <= to || to >= end, `${where}: truncated past the target`);
        model = model.filter((b) => b.last < newEnd);
        if (newEnd === log.logStartOffset) model = model.filter((b) => b.base >= newEnd);
      } else if (r < 0.8) {
        log.setHighWatermark(rng.intBetween(log.logStartOffset, log.logEndOffset));
        const to = rng.intBetween(log.logStartOffset, log.highWatermark);
        trace(where, "deleteRecordsBefore", to, "hw", log.highWatermark);
        assertEquals(log.deleteRecordsBefore(to), Math.max(to, log.logStartOffset), where);
      } else if (r < 0.85) {
        log.setHighWatermark(log.logEndOffset);
        clock.advance(rng.pick([0, 1000, 5000]));
        const before = log.logStartOffset;
        log.deleteOldSegments();
        trace(where, "retention", before, "->", log.logStartOffset, log.segmentBaseOffsets());
        assert(log.logStartOffset >= before, `${where}: log start went back`);
        const start = log.logStartOffset;
        assert(
          start === log.logEndOffset || model.some((b) => b.base === start) || start === before,
          `${where}: retention moved the log start to ${start}, not a batch boundary`,
        );
        if (config.retentionBytes >= 0 && log.segmentCount > 1) {
          assert(
            log.sizeBytes - config.segmentBytes < config.retentionBytes + config.segmentBytes,
            where,
          );
        }
      } else if (r < 0.9) {
        // ListOffsets by time against a brute-force answer over the records.
        const target = clock.nowMs() - rng.int(3000);
        let want: { offset: number; timestamp: number } | null = null;
        for (const b of model) {
          for (let o = b.base; o <= b.last && want === null; o++) {
            const t = b.ts + (o - b.base);
            if (o >= log.logStartOffset && t >= target) want = { offset: o, timestamp: t };
          }
          if (want !== null) break;
        }
        assertEquals(
          log.offsetForTimestamp(target),
          want,
          `${where}: offsetForTimestamp(${target})`,
        );
      } else if (r < 0.95) {
        const clean = rng.next() < 0.5;
        trace(where, "reopen", clean ? "clean" : "unclean");
        // What a log manager's checkpoint would hold (the recovery point lags after an unclean stop).
        let checkpoint = {
          recoveryPoint: rng.int(log.flushedOffset + 1),
          logStartOffset: log.logStartOffset,
        };
        if (clean) checkpoint = (await log.close())!;
        else await log.flush(); // an unclean reopen of flushed data: recovery walks from the recovery point
        log = await open(fs, config, clock, cache, clean, checkpoint);
      } else {
        await new Promise((res) => setTimeout(res, 0));
      }
      checkAgainstModel(log, model, where);
    }
    await log.close();
  }
});

Deno.test("random keyed appends and compaction passes keep the compaction contract", async () => {
  const seed = seedFromEnv("STORAGE_PROPERTY_SEED");
  console.log(`storage compaction property seed: ${seed} (replay: STORAGE_PROPERTY_SEED=${seed})`);
  const rng = new Rng(seed ^ 0x2545f491);
  const dec = new TextDecoder();
  for (let run = 0; run < 15; run++) {
    const clock = new ManualClock(1_000_000);
    const config: LogConfig = {
      ...defaultLogConfig,
      cleanupPolicy: rng.pick(["compact", "compact,delete"] as const),
      segmentBytes: rng.pick([1024, 4096]),
      deleteRetentionMs: 2000,
      retentionMs: -1,
    };
    const log = await open(new MemFs(), config, clock, new RecentCache(10_000), false);
    const appended = new Map<number, { key: string; value: string | null }>();
    const latest = new Map<string, { offset: number; value: string | null; ts: number }>();
    for (let step = 0; step < 200; step++) {
      const where = `seed ${seed} run ${run} step ${step}`;
      const r = rng.next();
      if (r < 0.75) {
        const n = rng.intBetween(1, 3);
        const keys = Array.from({ length: n }, () => `k${rng.int(15)}`);
        const values = keys.map(() => (rng.next() < 0.1 ? null : `v${step}-${rng.int(1000)}`));
        const ts = clock.nowMs();
        const info = log.append(makeBatch({
          count: n,
          key: (i) => keys[i],
          value: (i) => (values[i] === null ? null : new TextEncoder().encode(values[i]!)),
          timestamp: ts,
        }));
        for (let i = 0; i < n; i++) {
          appended.set(info.firstOffset + i, { key: keys[i], value: values[i] });
          latest.set(keys[i], { offset: info.firstOffset + i, value: values[i], ts: ts + i });
        }
        clock.advance(rng.int(100));
      } else if (r < 0.85) {
        log.roll();
      } else {
        log.setHighWatermark(log.logEndOffset);
        await log.compact();
      }
      log.checkInvariants();
      const records = readAll(log).flatMap((b) => decodeBatchRecords(new BatchHeader(b.bytes)));
      let prev = -1;
      const seen = new Map<string, number>();
      for (const rec of records) {
        assert(rec.offset > prev, `${where}: offsets must increase`);
        prev = rec.offset;
        const a = appended.get(rec.offset);
        const key = dec.decode(rec.key!);
        const value = rec.value === null ? null : dec.decode(rec.value);
        assertEquals({ key, value }, a, `${where}: record at ${rec.offset}`);
        seen.set(key, rec.offset);
      }
      for (const [key, l] of latest) {
        // The latest record of every key stays, unless it is a tombstone past delete.retention.ms.
        const expiredTombstone = l.value === null &&
          clock.nowMs() - l.ts > config.deleteRetentionMs;
        if (!expiredTombstone) assertEquals(seen.get(key), l.offset, `${where}: latest of ${key}`);
      }
    }
    await log.close();
  }
});
