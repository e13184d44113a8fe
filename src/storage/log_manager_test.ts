import {
  assert,
  assertEquals,
  assertRejects,
  assertThrows,
} from "../../tests/support/storage_assert.ts";
import { makeBatch, readAll } from "../../tests/support/storage.ts";
import {
  CLEAN_SHUTDOWN_FILE,
  HIGH_WATERMARK_CHECKPOINT,
  LOG_START_OFFSET_CHECKPOINT,
  RECOVERY_POINT_CHECKPOINT,
} from "./checkpoint.ts";
import { defaultLogConfig, type LogConfig } from "./config.ts";
import { ManualClock, MemoryLogger } from "./env.ts";
import { LogOfflineError } from "./errors.ts";
import { MemFs } from "./fs_memory.ts";
import { LogManager } from "./log_manager.ts";

const DIRS = ["/d1", "/d2", "/d3"];

function open(
  fs: MemFs,
  extra: { clock?: ManualClock; logger?: MemoryLogger; config?: Partial<LogConfig> } = {},
) {
  return LogManager.open({
    logDirs: DIRS,
    fs,
    clock: extra.clock ?? new ManualClock(),
    logger: extra.logger ?? new MemoryLogger(),
    defaultConfig: { ...defaultLogConfig, segmentBytes: 2048, ...extra.config },
    checkpointIntervalMs: 1000,
    retentionCheckIntervalMs: 1000,
    cleanerBackoffMs: 1000,
  });
}

Deno.test("partitions are spread over log dirs; a failed dir takes only its partitions offline", async () => {
  const fs = new MemFs();
  const logger = new MemoryLogger();
  const m = await open(fs, { logger });
  for (let p = 0; p < 6; p++) await m.getOrCreate("t", p);
  const perDir = DIRS.map((d) => m.logs().filter((l) => l.dir.startsWith(d + "/")).length);
  assertEquals(perDir, [2, 2, 2]);
  const failing = m.dirOf("t", 1)!;
  const victims = m.logs().filter((l) => l.dir.startsWith(failing + "/"));
  const survivors = m.logs().filter((l) => !l.dir.startsWith(failing + "/"));
  fs.failPath(failing);
  assertThrows(() => victims[0].append(makeBatch({ count: 1 })), LogOfflineError);
  // The whole directory is offline, not just the partition that hit the error.
  for (const v of victims) assert(v.isOffline, `${v.dir} should be offline`);
  assertThrows(() => victims[1].read(0, 100), LogOfflineError);
  assertEquals(m.offlineDirs(), [failing]);
  const line = logger.lines.find((l) => l.startsWith("ERROR") && l.includes(failing));
  assert(line !== undefined, "an error line names the failed dir");
  for (const v of victims) assert(line.includes(`${v.topic}-${v.partition}`), line);
  for (const s of survivors) {
    s.append(makeBatch({ count: 1 }));
    await s.flush();
    assertEquals(readAll(s).length, 1);
  }
  // New partitions only go to online dirs.
  const fresh = await m.getOrCreate("u", 0);
  assert(!fresh.dir.startsWith(failing + "/"));
  await m.tick();
  await m.close();
  // After a restart the failing dir is reported again; the others load.
  const logger2 = new MemoryLogger();
  const m2 = await open(fs, { logger: logger2 });
  assertEquals(m2.offlineDirs(), [failing]);
  for (const s of survivors) assertEquals(readAll(m2.get(s.topic, s.partition)!).length, 1);
  await m2.close();
});

Deno.test("close writes checkpoints and the clean-shutdown marker; reopen recovers nothing", async () => {
  const fs = new MemFs();
  const m = await open(fs);
  const log = await m.getOrCreate("t", 0);
  for (let i = 0; i < 100; i++) log.append(makeBatch({ count: 3, valueBytes: 50 }));
  log.setHighWatermark(log.logEndOffset);
  log.deleteRecordsBefore(30);
  const dir = m.dirOf("t", 0)!;
  await m.close();
  for (
    const f of [
      CLEAN_SHUTDOWN_FILE,
      RECOVERY_POINT_CHECKPOINT,
      LOG_START_OFFSET_CHECKPOINT,
      HIGH_WATERMARK_CHECKPOINT,
    ]
  ) {
    assert(fs.exists(`${dir}/${f}`), `${f} missing`);
  }
  const text = new TextDecoder().decode(fs.readFile(`${dir}/${RECOVERY_POINT_CHECKPOINT}`));
  assertEquals(text, "0\n1\nt 0 300\n");
  const m2 = await open(fs);
  assert(!fs.exists(`${dir}/${CLEAN_SHUTDOWN_FILE}`), "marker removed at startup");
  const again = m2.get("t", 0)!;
  assertEquals([again.logStartOffset, again.logEndOffset, again.flushedOffset], [30, 300, 300]);
  assertEquals(again.highWatermark, 300, "high watermark from replication-offset-checkpoint");
  assert(again.recovery.scannedBytes < 2048, `scanned ${again.recovery.scannedBytes}`);
  await m2.close();
});

Deno.test("tick: flush.ms, retention, delayed deletion, compaction and checkpoints on their intervals", async () => {
  const fs = new MemFs();
  const clock = new ManualClock(1_000_000);
  const m = await open(fs, {
    clock,
    config: { retentionMs: 10_000, fileDeleteDelayMs: 5000, flushMs: 100 },
  });
  const log = await m.getOrCreate("t", 0);
  for (let i = 0; i < 50; i++) {
    log.append(makeBatch({ count: 2, valueBytes: 60, timestamp: 1_000_000 }));
  }
  log.setHighWatermark(log.logEndOffset);
  const segs = log.segmentCount;
  assert(segs > 2);
  clock.advance(200);
  await m.tick();
  await new Promise((r) => setTimeout(r, 0)); // the flush runs in the background
  assertEquals(log.flushedOffset, log.logEndOffset, "flush.ms");
  clock.advance(20_000);
  await m.tick();
  assertEquals(log.segmentCount, 1, "expired segments deleted, active rolled");
  const deleted = () => fs.files().filter((f) => f.endsWith(".deleted")).length;
  assert(deleted() > 0, "renamed first");
  clock.advance(5000);
  await m.tick();
  assertEquals(deleted(), 0, "removed after file.delete.delay.ms");
  await m.close();
});

Deno.test("delete removes a partition's directory; unknown partitions are absent", async () => {
  const fs = new MemFs();
  const m = await open(fs);
  const log = await m.getOrCreate("gone", 3);
  log.append(makeBatch({ count: 1 }));
  const dir = log.dir;
  await m.delete("gone", 3);
  assertEquals(m.get("gone", 3), undefined);
  assert(!fs.files().some((f) => f.startsWith(dir + "/")), "files removed");
  assertThrows(() => log.append(makeBatch({ count: 1 })), LogOfflineError);
  await m.close();
  const m2 = await open(fs);
  assertEquals(m2.get("gone", 3), undefined);
  await m2.close();
});

Deno.test("no online dir: creating a partition fails with LogOfflineError", async () => {
  const fs = new MemFs();
  for (const d of DIRS) fs.failPath(d);
  const m = await open(fs);
  assertEquals(m.offlineDirs(), DIRS);
  await assertRejects(() => m.getOrCreate("t", 0), LogOfflineError);
});

Deno.test("concurrent getOrCreate of one partition opens one log", async () => {
  const lm = await open(new MemFs());
  const logs = await Promise.all([
    lm.getOrCreate("t", 0),
    lm.getOrCreate("t", 0),
    lm.getOrCreate("t", 0),
  ]);
  if (logs[0] !== logs[1] || logs[1] !== logs[2]) {
    throw new Error("two instances of one partition log");
  }
  if (lm.logs().length !== 1) throw new Error(`${lm.logs().length} logs open`);
  await lm.close();
});
