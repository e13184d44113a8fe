import { topicRecords } from "../../tests/support/metadata_records.ts";
import { assert, assertEquals } from "../../tests/support/storage_assert.ts";
import { makeBatch, splitStored } from "../../tests/support/storage.ts";
import { MetadataImage } from "../metadata/image.ts";
import type { MetadataRecord } from "../metadata/records.ts";
import { ErrorCode } from "../protocol/errors.ts";
import { concat } from "../protocol/messages.ts";
import { MemoryLogger } from "../storage/env.ts";
import { brokerConfig } from "./config.ts";
import { ReadUpper } from "./data_path.ts";
import { LocalDataPath } from "./local_data_path.ts";
import { ShardCore } from "./shard_core.ts";

const EPOCH = 3;

function topic(name: string, partitions: number, topicId = `id-${name}`): MetadataRecord[] {
  return topicRecords(name, topicId, partitions, { leaderEpoch: EPOCH });
}

function image(records: MetadataRecord[]): MetadataImage {
  return MetadataImage.empty.apply(records, records.length - 1);
}

async function withCore(
  records: MetadataRecord[],
  fn: (core: ShardCore, dir: string) => Promise<void>,
  opts: {
    dir?: string;
    owns?: (topic: string, partition: number) => boolean;
    owner?: { tag: string; liveTags: readonly string[] };
  } = {},
): Promise<void> {
  const dir = opts.dir ?? await Deno.makeTempDir({ prefix: "runnel-shard-core-" });
  const config = brokerConfig(new Map([["log.dirs", dir]]), "test");
  const img = image(records);
  const core = new ShardCore(config, new MemoryLogger(), () => img, opts.owns, opts.owner);
  await core.open();
  try {
    await fn(core, dir);
  } finally {
    await core.close();
    if (opts.dir === undefined) await Deno.remove(dir, { recursive: true });
  }
}

const ref = (t: string, partition: number) => ({ topic: t, topicId: `id-${t}`, partition });

function readEntry(t: string, partition: number, fetchOffset: number, currentLeaderEpoch = -1) {
  return {
    ...ref(t, partition),
    fetchOffset,
    upperOffset: ReadUpper.HighWatermark,
    partitionMaxBytes: 1 << 20,
    currentLeaderEpoch,
  };
}

Deno.test("ShardCore: appends in order with the image's leader epoch, reads them back", async () => {
  await withCore(topic("t", 2), async (core) => {
    await core.sync();
    const out = await core.append([
      { ...ref("t", 0), records: makeBatch({ count: 3 }) },
      { ...ref("t", 1), records: makeBatch({ count: 1 }) },
      { ...ref("t", 0), records: makeBatch({ count: 2 }) },
      { ...ref("t", 7), records: makeBatch({ count: 1 }) },
      { ...ref("nope", 0), records: makeBatch({ count: 1 }) },
    ]);
    assertEquals(out.map((o) => [o.errorCode, o.baseOffset]), [
      [ErrorCode.NONE, 0],
      [ErrorCode.NONE, 0],
      [ErrorCode.NONE, 3],
      [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1],
      [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1],
    ]);
    const [r0, r1, oor, fenced, newer, unknown] = await core.read(1 << 20, true, [
      readEntry("t", 0, 0),
      readEntry("t", 1, 0, EPOCH),
      readEntry("t", 1, 5),
      readEntry("t", 0, 0, EPOCH - 1),
      readEntry("t", 0, 0, EPOCH + 1),
      readEntry("t", 9, 0),
    ]);
    assertEquals([r0.errorCode, r0.highWatermark, r0.logStartOffset], [ErrorCode.NONE, 5, 0]);
    const stored = splitStored(concat(r0.records));
    assertEquals(stored.map((b) => [b.baseOffset, b.lastOffset]), [[0, 2], [3, 4]]);
    assertEquals(r0.sizeBytes, concat(r0.records).length);
    assertEquals([r1.errorCode, r1.highWatermark], [ErrorCode.NONE, 1]);
    assertEquals([oor.errorCode, oor.highWatermark, oor.sizeBytes], [
      ErrorCode.OFFSET_OUT_OF_RANGE,
      1,
      0,
    ]);
    assertEquals(fenced.errorCode, ErrorCode.FENCED_LEADER_EPOCH);
    assertEquals(newer.errorCode, ErrorCode.UNKNOWN_LEADER_EPOCH);
    assertEquals(unknown.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const epochs = await core.offsetForLeaderEpoch([
      { ...ref("t", 0), currentLeaderEpoch: -1, leaderEpoch: EPOCH },
      { ...ref("t", 0), currentLeaderEpoch: -1, leaderEpoch: EPOCH + 1 },
    ]);
    assertEquals(epochs, [
      { errorCode: ErrorCode.NONE, leaderEpoch: EPOCH, endOffset: 5 },
      { errorCode: ErrorCode.NONE, leaderEpoch: -1, endOffset: -1 },
    ]);
  });
});

Deno.test("ShardCore: the byte budget spans entries; the first with data may exceed it", async () => {
  await withCore(topic("t", 2), async (core) => {
    await core.append([
      { ...ref("t", 0), records: makeBatch({ count: 1, valueBytes: 200 }) },
      { ...ref("t", 1), records: makeBatch({ count: 1, valueBytes: 200 }) },
    ]);
    const [a, b] = await core.read(10, true, [readEntry("t", 0, 0), readEntry("t", 1, 0)]);
    assert(a.sizeBytes > 200, "the first batch is returned whole");
    assertEquals(b.sizeBytes, 0);
    // Without minOneBatch the budget holds (the batch is cut short, as Kafka does).
    const [c] = await core.read(10, false, [readEntry("t", 0, 0)]);
    assert(c.sizeBytes <= 10, `${c.sizeBytes} bytes`);
  });
});

Deno.test("ShardCore: an append that creates its log is ordered before later reads", async () => {
  await withCore(topic("t", 1), async (core) => {
    // No sync: the log does not exist yet, so the append waits for its creation.
    const appended = core.append([{ ...ref("t", 0), records: makeBatch({ count: 2 }) }]);
    const read = core.read(1 << 20, true, [readEntry("t", 0, 0)]);
    const again = core.append([{ ...ref("t", 0), records: makeBatch({ count: 1 }) }]);
    assertEquals((await appended).map((o) => o.baseOffset), [0]);
    assertEquals((await read)[0].highWatermark, 2);
    assertEquals((await again).map((o) => o.baseOffset), [2]);
  });
});

Deno.test("ShardCore: a flush.messages=1 topic resolves after the fsync", async () => {
  const records: MetadataRecord[] = [
    ...topic("d", 1),
    {
      type: "config",
      resourceType: "topic",
      resourceName: "d",
      name: "flush.messages",
      value: "1",
    },
  ];
  await withCore(records, async (core) => {
    await core.sync();
    const [o] = await core.append([{ ...ref("d", 0), records: makeBatch({ count: 4 }) }]);
    assertEquals([o.errorCode, o.baseOffset], [ErrorCode.NONE, 0]);
    const log = core.partitions.existing("d", 0)!;
    assertEquals(log.flushedOffset, 4);
  });
});

Deno.test("ShardCore: watch fires on an append, times out, and cancels", async () => {
  await withCore(topic("t", 2), async (core) => {
    await core.sync();
    const w = { ...ref("t", 1), offset: 0 };
    const fired = core.watch([{ ...ref("t", 0), offset: 0 }, w], 5_000);
    await core.append([{ ...ref("t", 1), records: makeBatch({ count: 1 }) }]);
    assertEquals(await fired, true);
    // Already past the offset: at once.
    assertEquals(await core.watch([w], 5_000), true);
    const start = Date.now();
    assertEquals(await core.watch([{ ...w, offset: 1 }], 30), false);
    assert(Date.now() - start >= 25, "waited for the timeout");
    const abort = new AbortController();
    const cancelled = core.watch([{ ...w, offset: 1 }], 5_000, abort.signal);
    setTimeout(() => abort.abort(), 10);
    assertEquals(await cancelled, false);
    // The cancelled watcher is gone: a later append wakes nothing stale (and does not throw).
    await core.append([{ ...ref("t", 1), records: makeBatch({ count: 1 }) }]);
    // Through the LocalDataPath too.
    const data = new LocalDataPath(core);
    const viaPath = data.watch([{ ...w, offset: 2 }], 5_000);
    const call = data.append(1, 1000, [{ ...ref("t", 1), records: makeBatch({ count: 1 }) }]);
    await call.accepted;
    assertEquals((await call.outcomes)[0].baseOffset, 2);
    assertEquals(await viaPath, true);
  });
});

Deno.test("ShardCore: listOffsets and deleteRecords", async () => {
  await withCore(topic("t", 1), async (core) => {
    await core.append([
      { ...ref("t", 0), records: makeBatch({ count: 3, timestamp: 1000 }) },
      { ...ref("t", 0), records: makeBatch({ count: 3, timestamp: 5000 }) },
    ]);
    const q = (timestamp: number, currentLeaderEpoch = -1) => ({
      ...ref("t", 0),
      currentLeaderEpoch,
      timestamp,
    });
    const offsets = await core.listOffsets(0, [
      q(-2),
      q(-1),
      q(-3),
      q(5001),
      q(99_999),
      q(-1, EPOCH - 1),
      { ...q(-1), topic: "bad/name" },
    ]);
    assertEquals(offsets.map((o) => [o.errorCode, o.offset, o.timestamp]), [
      [ErrorCode.NONE, 0, -1],
      [ErrorCode.NONE, 6, -1],
      [ErrorCode.NONE, 5, 5002],
      [ErrorCode.NONE, 4, 5001],
      [ErrorCode.NONE, -1, -1],
      [ErrorCode.FENCED_LEADER_EPOCH, -1, -1],
      [ErrorCode.INVALID_TOPIC_EXCEPTION, -1, -1],
    ]);
    assertEquals(offsets[0].leaderEpoch, EPOCH);
    const deleted = await core.deleteRecords([
      { ...ref("t", 0), offset: 2 },
      { ...ref("t", 0), offset: 7 },
      { ...ref("t", 3), offset: 1 },
    ]);
    assertEquals(deleted, [
      { errorCode: ErrorCode.NONE, lowWatermark: 2 },
      { errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, lowWatermark: -1 },
      { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, lowWatermark: -1 },
    ]);
    assertEquals((await core.listOffsets(0, [q(-2)]))[0].offset, 2);
    const [all] = await core.deleteRecords([{ ...ref("t", 0), offset: -1 }]);
    assertEquals(all.lowWatermark, 6);
    const [r] = await core.read(1 << 20, true, [readEntry("t", 0, 1)]);
    assertEquals([r.errorCode, r.logStartOffset], [ErrorCode.OFFSET_OUT_OF_RANGE, 6]);
    const dirs = core.logDirs();
    assertEquals(dirs.length, 1);
    assertEquals(dirs[0].logs.map((l) => [l.topic, l.partition, l.logStartOffset]), [["t", 0, 6]]);
  });
});

async function existsFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}

Deno.test("ShardCore: a core neither opens nor deletes the logs it does not own", async () => {
  const dir = await Deno.makeTempDir({ prefix: "runnel-shard-core-" });
  const exists = async (name: string) => {
    try {
      return (await Deno.stat(`${dir}/${name}`)).isDirectory;
    } catch {
      return false;
    }
  };
  try {
    // Everything created by a core owning all of it.
    await withCore([...topic("t", 2), ...topic("gone", 1)], async (core) => {
      await core.sync();
      assertEquals(core.logDirs()[0].logs.length, 3);
    }, { dir });
    // "gone" was deleted meanwhile; this core owns only t-0.
    const owns = (t: string, p: number) => t === "t" && p === 0;
    await withCore(topic("t", 2), async (core) => {
      await core.sync();
      assertEquals(core.logDirs()[0].logs.map((l) => `${l.topic}-${l.partition}`), ["t-0"]);
      assert(await exists("t-1"), "t-1 is left alone");
      assert(await exists("gone-0"), "gone-0 is not ours to delete");
      const [o] = await core.append([{ ...ref("t", 1), records: makeBatch({ count: 1 }) }]);
      assertEquals(o.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    }, { dir, owns, owner: { tag: "a", liveTags: ["", "a", "b"] } });
    // Each owner writes its own checkpoint files; the first owner's are left as they were.
    const mine = await Deno.readTextFile(`${dir}/replication-offset-checkpoint.a`);
    assert(mine.includes("t 0 ") && !mine.includes("t 1 "), `only t-0 in ${mine}`);
    const first = await Deno.readTextFile(`${dir}/replication-offset-checkpoint`);
    for (const line of ["t 0 ", "t 1 ", "gone 0 "]) {
      assert(first.includes(line), `${line}in ${first}`);
    }
    assert(await existsFile(`${dir}/.kafka_cleanshutdown.a`), "owner a's clean-shutdown marker");
    // The owner of "gone" removes it.
    await withCore(topic("t", 2), async (core) => {
      await core.sync();
      assertEquals(core.logDirs()[0].logs.length, 0);
    }, { dir, owns: (t) => t === "gone", owner: { tag: "b", liveTags: ["b"] } });
    assert(
      !(await existsFile(`${dir}/.kafka_cleanshutdown.a`)) &&
        !(await existsFile(`${dir}/.kafka_cleanshutdown`)),
      "markers of owners not live in this run are removed at start (stale)",
    );
    assert(!(await exists("gone-0")), "its owner deleted gone-0");
    assert(await exists("t-0") && await exists("t-1"), "t's logs are not its business");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
