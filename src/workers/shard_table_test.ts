import { workerThreadsMax } from "../base/limits.ts";
import { randomUuid } from "../protocol/uuid.ts";
import { ConfigError } from "../server/config.ts";
import { decode, encode, Kind, type ShardTableUpdate } from "./contract.ts";
import { ShardTable, topicHash, workerCounts } from "./shard_table.ts";
import { assert, assertEquals } from "../../tests/support/records_assert.ts";

function throwsA(fn: () => unknown, type: abstract new (...args: never[]) => Error): void {
  try {
    fn();
  } catch (e) {
    assert(e instanceof type, `expected ${type.name}, got ${e}`);
    return;
  }
  throw new Error(`expected ${type.name}, nothing thrown`);
}

const topics = Array.from({ length: 40 }, () => ({
  id: randomUuid(),
  partitions: 1 + Math.floor(Math.random() * 50),
}));

Deno.test("shard table: every partition has exactly one owner, in range", () => {
  for (let shards = 1; shards <= 9; shards++) {
    const table = new ShardTable(shards);
    for (const t of topics) {
      for (let p = 0; p < t.partitions; p++) {
        const owners = [];
        for (let s = 0; s < shards; s++) if (table.owns(s, t.id, p)) owners.push(s);
        assertEquals(owners.length, 1, `${t.id}-${p} with ${shards} shards: owners ${owners}`);
        assertEquals(owners[0], table.shardOf(t.id, p));
      }
    }
  }
});

Deno.test("shard table: a topic's partitions spread evenly over the shards", () => {
  for (const shards of [2, 3, 5, 8]) {
    const table = new ShardTable(shards);
    for (const t of topics) {
      const per = new Array(shards).fill(0);
      for (let p = 0; p < t.partitions; p++) per[table.shardOf(t.id, p)]++;
      assert(Math.max(...per) - Math.min(...per) <= 1, `${t.partitions} over ${shards}: ${per}`);
    }
  }
});

Deno.test("shard table: the mapping is pinned and the same in every worker", () => {
  // Fixed values: a change to the hash moves partitions between shards and
  // must be deliberate (every worker, and every node's build, must agree).
  assertEquals(topicHash(""), 0x811c9dc5);
  assertEquals(topicHash("a"), 0xe40c292c); // the published FNV-1a test vector
  assertEquals(topicHash("AAAAAAAAAAAAAAAAAAAAAQ"), 76249195);
  const pinned = new ShardTable(4);
  assertEquals(
    [0, 1, 2, 3, 4, 5].map((p) => pinned.shardOf("AAAAAAAAAAAAAAAAAAAAAQ", p)),
    [3, 0, 1, 2, 3, 0],
  );
  // Each worker builds its table from the update it was sent: the same owners everywhere.
  const moved = new ShardTable(6).withOverride(topics[0].id, 0, 5).withOverride(topics[1].id, 3, 0);
  const update = decode(encode(moved.toUpdate(1))) as ShardTableUpdate;
  assertEquals(update.kind, Kind.ShardTableUpdate);
  const copies = [0, 1, 2].map(() => ShardTable.fromUpdate(update));
  for (const t of topics) {
    for (let p = 0; p < t.partitions; p++) {
      const owner = moved.shardOf(t.id, p);
      for (const c of copies) assertEquals(c.shardOf(t.id, p), owner, `${t.id}-${p}`);
      assertEquals(new ShardTable(6).shardOf(t.id, p), new ShardTable(6).shardOf(t.id, p));
    }
  }
  assertEquals(copies[0].version, 2);
  assertEquals(copies[0].shardOf(topics[0].id, 0), 5);
  assertEquals(copies[0].shardOf(topics[1].id, 3), 0);
});

Deno.test("shard table: overrides must name a shard that exists", () => {
  throwsA(() => new ShardTable(2).withOverride(topics[0].id, 0, 2), RangeError);
  throwsA(() => new ShardTable(0), RangeError);
  throwsA(() => new ShardTable(workerThreadsMax + 1), RangeError);
  assertEquals(new ShardTable(1).shardOf(topics[0].id, 7), 0);
});

Deno.test("worker counts: from the cores by default, configurable, single-thread mode", () => {
  const none = new Map<string, string>();
  const byCores = [1, 2, 3, 4, 8, 16, 1000].map((c) => workerCounts(none, c));
  assertEquals(byCores.map((w) => [w.reactors, w.shards]), [
    [1, 1],
    [1, 1],
    [1, 2],
    [1, 3],
    [3, 5],
    [5, 11],
    [21, 43],
  ]);
  assert(byCores.every((w) => w.mode === "workers"), "workers by default");
  assertEquals(
    workerCounts(new Map([["num.network.threads", "2"], ["num.shard.threads", "6"]]), 2),
    { mode: "workers", reactors: 2, shards: 6 },
  );
  assertEquals(workerCounts(new Map([["num.network.threads", "3"]]), 8), {
    mode: "workers",
    reactors: 3,
    shards: 5,
  });
  assertEquals(workerCounts(new Map([["single.thread", "true"]]), 16), {
    mode: "single",
    reactors: 1,
    shards: 1,
  });
  assertEquals(workerCounts(new Map([["num.network.threads", "0"]]), 8), {
    mode: "workers",
    reactors: 0,
    shards: 7,
  });
  const d = workerCounts(none);
  assert(d.reactors >= 0 && d.shards >= 1, "defaults from navigator.hardwareConcurrency");
  for (
    const bad of [
      [["num.shard.threads", "0"]],
      [["num.shard.threads", "x"]],
      [["num.shard.threads", String(workerThreadsMax + 1)]],
      [["single.thread", "yes"]],
      [["single.thread", "true"], ["num.shard.threads", "2"]],
    ]
  ) {
    throwsA(() => workerCounts(new Map(bad as [string, string][]), 4), ConfigError);
  }
});
