import { AssertionError } from "../base/assert.ts";
import {
  createRing,
  maxMessageBytesFor,
  recordBytes,
  RING_HEADER_BYTES,
  RingClosedError,
  RingReader,
  RingWriter,
} from "./ring.ts";
import { assert, assertEquals } from "../../tests/support/records_assert.ts";
import { Rng, seedFromEnv } from "../../tests/support/rng.ts";

function pair(capacity: number): { w: RingWriter; r: RingReader; sab: SharedArrayBuffer } {
  const sab = createRing(capacity);
  return { w: new RingWriter(sab), r: new RingReader(sab), sab };
}

function throwsA(fn: () => unknown, type: abstract new (...args: never[]) => Error): void {
  try {
    fn();
  } catch (e) {
    assert(e instanceof type, `expected ${type.name}, got ${e}`);
    return;
  }
  throw new Error(`expected ${type.name}, nothing thrown`);
}

/**
 * The layout rule, written independently of the ring: a record takes 4 + size
 * rounded up to 4 bytes, never wraps, and a record that does not fit before
 * the end costs the rest of the ring as well.
 */
class Model {
  head = 0;
  tail = 0;
  readonly queue: Uint8Array[] = [];
  constructor(readonly capacity: number) {}
  need(size: number): number {
    const rec = 4 + Math.ceil(size / 4) * 4;
    const left = this.capacity - (this.tail % this.capacity);
    return rec <= left ? rec : left + rec;
  }
  fits(size: number): boolean {
    return this.capacity - (this.tail - this.head) >= this.need(size);
  }
  write(m: Uint8Array): void {
    this.tail += this.need(m.length);
    this.queue.push(m);
  }
  read(): Uint8Array | undefined {
    const m = this.queue.shift();
    if (m === undefined) return undefined;
    const at = this.head % this.capacity;
    const rec = 4 + Math.ceil(m.length / 4) * 4;
    this.head += rec <= this.capacity - at ? rec : this.capacity - at + rec;
    return m;
  }
}

Deno.test("ring: random sizes through one thread match the layout model exactly", () => {
  const seed = seedFromEnv("RING_SEED");
  const rng = new Rng(seed);
  for (const capacity of [4096, 8192, 65536]) {
    const { w, r } = pair(capacity);
    const model = new Model(capacity);
    const max = w.maxMessageBytes;
    let wrote = 0;
    let refused = 0;
    let wraps = 0;
    let counter = 0;
    for (let step = 0; step < 20_000; step++) {
      if (rng.next() < 0.55) {
        const pick = rng.int(10);
        const size = pick === 0
          ? 0
          : pick === 1
          ? max
          : pick === 2
          ? rng.int(4)
          : pick === 3
          ? max - rng.int(8)
          : rng.int(pick < 7 ? 64 : max + 1);
        const m = rng.bytes(size);
        if (size >= 4) new DataView(m.buffer).setUint32(0, counter++);
        const expected = model.fits(size);
        if (expected && model.need(size) !== recordBytes(size)) wraps++;
        const ok = w.tryWrite(m);
        assertEquals(ok, expected, `seed ${seed} step ${step}: tryWrite(${size})`);
        if (ok) {
          model.write(m);
          wrote++;
        } else refused++;
      } else {
        const how = rng.int(3);
        const want = model.read();
        let got: Uint8Array | null;
        if (how === 0) got = r.tryRead();
        else if (how === 1) {
          got = r.peek();
          if (got !== null) {
            got = got.slice();
            r.consume();
          }
        } else {
          got = null;
          const n = r.drain((m) => (got = m.slice()), 1);
          assertEquals(n, want === undefined ? 0 : 1, `seed ${seed} step ${step}: drain count`);
        }
        assertEquals(got, want ?? null, `seed ${seed} step ${step}: read`);
      }
      assertEquals(w.usedBytes, model.tail - model.head, `seed ${seed} step ${step}: used bytes`);
      assert(w.usedBytes <= capacity, "never more than the capacity in use");
    }
    // Everything written comes out, in order: nothing was dropped.
    for (let m = model.read(); m !== undefined; m = model.read()) {
      assertEquals(r.tryRead(), m, `seed ${seed}: trailing read`);
    }
    assertEquals(r.tryRead(), null);
    assertEquals(w.usedBytes, 0);
    assert(
      wrote > 1000 && refused > 100 && wraps > 50,
      `seed ${seed}: ${wrote}/${refused}/${wraps}`,
    );
  }
});

Deno.test("ring: fills exactly to capacity, refuses one byte more, frees on read", () => {
  const { w, r } = pair(4096);
  const payload = 512 - 4;
  for (let i = 0; i < 8; i++) assert(w.tryWrite(new Uint8Array(payload).fill(i)), `write ${i}`);
  assertEquals(w.usedBytes, 4096);
  assertEquals(w.tryWrite(new Uint8Array(0)), false, "a zero-length message needs 4 bytes");
  assertEquals(r.tryRead(), new Uint8Array(payload).fill(0));
  assertEquals(
    w.tryWrite(new Uint8Array(payload + 1)),
    false,
    "513 bytes of record do not fit 512",
  );
  assert(w.tryWrite(new Uint8Array(payload).fill(8)), "the freed 512 bytes take one record again");
  assertEquals(w.usedBytes, 4096);
  for (let i = 1; i <= 8; i++) assertEquals(r.tryRead(), new Uint8Array(payload).fill(i));
  assertEquals(r.tryRead(), null);
});

Deno.test("ring: zero-length messages are messages", () => {
  const { w, r } = pair(4096);
  for (let i = 0; i < 1024; i++) assert(w.tryWrite(new Uint8Array(0)), `write ${i}`);
  assertEquals(w.tryWrite(new Uint8Array(0)), false);
  let n = 0;
  assertEquals(r.drain((m) => (n += m.length === 0 ? 1 : 1000)), 1024);
  assertEquals(n, 1024);
  assertEquals(r.peek(), null);
});

Deno.test("ring: a message that does not fit before the end wraps whole, never split", () => {
  const { w, r } = pair(4096);
  for (let i = 0; i < 2; i++) {
    assert(w.tryWrite(new Uint8Array(2000)), `filler ${i}`);
    assertEquals(r.tryRead()?.length, 2000);
  }
  // 88 bytes are left before the end; a 1200-byte record goes to position 0.
  const m = Uint8Array.from({ length: 1200 }, (_, i) => i & 255);
  assert(w.tryWrite(m), "wrapping write");
  assertEquals(w.usedBytes, 88 + 1204);
  const view = r.peek();
  assert(view !== null, "readable");
  assertEquals(view.byteOffset, RING_HEADER_BYTES + 4, "the message starts at the ring's start");
  assertEquals(view, m);
  r.consume();
  assertEquals(w.usedBytes, 0);
});

Deno.test("ring: the largest message fits an empty ring at every position", () => {
  const capacity = 4096;
  const max = maxMessageBytesFor(capacity);
  for (let at = 0; at < capacity; at += 4) {
    const { w, r } = pair(capacity);
    // Move the (empty) ring's position to `at` with 4-byte records of nothing.
    for (let k = 0; k < at / 4; k++) assert(w.tryWrite(new Uint8Array(0)), "spacer");
    assertEquals(r.drain(() => {}), at / 4);
    const m = new Uint8Array(max).fill(at & 255);
    assert(w.tryWrite(m), `max message at position ${at}`);
    assertEquals(r.tryRead(), m);
    throwsA(() => w.tryWrite(new Uint8Array(max + 1)), RangeError);
  }
});

Deno.test("ring: byte counters wrap past 2^32 without losing a message", () => {
  const sab = createRing(4096);
  // Both counters just below 2^32, as after 4 GiB of traffic (header words 16 and 32).
  const ctl = new Int32Array(sab, 0, RING_HEADER_BYTES / 4);
  ctl[16] = (2 ** 32 - 1024) | 0;
  ctl[32] = (2 ** 32 - 1024) | 0;
  const w = new RingWriter(sab);
  const r = new RingReader(sab);
  for (let i = 0; i < 200; i++) {
    const m = new Uint8Array(100 + (i % 7)).fill(i);
    assert(w.tryWrite(m), `write ${i}`);
    assert(w.tryWrite([m.subarray(0, 10), m.subarray(10)]), `gathered write ${i}`);
    assertEquals(r.tryRead(), m);
    assertEquals(r.tryRead(), m);
  }
  assertEquals(w.usedBytes, 0);
});

Deno.test("ring: close lets the reader finish, then ends; writes throw", async () => {
  const { w, r } = pair(4096);
  assert(w.tryWrite(new Uint8Array([1, 2, 3])), "write");
  w.close();
  throwsA(() => w.tryWrite(new Uint8Array(1)), RingClosedError);
  assertEquals(r.ended, false);
  assertEquals(await r.read(), new Uint8Array([1, 2, 3]));
  assertEquals(r.ended, true);
  assertEquals(await r.read(), null);
});

Deno.test("ring: async waits wake on data, space and close, and time out", async () => {
  const { w, r } = pair(4096);
  assertEquals(await r.waitReadable(20), false, "empty ring times out");
  setTimeout(() => w.tryWrite(new Uint8Array([7])), 10);
  assertEquals(await r.waitReadable(5000), true);
  assertEquals(r.tryRead(), new Uint8Array([7]));

  const expected: number[] = [];
  while (w.tryWrite(new Uint8Array(508))) expected.push(508);
  assertEquals(expected.length, 7, "the 8th record would need to wrap");
  assertEquals(await w.waitWritable(508, 20), false, "full ring times out");
  setTimeout(() => r.tryRead(), 10);
  expected.shift();
  assertEquals(await w.waitWritable(508, 5000), true);
  assert(w.tryWrite(new Uint8Array(508)), "room after the wait");
  expected.push(508);

  // A writer blocked on a full ring proceeds as the reader drains: backpressure, no loss.
  const writes = (async () => {
    for (let i = 0; i < 50; i++) await w.write(new Uint8Array(300).fill(i));
  })();
  let seen = 0;
  for (let i = 0; i < 50; i++) expected.push(300);
  while (seen < expected.length) {
    if (!(await r.waitReadable(5000))) throw new Error("reader starved");
    r.drain((m) => {
      assertEquals(m.length, expected[seen], `message ${seen}`);
      seen++;
    });
  }
  await writes;

  const waiting = r.waitReadable(5000);
  setTimeout(() => w.close(), 10);
  assertEquals(await waiting, true, "close wakes a waiting reader");
  assertEquals(r.ended, true);
});

Deno.test("ring: bad buffers and corrupt lengths are refused loudly", () => {
  throwsA(() => createRing(5000), RangeError);
  throwsA(() => createRing(1024), RangeError);
  throwsA(() => new RingReader(new SharedArrayBuffer(4096 + RING_HEADER_BYTES)), AssertionError);
  const { w, r, sab } = pair(4096);
  assert(w.tryWrite(new Uint8Array(8)), "write");
  new Int32Array(sab, RING_HEADER_BYTES, 1)[0] = 1 << 20;
  throwsA(() => r.peek(), AssertionError);
});

Deno.test("ring: staged messages stay invisible until flushed; waits and close flush", async () => {
  const { w, r } = pair(4096);
  assert(w.tryStage(new Uint8Array([1])), "stage");
  assert(w.tryStageWith(2, (buf, off) => buf.set([2, 3], off)), "stage with");
  assertEquals(r.peek(), null, "not published yet");
  assertEquals(w.usedBytes, 0);
  w.flush();
  assertEquals(w.usedBytes, 16);
  assertEquals(r.tryRead(), new Uint8Array([1]));
  assertEquals(r.tryRead(), new Uint8Array([2, 3]));

  // A writer that waits for room publishes first, or the reader could never make any.
  while (w.tryStage(new Uint8Array(500)));
  assertEquals(r.peek(), null);
  const room = w.waitWritable(500, 5000);
  assertEquals(r.drain(() => {}) > 0, true, "flushed by the wait");
  assertEquals(await room, true);

  assert(w.tryStage(new Uint8Array([9])), "stage before close");
  w.close();
  assertEquals(await r.read(), new Uint8Array([9]), "close publishes what was staged");
  assertEquals(await r.read(), null);
});
