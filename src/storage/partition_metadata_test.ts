import { assert, assertEquals, assertRejects } from "../../tests/support/storage_assert.ts";
import { makeBatch, readAll } from "../../tests/support/storage.ts";
import { defaultLogConfig } from "./config.ts";
import { ManualClock, MemoryLogger } from "./env.ts";
import { LogOfflineError } from "./errors.ts";
import { joinPath } from "./fs.ts";
import { MemFs } from "./fs_memory.ts";
import { LogManager } from "./log_manager.ts";
import {
  decodePartitionMetadata,
  encodePartitionMetadata,
  PARTITION_METADATA_FILE,
} from "./partition_metadata.ts";

const ID_A = "AAAAAAAAAAAAAAAAAAAAAQ";
const ID_B = "q83vEjRWeJq83vEjRWeJqw";

function open(fs: MemFs, logger = new MemoryLogger()) {
  return LogManager.open({
    logDirs: ["/d1"],
    fs,
    clock: new ManualClock(),
    logger,
    defaultConfig: { ...defaultLogConfig, segmentBytes: 2048 },
  });
}

const text = (b: Uint8Array) => new TextDecoder().decode(b);

Deno.test("partition.metadata: Kafka's text format, round trip, malformed input is null", () => {
  assertEquals(text(encodePartitionMetadata(ID_B)), `version: 0\ntopic_id: ${ID_B}\n`);
  assertEquals(decodePartitionMetadata(encodePartitionMetadata(ID_B)), ID_B);
  const bytes = (s: string) => new TextEncoder().encode(s);
  assertEquals(decodePartitionMetadata(bytes(`version: 0\ntopic_id: ${ID_A}`)), ID_A);
  for (
    const bad of [
      "",
      "version: 0\n",
      `version: 1\ntopic_id: ${ID_A}\n`,
      `topic_id: ${ID_A}\nversion: 0\n`,
      "version: 0\ntopic_id: \n",
      "version: 0\ntopic_id: two words\n",
      `version: 0\ntopic_id: ${ID_A}\nextra\n`,
    ]
  ) {
    assertEquals(decodePartitionMetadata(bytes(bad)), null, JSON.stringify(bad));
  }
});

Deno.test("LogManager: a created log records its topic id; reopening reads it back", async () => {
  const fs = new MemFs();
  const m = await open(fs);
  const log = await m.getOrCreate("t", 0, ID_B);
  assertEquals(log.topicId, ID_B);
  const path = joinPath(log.dir, PARTITION_METADATA_FILE);
  assertEquals(text(fs.readFile(path)), `version: 0\ntopic_id: ${ID_B}\n`);
  // Written atomically: no temp file is left behind.
  assert(!fs.exists(`${path}.tmp`));
  log.append(makeBatch({ count: 2 }));
  await log.flush();
  await m.close();
  const m2 = await open(fs);
  assertEquals(m2.get("t", 0)!.topicId, ID_B);
  assertEquals(m2.get("t", 0)!.logEndOffset, 2);
  await m2.close();
});

Deno.test("LogManager: the topic id is durable once the creation returns", async () => {
  const fs = new MemFs();
  const m = await open(fs);
  await m.getOrCreate("t", 0, ID_A);
  // A crash that keeps nothing pending: the file and its directory were synced.
  const after = fs.crash({ random: () => 0 });
  const m2 = await open(after);
  assertEquals(m2.get("t", 0)?.topicId, ID_A);
  await m2.close();
});

Deno.test("LogManager: no id given or no file (an older directory) means a null topic id", async () => {
  const fs = new MemFs();
  const m = await open(fs);
  const log = await m.getOrCreate("t", 0);
  assertEquals(log.topicId, null);
  assert(!fs.exists(joinPath(log.dir, PARTITION_METADATA_FILE)));
  log.append(makeBatch({ count: 1 }));
  await m.close();
  const m2 = await open(fs);
  const again = m2.get("t", 0)!;
  assertEquals(again.topicId, null);
  assertEquals(readAll(again).length, 1, "the older directory is kept");
  // An id is assigned later (idempotently) and survives a restart.
  await again.assignTopicId(ID_A);
  await again.assignTopicId(ID_A);
  assertEquals(again.topicId, ID_A);
  await m2.close();
  const m3 = await open(fs);
  assertEquals(m3.get("t", 0)!.topicId, ID_A);
  await m3.close();
});

Deno.test("LogManager: an unreadable partition.metadata gives a null id and a warning", async () => {
  const fs = new MemFs();
  const m = await open(fs);
  const log = await m.getOrCreate("t", 0, ID_A);
  log.append(makeBatch({ count: 1 }));
  await m.close();
  fs.writeFile(joinPath("/d1/t-0", PARTITION_METADATA_FILE), new TextEncoder().encode("garbage"));
  const logger = new MemoryLogger();
  const m2 = await open(fs, logger);
  const again = m2.get("t", 0)!;
  assertEquals(again.topicId, null);
  assertEquals(readAll(again).length, 1);
  assert(
    logger.lines.some((l) => l.startsWith("WARN") && l.includes(PARTITION_METADATA_FILE)),
    logger.lines.join("\n"),
  );
  await m2.close();
});

Deno.test("LogManager: a bad topic id is refused; a failing dir makes creation offline", async () => {
  const fs = new MemFs();
  const m = await open(fs);
  await assertRejects(() => m.getOrCreate("t", 0, "not an id"), RangeError);
  assertEquals(m.get("t", 0), undefined);
  fs.failPath("/d1");
  await assertRejects(() => m.getOrCreate("t", 1, ID_A), LogOfflineError);
  await m.close();
});

Deno.test("LogManager: re-creating a partition waits for its deletion; the new log is empty", async () => {
  const fs = new MemFs();
  const m = await open(fs);
  const old = await m.getOrCreate("t", 0, ID_A);
  for (let i = 0; i < 5; i++) old.append(makeBatch({ count: 3 }));
  // Not awaited: the creation must not open the directory the deletion is moving away.
  const deleting = m.delete("t", 0);
  const created = m.getOrCreate("t", 0, ID_B);
  await deleting;
  const fresh = await created;
  assertEquals(fresh.topicId, ID_B);
  assertEquals(fresh.logEndOffset, 0);
  assertEquals(readAll(fresh).length, 0);
  assertEquals(fs.listDir("/d1").filter((e) => e.isDirectory).map((e) => e.name), ["t-0"]);
  await m.close();
  const m2 = await open(fs);
  assertEquals(m2.get("t", 0)!.topicId, ID_B);
  assertEquals(m2.get("t", 0)!.logEndOffset, 0);
  await m2.close();
});
