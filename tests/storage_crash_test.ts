/**
 * Crash recovery against the fault-injecting file layer (MemFs). Each round
 * runs random appends (some with durable acknowledgements), flushes, rolls,
 * checkpoints, truncations and DeleteRecords on two partitions, then crashes
 * the filesystem at a random moment (flushes may be in flight): unsynced
 * writes are dropped or kept, the last kept one may be torn, kept bytes may
 * have flipped bits, and only a prefix of unsynced directory operations
 * survives. After recovery:
 * - every batch acknowledged as flushed (and not since truncated or deleted)
 *   is served with its exact bytes;
 * - every served batch is valid (CRC) and is exactly what was appended at its
 *   offset, so nothing after a corrupt batch is served;
 * - offsets are contiguous from the log start;
 * - the frontier invariants hold.
 * A compacted topic gets its own run, crashing in the middle of cleaning too.
 *
 * Seeded: prints the seed; replay with STORAGE_CRASH_SEED=<seed>.
 */
import { validateBatch } from "../src/protocol/records/batch.ts";
import { BatchHeader, Compression } from "../src/protocol/records/layout.ts";
import { decodeBatchRecords } from "../src/protocol/records/batch.ts";
import { defaultLogConfig, type LogConfig } from "../src/storage/config.ts";
import { ManualClock, MemoryLogger } from "../src/storage/env.ts";
import { MemFs } from "../src/storage/fs_memory.ts";
import type { PartitionLog } from "../src/storage/log.ts";
import { LogManager } from "../src/storage/log_manager.ts";
import { Rng, seedFromEnv } from "./support/rng.ts";
import { makeBatch, readAll } from "./support/storage.ts";
import { assert, assertEquals } from "./support/storage_assert.ts";

const ROUNDS = 60;
const CRASHES_PER_ROUND = 3;

function randomConfig(rng: Rng, over: Partial<LogConfig> = {}): LogConfig {
  return {
    ...defaultLogConfig,
    segmentBytes: rng.pick([3000, 4096, 8192]),
    indexIntervalBytes: rng.pick([64, 512, 4096]),
    retentionMs: -1,
    ...over,
  };
}

async function openManager(fs: MemFs, clock: ManualClock, config: LogConfig, rng: Rng) {
  return await LogManager.open({
    logDirs: ["/kafka/data"],
    fs,
    clock,
    logger: new MemoryLogger(),
    defaultConfig: config,
    checkpointIntervalMs: rng.pick([0, 50, 1000]),
    retentionCheckIntervalMs: 1_000_000_000,
    cleanerBackoffMs: 0,
    cacheBytesMax: 64 * 1024,
  });
}

/** What each partition must still serve: appended bytes by offset, and what was acked durable. */
interface Model {
  /** Current content by base offset (bytes as stored). */
  batches: Map<number, Uint8Array>;
  /** Base offsets acknowledged as flushed. */
  acked: Set<number>;
}

function dropFrom(m: Model, end: number): void {
  for (const base of [...m.batches.keys()]) {
    if (base >= end) {
      m.batches.delete(base);
      m.acked.delete(base);
    }
  }
}

const tick = () => new Promise((r) => setTimeout(r, 0));

async function workload(
  rng: Rng,
  logs: PartitionLog[],
  models: Model[],
  clock: ManualClock,
  manager: LogManager,
  steps: number,
  epoch: { value: number },
): Promise<void> {
  for (let step = 0; step < steps; step++) {
    const i = rng.int(logs.length);
    const log = logs[i];
    const m = models[i];
    const r = rng.next();
    if (r < 0.6) {
      const batch = makeBatch({
        count: rng.intBetween(1, 4),
        valueBytes: rng.pick([8, 100, 700]),
        timestamp: clock.nowMs(),
        compression: rng.next() < 0.1 ? Compression.Gzip : Compression.None,
      });
      // Leader epochs only grow in a real log (recovery checks that).
      if (rng.next() < 0.05) epoch.value++;
      const info = log.append(batch, { leaderEpoch: rng.next() < 0.3 ? epoch.value : undefined });
      m.batches.set(info.firstOffset, batch);
      if (rng.next() < 0.5) {
        log.waitFlushed(info.lastOffset).then(
          () => m.batches.get(info.firstOffset) === batch && m.acked.add(info.firstOffset),
          () => {}, // truncated, or the crash took the filesystem away
        );
      }
    } else if (r < 0.7) {
      await tick();
    } else if (r < 0.76) {
      await log.flush();
    } else if (r < 0.8) {
      log.roll();
    } else if (r < 0.9) {
      clock.advance(rng.pick([1, 60, 2000]));
      await manager.tick();
    } else if (r < 0.95) {
      log.setHighWatermark(log.logEndOffset);
      const start = log.logStartOffset;
      const to = start + rng.int(Math.max(1, (log.logEndOffset - start) / 4));
      log.deleteRecordsBefore(to);
    } else {
      const end = log.logEndOffset;
      const to = Math.max(log.logStartOffset + 1, end - rng.int(12));
      const newEnd = await log.truncateTo(to);
      dropFrom(m, newEnd);
    }
  }
}

function verify(seed: number, round: number, log: PartitionLog, m: Model, phase: string): void {
  const where = `seed ${seed} round ${round} ${phase} ${log.topic}-${log.partition}`;
  log.checkInvariants();
  const served = readAll(log);
  let next = -1;
  for (const b of served) {
    validateBatch(b.bytes, 0);
    if (next >= 0) assertEquals(b.baseOffset, next, `${where}: offsets contiguous`);
    next = b.lastOffset + 1;
    const want = m.batches.get(b.baseOffset);
    assert(want !== undefined, `${where}: served batch at ${b.baseOffset} was never appended`);
    if (!m.acked.has(b.baseOffset)) {
      // partitionLeaderEpoch (bytes 12-15) is outside Kafka's CRC: a bit flipped
      // there in an unflushed batch can only be caught when epochs go backwards.
      b.bytes.set(want.subarray(12, 16), 12);
    }
    assertEquals(
      b.bytes,
      want,
      `${where}: batch at ${b.baseOffset} differs from what was appended`,
    );
  }
  if (served.length > 0) {
    assertEquals(
      next,
      log.logEndOffset,
      `${where}: log end (segments ${log.segmentBaseOffsets()}, served ${
        served.map((b) => b.baseOffset + "-" + b.lastOffset)
      })`,
    );
  }
  const byBase = new Set(served.map((b) => b.baseOffset));
  for (const base of m.acked) {
    if (base < log.logStartOffset) continue;
    assert(
      byBase.has(base),
      `${where}: acknowledged flushed batch at ${base} lost (end ${log.logEndOffset})`,
    );
  }
  // Forget what is gone for good, so later rounds compare against the recovered log.
  dropFrom(m, log.logEndOffset);
}

Deno.test("crash recovery with a fault-injecting file layer keeps every flushed batch", async () => {
  const seed = seedFromEnv("STORAGE_CRASH_SEED");
  console.log(`storage crash test seed: ${seed} (replay: STORAGE_CRASH_SEED=${seed})`);
  const rng = new Rng(seed);
  let crashes = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const clock = new ManualClock();
    const config = randomConfig(rng);
    let fs = new MemFs();
    let manager = await openManager(fs, clock, config, rng);
    const models: Model[] = [0, 1].map(() => ({ batches: new Map(), acked: new Set() }));
    const epoch = { value: 0 };
    for (let c = 0; c < CRASHES_PER_ROUND; c++) {
      const logs = [await manager.getOrCreate("t", 0), await manager.getOrCreate("t", 1)];
      await workload(rng, logs, models, clock, manager, rng.intBetween(10, 80), epoch);
      // Let some background flushes start (and maybe finish) before the crash.
      for (let k = rng.int(3); k > 0; k--) await tick();
      fs = fs.crash({
        random: () => rng.next(),
        keepPendingProbability: rng.next(),
        tearProbability: 0.5,
        flipProbability: 0.4,
      });
      crashes++;
      await tick(); // the dead instance's background work fails quietly
      manager = await openManager(fs, clock, config, rng);
      for (let p = 0; p < 2; p++) {
        const log = manager.get("t", p);
        if (log === undefined) {
          // The partition directory itself was never made durable: only then may it vanish.
          assertEquals(models[p].acked.size, 0, `seed ${seed} round ${round}: t-${p} vanished`);
          continue;
        }
        verify(seed, round, log, models[p], `after crash ${c}`);
      }
    }
    await manager.close();
  }
  assert(crashes >= ROUNDS * CRASHES_PER_ROUND);
});

Deno.test("compaction survives crashes at any point: latest flushed value per key stays", async () => {
  const seed = seedFromEnv("STORAGE_CRASH_SEED");
  console.log(`storage compaction crash test seed: ${seed} (replay: STORAGE_CRASH_SEED=${seed})`);
  const rng = new Rng(seed ^ 0x5bd1e995);
  const dec = new TextDecoder();
  for (let round = 0; round < 30; round++) {
    const clock = new ManualClock(5_000_000);
    const config = randomConfig(rng, { cleanupPolicy: "compact", deleteRetentionMs: 1_000_000 });
    let fs = new MemFs();
    let manager = await openManager(fs, clock, config, rng);
    // key -> value of the latest acknowledged-flushed record, and every value ever written per offset.
    const written = new Map<number, string>();
    const lastAcked = new Map<string, { offset: number; value: string }>();
    for (let c = 0; c < 3; c++) {
      const log = await manager.getOrCreate("c", 0);
      for (let step = 0; step < 60; step++) {
        const key = `k${rng.int(12)}`;
        const value = `v${round}-${c}-${step}`;
        const info = log.append(makeBatch({
          count: 1,
          key: () => key,
          value: () => new TextEncoder().encode(value),
          timestamp: clock.nowMs(),
          valueBytes: 0,
        }));
        written.set(info.firstOffset, `${key}=${value}`);
        log.waitFlushed(info.lastOffset).then(() => {
          const prev = lastAcked.get(key);
          if (prev === undefined || prev.offset < info.firstOffset) {
            lastAcked.set(key, { offset: info.firstOffset, value });
          }
        }, () => {});
        if (rng.next() < 0.1) log.roll();
        if (rng.next() < 0.05) await log.flush();
      }
      await log.flush();
      log.roll();
      log.setHighWatermark(log.logEndOffset);
      // Crash before, during or after a cleaning pass.
      const cleaning = log.compact().catch(() => null);
      for (let k = rng.int(12); k > 0; k--) await tick();
      fs = fs.crash({ random: () => rng.next(), keepPendingProbability: rng.next() });
      await cleaning;
      manager = await openManager(fs, clock, config, rng);
      const again = manager.get("c", 0);
      assert(again !== undefined, `seed ${seed} round ${round}: compacted log vanished`);
      again.checkInvariants();
      const records = readAll(again).flatMap((b) => {
        validateBatch(b.bytes, 0, { allowSparse: true });
        return decodeBatchRecords(new BatchHeader(b.bytes));
      });
      let prev = -1;
      const latestServed = new Map<string, { offset: number; value: string }>();
      for (const r of records) {
        assert(r.offset > prev, `seed ${seed} round ${round}: offsets out of order`);
        prev = r.offset;
        const kv = `${dec.decode(r.key!)}=${dec.decode(r.value!)}`;
        assertEquals(
          kv,
          written.get(r.offset),
          `seed ${seed} round ${round}: record at ${r.offset}`,
        );
        latestServed.set(dec.decode(r.key!), { offset: r.offset, value: dec.decode(r.value!) });
      }
      for (const [key, acked] of lastAcked) {
        const got = latestServed.get(key);
        assert(
          got !== undefined && got.offset >= acked.offset,
          `seed ${seed} round ${round}: ${key} lost ${acked.value}`,
        );
      }
    }
    await manager.close();
  }
});
