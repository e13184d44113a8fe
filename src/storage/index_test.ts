import { assert, assertEquals } from "../../tests/support/storage_assert.ts";
import { OffsetIndex } from "./offset_index.ts";
import { TimeIndex } from "./time_index.ts";

Deno.test("offset index: lookup finds the largest entry at or below the target", () => {
  const oi = new OffsetIndex(100, 1000);
  for (let i = 0; i < 200; i++) oi.append(100 + i * 10, i * 4096 + 1);
  assertEquals(oi.lookup(99), { offset: 100, position: 0 }, "below every entry: segment start");
  assertEquals(oi.lookup(100), { offset: 100, position: 1 });
  assertEquals(oi.lookup(155), { offset: 150, position: 5 * 4096 + 1 });
  assertEquals(oi.lookup(10_000), { offset: 2090, position: 199 * 4096 + 1 });
  oi.truncateTo(150);
  assertEquals(oi.last(), { offset: 140, position: 4 * 4096 + 1 });
  oi.truncateToPosition(3 * 4096 + 1);
  assertEquals(oi.count, 3);
});

Deno.test("offset index: encode/decode round trip; decode keeps the sane prefix", () => {
  const oi = new OffsetIndex(5, 100);
  for (let i = 0; i < 10; i++) oi.append(5 + i * 3, 100 * i + 50);
  const bytes = oi.encode(0);
  const back = OffsetIndex.decode(5, 100, bytes, 10_000);
  assert(back.sane);
  assertEquals(back.index.encode(0), bytes);
  // Zeroed tail (a file extended without its data): entries after the damage go.
  const torn = new Uint8Array(bytes.length + 16);
  torn.set(bytes);
  const t = OffsetIndex.decode(5, 100, torn, 10_000);
  assert(!t.sane);
  assertEquals(t.index.count, 10);
  // Positions past the log end are not trusted.
  const short = OffsetIndex.decode(5, 100, bytes, 460);
  assertEquals(short.index.count, 5);
  assert(!short.sane);
});

Deno.test("time index: only increasing timestamps; scan start is the last older entry", () => {
  const ti = new TimeIndex(0, 100);
  assert(ti.maybeAppend(1000, 0));
  assert(!ti.maybeAppend(1000, 5), "equal timestamps are not indexed");
  assert(ti.maybeAppend(2000, 10));
  assert(ti.maybeAppend(3000, 20));
  assertEquals(ti.scanStartFor(500), 0);
  assertEquals(ti.scanStartFor(1000), 0, "entry 1000 is not older than 1000");
  assertEquals(ti.scanStartFor(2500), 10);
  assertEquals(ti.scanStartFor(9999), 20);
  const back = TimeIndex.decode(0, 100, ti.encode(0), 100);
  assert(back.sane);
  assertEquals(back.index.last(), { timestamp: 3000, offset: 20 });
  ti.truncateTo(10);
  assertEquals(ti.last(), { timestamp: 1000, offset: 0 });
});
