import { assert, assertEquals, assertThrows } from "../../tests/support/storage_assert.ts";
import { FsError, writeFileAtomic } from "./fs.ts";
import { MemFs } from "./fs_memory.ts";

const enc = new TextEncoder();
const high = () => 0.999999; // with keepPendingProbability 1: keep every pending write
const drop = () => 0; // keep nothing unsynced

Deno.test("MemFs: synced data and committed names survive a crash; unsynced ones may not", async () => {
  const fs = new MemFs();
  fs.mkdirp("/d");
  await fs.syncDir("/");
  const f = fs.open("/d/a", { create: true });
  f.append(enc.encode("hello "));
  await f.sync();
  await fs.syncDir("/d");
  f.append(enc.encode("world"));
  const kept = fs.crash({
    random: high,
    keepPendingProbability: 1,
    tearProbability: 0,
    flipProbability: 0,
  });
  assertEquals(new TextDecoder().decode(kept.readFile("/d/a")), "hello world");

  const fs2 = new MemFs();
  fs2.mkdirp("/d");
  await fs2.syncDir("/");
  const g = fs2.open("/d/a", { create: true });
  g.append(enc.encode("hello "));
  await g.sync();
  await fs2.syncDir("/d");
  g.append(enc.encode("world"));
  fs2.open("/d/unsynced-name", { create: true });
  const lost = fs2.crash({ random: drop });
  assertEquals(new TextDecoder().decode(lost.readFile("/d/a")), "hello ");
  assert(!lost.exists("/d/unsynced-name"), "an uncommitted create is lost");
});

Deno.test("MemFs: a sync covers only writes issued before it", async () => {
  const fs = new MemFs();
  fs.mkdirp("/d");
  await fs.syncDir("/");
  const f = fs.open("/d/a", { create: true });
  await fs.syncDir("/d");
  f.append(enc.encode("one"));
  const s = f.sync();
  f.append(enc.encode("two"));
  await s;
  const after = fs.crash({ random: drop });
  assertEquals(new TextDecoder().decode(after.readFile("/d/a")), "one");
});

Deno.test("MemFs: torn last write and flipped bits stay in the unsynced tail", async () => {
  for (let seed = 1; seed < 200; seed++) {
    const fs = new MemFs();
    fs.mkdirp("/d");
    await fs.syncDir("/");
    const f = fs.open("/d/a", { create: true });
    await fs.syncDir("/d");
    const synced = new Uint8Array(100).fill(7);
    f.append(synced);
    await f.sync();
    f.append(new Uint8Array(50).fill(9));
    f.append(new Uint8Array(50).fill(9));
    let s = seed;
    const random = () => ((s = (s * 16807) % 2147483647) / 2147483647);
    const bytes = fs.crash({ random, keepPendingProbability: 1, flipProbability: 1 }).readFile(
      "/d/a",
    );
    assert(bytes.length >= 100 && bytes.length <= 200, `length ${bytes.length}`);
    assertEquals(bytes.subarray(0, 100), synced, `seed ${seed}: synced prefix intact`);
  }
});

Deno.test("MemFs: renames are journaled in order; writeFileAtomic gives old or new", async () => {
  for (let cut = 0; cut < 20; cut++) {
    const fs = new MemFs();
    fs.mkdirp("/d");
    await fs.syncDir("/");
    await writeFileAtomic(fs, "/d", "cp", enc.encode("old"));
    fs.writeFile("/d/cp.tmp", enc.encode("new"));
    const sync = fs.syncFile("/d/cp.tmp");
    await sync;
    fs.rename("/d/cp.tmp", "/d/cp");
    const after = fs.crash({ random: () => cut / 20 });
    const text = new TextDecoder().decode(after.readFile("/d/cp"));
    assert(text === "old" || text === "new", `got ${text}`);
  }
});

Deno.test("MemFs: failPath makes every operation below it fail with EIO", async () => {
  const fs = new MemFs();
  fs.mkdirp("/ok");
  fs.mkdirp("/bad");
  const f = fs.open("/bad/a", { create: true });
  fs.failPath("/bad");
  assertThrows(() => f.append(enc.encode("x")), FsError, "EIO");
  assertThrows(() => fs.open("/bad/b", { create: true }), FsError);
  let failed = false;
  await f.sync().catch((e) => (failed = e instanceof FsError && e.code === "io"));
  assert(failed, "sync fails");
  fs.open("/ok/a", { create: true }).append(enc.encode("fine"));
  assertThrows(() => fs.crash({ random: drop }).readFile("/ok/a"), FsError, "no such file");
});
