import { assert, assertEquals } from "../../tests/support/storage_assert.ts";
import { makeBatch } from "../../tests/support/storage.ts";
import { topicRecords } from "../../tests/support/metadata_records.ts";
import { MetadataImage } from "../metadata/image.ts";
import type { MetadataRecord } from "../metadata/records.ts";
import { MemoryLogger } from "../storage/env.ts";
import { PARTITION_METADATA_FILE } from "../storage/partition_metadata.ts";
import { brokerConfig } from "./config.ts";
import { PartitionManager } from "./partitions.ts";

const ID_A = "AAAAAAAAAAAAAAAAAAAAAQ";
const ID_B = "q83vEjRWeJq83vEjRWeJqw";

function topic(name: string, topicId: string, partitions = 1): MetadataRecord[] {
  return topicRecords(name, topicId, partitions);
}

/** A PartitionManager over `dir` whose image the test moves along record by record. */
class Harness {
  image = MetadataImage.empty;
  readonly logger = new MemoryLogger();
  readonly pm: PartitionManager;

  constructor(dir: string, owns?: (topic: string, partition: number) => boolean) {
    const config = brokerConfig(new Map([["log.dirs", dir]]), "test");
    this.pm = new PartitionManager(config, this.logger, () => this.image, owns);
  }

  /** Commits records as the broker does: a new image, then onMetadata. */
  apply(records: MetadataRecord[]): void {
    const before = this.image;
    this.image = before.apply(records, before.offset + records.length);
    this.pm.onMetadata(records, before);
  }
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "runnel-partitions-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** A broker run: open, bring the image to `records` (one commit each), sync, `fn`, close. */
async function run(
  dir: string,
  commits: MetadataRecord[][],
  fn: (h: Harness) => void | Promise<void> = () => {},
  owns?: (topic: string, partition: number) => boolean,
): Promise<Harness> {
  const h = new Harness(dir, owns);
  await h.pm.open();
  try {
    for (const c of commits) h.apply(c);
    await h.pm.sync();
    await fn(h);
  } finally {
    await h.pm.close();
  }
  return h;
}

async function produce(h: Harness, t: string, count: number): Promise<void> {
  const log = await h.pm.partition(t, 0);
  assert(log !== undefined, `${t}-0 exists`);
  h.pm.append(log, makeBatch({ count }), 0);
  await log.flush();
}

const recordedId = async (dir: string, name: string) =>
  (await Deno.readTextFile(`${dir}/${name}/${PARTITION_METADATA_FILE}`)).match(
    /topic_id: (\S+)/,
  )?.[1];

Deno.test("PartitionManager: replaying delete and re-create of a name keeps the new topic's log", async () => {
  await withDir(async (dir) => {
    const history: MetadataRecord[][] = [
      topic("t", ID_A),
      [{ type: "removeTopic", topicId: ID_A }],
      topic("t", ID_B),
    ];
    // First run: the history happens live; the new topic gets 5 records.
    await run(dir, [], async (h) => {
      h.apply(history[0]);
      await produce(h, "t", 3);
      h.apply(history[1]);
      h.apply(history[2]);
      await produce(h, "t", 5);
      assertEquals(h.pm.existing("t", 0)?.logEndOffset, 5, "the old topic's records are gone");
    });
    assertEquals(await recordedId(dir, "t-0"), ID_B);
    // Restart: the same history is replayed (create A, remove A, create B).
    const h2 = await run(dir, history, (h) => {
      const log = h.pm.existing("t", 0);
      assertEquals(log?.topicId, ID_B);
      assertEquals(log?.logEndOffset, 5, "the new topic's records survive the restart");
    });
    assert(!h2.logger.lines.some((l) => l.includes("deleting log")), h2.logger.lines.join("\n"));
  });
});

Deno.test("PartitionManager: a log with the deleted topic's id goes when the image has the new one", async () => {
  await withDir(async (dir) => {
    await run(dir, [topic("t", ID_A), topic("u", ID_A.replace("Q", "g"))], async (h) => {
      await produce(h, "t", 4);
      await produce(h, "u", 2);
    });
    // Meanwhile t was deleted and re-created (as B): A's log must not become B's.
    const h = await run(
      dir,
      [topic("t", ID_B), topic("u", ID_A.replace("Q", "g"))],
      (h) => {
        assertEquals(h.pm.existing("t", 0)?.topicId, ID_B);
        assertEquals(h.pm.existing("t", 0)?.logEndOffset, 0, "B starts empty");
        assertEquals(h.pm.existing("u", 0)?.logEndOffset, 2, "u is untouched");
      },
    );
    assert(
      h.logger.lines.some((l) => l.includes("deleting log t-0") && l.includes(ID_A)),
      h.logger.lines.join("\n"),
    );
    assertEquals(await recordedId(dir, "t-0"), ID_B);
  });
});

Deno.test("PartitionManager: at runtime a re-created topic never sees the old log", async () => {
  await withDir(async (dir) => {
    await run(dir, [topic("t", ID_A)], async (h) => {
      await produce(h, "t", 3);
      const old = h.pm.existing("t", 0)!;
      // Delete and re-create in one go, before any reconciliation has run.
      h.apply([{ type: "removeTopic", topicId: ID_A }, ...topic("t", ID_B)]);
      assertEquals(h.pm.existing("t", 0), undefined, "the old log is not served as the new one");
      const fresh = await h.pm.partition("t", 0);
      assert(fresh !== undefined && fresh !== old);
      assertEquals(fresh.topicId, ID_B);
      assertEquals(fresh.logEndOffset, 0);
      assert(old.isOffline, "the old log is closed");
      // Deleted again, without re-creation: nothing is served, the log goes.
      h.apply([{ type: "removeTopic", topicId: ID_B }]);
      assertEquals(h.pm.existing("t", 0), undefined);
      assertEquals(await h.pm.partition("t", 0), undefined);
      await h.pm.sync();
      assertEquals(h.pm.logDirs()[0].logs.length, 0);
    });
  });
});

Deno.test("PartitionManager: a log without partition.metadata is kept and given its topic's id", async () => {
  await withDir(async (dir) => {
    await run(dir, [topic("t", ID_A), topic("gone", ID_B)], async (h) => {
      await produce(h, "t", 2);
      await produce(h, "gone", 1);
    });
    // As written before partition.metadata existed.
    await Deno.remove(`${dir}/t-0/${PARTITION_METADATA_FILE}`);
    await Deno.remove(`${dir}/gone-0/${PARTITION_METADATA_FILE}`);
    await run(dir, [topic("t", ID_A)], (h) => {
      assertEquals(h.pm.existing("t", 0)?.logEndOffset, 2, "kept");
      assertEquals(h.pm.existing("t", 0)?.topicId, ID_A, "adopted");
      assertEquals(h.pm.logDirs()[0].logs.length, 1, "gone-0 (no such topic) deleted");
    });
    assertEquals(await recordedId(dir, "t-0"), ID_A);
  });
});

Deno.test("PartitionManager: logs the owns filter rejects are neither deleted nor created", async () => {
  await withDir(async (dir) => {
    await run(dir, [topic("t", ID_A, 2)], async (h) => {
      await produce(h, "t", 1);
    });
    const owns = (_t: string, p: number) => p === 1;
    await run(dir, [topic("t", ID_B, 2)], async (h) => {
      assertEquals(h.pm.logDirs()[0].logs.map((l) => [l.partition, l.topicId]), [[1, ID_B]]);
      assertEquals(await h.pm.partition("t", 0), undefined, "not ours");
    }, owns);
    assertEquals(await recordedId(dir, "t-0"), ID_A, "t-0 is left to its owner");
    assertEquals(await recordedId(dir, "t-1"), ID_B);
  });
});

Deno.test("PartitionManager: while deletes are held, a partial image deletes nothing; released, it reconciles", async () => {
  await withDir(async (dir) => {
    // t was deleted and re-created as B; B has 5 acknowledged records on disk.
    await run(dir, [topic("t", ID_B)], (h) => produce(h, "t", 5));
    // Restart of a node whose local metadata log is behind: it replays only "t is A" (or nothing).
    const h = new Harness(dir);
    h.pm.holdDeletes();
    await h.pm.open();
    try {
      h.apply(topic("t", ID_A));
      await h.pm.sync();
      assertEquals(h.pm.existing("t", 0), undefined, "B's log is not served as A's");
      assertEquals(await h.pm.partition("t", 0), undefined, "nor replaced by a new A log");
      assertEquals(await recordedId(dir, "t-0"), ID_B, "B's data is still there");
      // Caught up: the image now has B; releasing keeps B's log.
      h.apply([{ type: "removeTopic", topicId: ID_A }]);
      h.apply(topic("t", ID_B));
      await h.pm.releaseDeletes();
      assertEquals(h.pm.existing("t", 0)?.logEndOffset, 5);
      assert(!h.logger.lines.some((l) => l.includes("deleting log")), h.logger.lines.join("\n"));
      // Without the hold, an image lacking t deletes it.
      h.apply([{ type: "removeTopic", topicId: ID_B }]);
      await h.pm.sync();
      assert(h.logger.lines.some((l) => l.includes("deleting log t-0")), h.logger.lines.join("\n"));
    } finally {
      await h.pm.close();
    }
  });
});
