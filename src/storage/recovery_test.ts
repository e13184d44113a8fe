import { assert, assertEquals } from "../../tests/support/storage_assert.ts";
import { concat, makeBatch, readAll } from "../../tests/support/storage.ts";
import { defaultLogConfig, type LogConfig } from "./config.ts";
import { ManualClock, MemoryLogger } from "./env.ts";
import { MemFs } from "./fs_memory.ts";
import { PartitionLog } from "./log.ts";

const DIR = "/r/t-0";

async function open(fs: MemFs, over: Partial<LogConfig> = {}, state = {}) {
  fs.mkdirp(DIR);
  return await PartitionLog.open({
    fs,
    dir: DIR,
    topic: "t",
    partition: 0,
    config: { ...defaultLogConfig, segmentBytes: 2048, indexIntervalBytes: 128, ...over },
    clock: new ManualClock(),
    logger: new MemoryLogger(),
    cache: null,
    ...state,
  });
}

const stem = (o: number) => String(o).padStart(20, "0");

Deno.test("recovery removes leftovers of interrupted operations", async () => {
  const fs = new MemFs();
  const log = await open(fs);
  for (let i = 0; i < 30; i++) log.append(makeBatch({ count: 2, valueBytes: 60 }));
  await log.close();
  for (
    const name of [
      "x.tmp",
      `${stem(0)}.log.cleaned`,
      `${stem(5)}.log.deleted`,
      `${stem(999)}.index`,
    ]
  ) {
    fs.writeFile(`${DIR}/${name}`, new Uint8Array(8));
  }
  const again = await open(fs, {}, { cleanShutdown: true });
  assertEquals(readAll(again).length, 30);
  const names = fs.files().map((f) => f.slice(DIR.length + 1));
  for (const n of names) assert(!/tmp|cleaned|deleted|00999\./.test(n), `leftover ${n}`);
});

Deno.test("recovery completes a committed compaction swap", async () => {
  const fs = new MemFs();
  const log = await open(fs);
  for (let i = 0; i < 40; i++) log.append(makeBatch({ count: 1, valueBytes: 60 }));
  await log.close();
  const bases = log.segmentBaseOffsets();
  assert(bases.length >= 3, `${bases}`);
  // A cleaned replacement for the first two segments keeping every other batch.
  const first = await open(fs, {}, { cleanShutdown: true });
  const survivors = readAll(first).filter((b) => b.baseOffset < bases[2] && b.baseOffset % 2 === 0);
  await first.close();
  fs.writeFile(`${DIR}/${stem(0)}.log.swap`, concat(survivors.map((b) => b.bytes)));
  const again = await open(fs, {}, { cleanShutdown: true });
  const got = readAll(again).map((b) => b.baseOffset);
  const expectedTail = Array.from({ length: 40 - bases[2] }, (_, i) => bases[2] + i);
  assertEquals(got, [...survivors.map((b) => b.baseOffset), ...expectedTail]);
  assertEquals(again.segmentBaseOffsets()[0], 0);
  assert(!fs.files().some((f) => f.endsWith(".swap")), "swap renamed");
});

Deno.test("damaged index files are rebuilt, not trusted", async () => {
  const fs = new MemFs();
  const log = await open(fs);
  for (let i = 0; i < 60; i++) log.append(makeBatch({ count: 2, valueBytes: 60 }));
  const before = readAll(log);
  await log.close();
  const idx = `${DIR}/${stem(0)}.index`;
  const bytes = fs.readFile(idx);
  assert(bytes.length >= 16, "index has entries");
  // Entries that look sane but point at the wrong places.
  for (let i = 4; i < bytes.length; i += 8) bytes[i + 3] ^= 0x10;
  fs.writeFile(idx, bytes);
  const again = await open(fs, {}, { cleanShutdown: true });
  assertEquals(readAll(again), before);
  for (let o = 0; o < 120; o += 5) {
    const first = again.read(o, 1);
    assert(
      first.firstOffset <= o && first.firstOffset >= o - 1,
      `offset ${o} -> ${first.firstOffset}`,
    );
  }
});

Deno.test("recovery resumes inside the segment holding the recovery point", async () => {
  const fs = new MemFs();
  const log = await open(fs, { segmentBytes: 1 << 20 });
  for (let i = 0; i < 200; i++) log.append(makeBatch({ count: 1, valueBytes: 100 }));
  await log.flush();
  const cp = await log.prepareCheckpoint();
  for (let i = 0; i < 10; i++) log.append(makeBatch({ count: 1, valueBytes: 100 }));
  await log.flush();
  const size = log.sizeBytes;
  // An unclean stop: recovery walks only from the checkpointed recovery point.
  const again = await open(fs, { segmentBytes: 1 << 20 }, cp);
  assertEquals(again.logEndOffset, 210);
  assert(
    again.recovery.scannedBytes < size / 4,
    `scanned ${again.recovery.scannedBytes} of ${size}`,
  );
  assertEquals(readAll(again).length, 210);
});

Deno.test("a segment that does not follow a lost tail is dropped (non-compacted)", async () => {
  const fs = new MemFs();
  const log = await open(fs);
  for (let i = 0; i < 30; i++) log.append(makeBatch({ count: 2, valueBytes: 60 }));
  await log.close();
  const bases = log.segmentBaseOffsets();
  // Cut the tail off the second-to-last segment, as if its last writes were lost.
  const victim = `${DIR}/${stem(bases[bases.length - 2])}.log`;
  const data = fs.readFile(victim);
  fs.writeFile(victim, data.subarray(0, data.length - 10));
  const again = await open(fs, {}, { recoveryPoint: 0 });
  const got = readAll(again);
  let next = 0;
  for (const b of got) {
    assertEquals(b.baseOffset, next);
    next = b.lastOffset + 1;
  }
  assertEquals(again.logEndOffset, next);
  assert(next < bases[bases.length - 1], "the data after the gap is gone");
});
