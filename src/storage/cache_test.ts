import { assert, assertEquals } from "../../tests/support/storage_assert.ts";
import { RecentCache } from "./cache.ts";

const bytes = (n: number, fill: number) => new Uint8Array(n).fill(fill);

Deno.test("recent cache: one budget, oldest evicted first across partitions", () => {
  const cache = new RecentCache(1000);
  const a = cache.partition();
  const b = cache.partition();
  a.add(0, 0, bytes(300, 1));
  b.add(0, 0, bytes(300, 2));
  a.add(1, 1, bytes(300, 3));
  b.add(1, 1, bytes(300, 4)); // evicts a@0
  assertEquals(cache.bytes, 900);
  assertEquals(a.firstOffset, 1);
  assertEquals(b.firstOffset, 0);
  assertEquals(a.read(0, 1000, 10, true), null, "evicted");
  assertEquals(a.read(1, 1000, 10, true)?.chunks, [bytes(300, 3)]);
});

Deno.test("recent cache: reads follow maxBytes, minOneBatch and the upper offset", () => {
  const cache = new RecentCache(10_000);
  const p = cache.partition();
  for (let i = 0; i < 5; i++) p.add(i * 2, i * 2 + 1, bytes(100, i));
  const r = p.read(3, 250, 100, true)!;
  assertEquals(r.firstOffset, 2);
  assertEquals(r.chunks.map((c) => c.length), [100, 100, 50], "last batch cut at maxBytes");
  assertEquals(p.read(3, 10, 100, true)!.sizeBytes, 100, "first batch whole");
  assertEquals(p.read(3, 10, 100, false)!.sizeBytes, 10);
  assertEquals(p.read(0, 1000, 5, true)!.chunks.length, 2, "stops before the batch reaching 5");
  p.dropFrom(6);
  assertEquals(p.read(4, 1000, 100, true)!.chunks.length, 1);
  p.dropBelow(4);
  assertEquals(p.firstOffset, 4);
  // A gap restarts the cache rather than serving a hole.
  p.add(20, 20, bytes(10, 9));
  assertEquals(p.firstOffset, 20);
  assert(cache.bytes === 10, `bytes ${cache.bytes}`);
});

Deno.test("recent cache: oversized batches are not cached and leave no hole", () => {
  const cache = new RecentCache(1000);
  const p = cache.partition();
  p.add(0, 0, bytes(100, 1));
  p.add(1, 1, bytes(5000, 2));
  assertEquals(p.size, 0);
  assertEquals(p.read(0, 100, 10, true), null);
  p.add(2, 2, bytes(100, 3));
  assertEquals(p.read(2, 100, 10, true)?.sizeBytes, 100);
});
