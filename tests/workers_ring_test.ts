/**
 * The ring across real workers: seeded random message sizes (zero-length and
 * ring-maximum included) through small rings, so wrap-around and a full ring
 * (backpressure) happen thousands of times per run, checked message by
 * message for order, size and content. Set RING_SEED to replay a run.
 */
import { createRing, RingReader, RingWriter } from "../src/workers/ring.ts";
import {
  checkMessage,
  fillMessage,
  type ProbeInit,
  type ProbeReport,
  type ProbeTask,
  sequence,
  sizeFrom,
} from "../src/workers/probe.ts";
import { Supervisor, type WorkerHandle } from "../src/workers/supervisor.ts";
import { assert, assertEquals } from "./support/records_assert.ts";
import { seedFromEnv } from "./support/rng.ts";

const probeModule = new URL("../src/workers/probe_worker.ts", import.meta.url);
const quiet = { info: () => {}, warn: () => {}, error: (m: string) => console.error(m) };

/** A lost wake-up shows as a stall: fail it instead of hanging the suite. */
const stallMs = 15_000;

function reportOf(h: WorkerHandle): Promise<ProbeReport> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return new Promise<ProbeReport>((resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${h.name}: no report in ${stallMs} ms`)), stallMs);
    h.onReport((r) => resolve(r as ProbeReport));
  }).finally(() => clearTimeout(timer));
}

async function readable(r: RingReader): Promise<void> {
  if (!(await r.waitReadable(stallMs))) throw new Error(`ring stalled for ${stallMs} ms`);
}

/** Starts one probe worker per task; any worker failure fails the test. */
async function probes(tasks: ProbeTask[]) {
  const failures: string[] = [];
  const sup = new Supervisor({ logger: quiet, onFatal: (r) => failures.push(r) });
  const go = new SharedArrayBuffer(4);
  const handles = await sup.start<ProbeInit>({
    group: "probe",
    module: probeModule,
    count: tasks.length,
    init: (i) => ({ task: tasks[i], go }),
  });
  const reports = handles.map(reportOf);
  return {
    reports,
    go: () => {
      Atomics.store(new Int32Array(go), 0, 1);
      Atomics.notify(new Int32Array(go), 0);
    },
    stop: async () => {
      await sup.stop(1000);
      assertEquals(failures, [], "no worker failed");
    },
  };
}

Deno.test("ring across workers: a worker produces, the main thread consumes and checks", async () => {
  const seed = seedFromEnv("RING_SEED");
  // Published per message with async waits; staged in sevens with blocking waits.
  for (const [wait, batch] of [["async", 1], ["sync", 7]] as const) {
    const ring = createRing(4096);
    const reader = new RingReader(ring);
    const count = 30_000;
    const maxBytes = reader.maxMessageBytes;
    const p = await probes([
      {
        task: "produce",
        ring,
        count,
        seed,
        minBytes: 0,
        maxBytes,
        wait,
        close: true,
        fill: "pattern",
        batch,
      },
    ]);
    p.go();
    const next = sequence(seed);
    let n = 0;
    let problem: string | null = null;
    for (;;) {
      // Async waits on the main thread (Atomics.wait is not allowed here).
      const got = reader.drain((m) => {
        problem ??= checkMessage(m, sizeFrom(next, 0, maxBytes), n);
        n++;
      });
      if (got === 0) {
        if (reader.ended) break;
        await readable(reader);
      }
    }
    assertEquals(problem, null, `seed ${seed} (${wait})`);
    assertEquals(n, count, `seed ${seed} (${wait}): every message arrived`);
    const r = await p.reports[0];
    assertEquals(r.messages, count);
    await p.stop();
  }
});

Deno.test("ring across workers: worker to worker, both wait modes, verified by the consumer", async () => {
  const seed = seedFromEnv("RING_SEED");
  for (const [wait, batch] of [["async", 16], ["sync", 1]] as const) {
    const ring = createRing(8192);
    const count = 100_000;
    const shape = { ring, count, seed, minBytes: 0, maxBytes: 300, wait };
    const p = await probes([
      { task: "produce", ...shape, close: false, fill: "pattern", batch },
      { task: "consume", ...shape, verify: true },
    ]);
    p.go();
    const [produced, consumed] = await Promise.all(p.reports);
    assertEquals(consumed.errors, [], `seed ${seed} (${wait})`);
    assertEquals([consumed.messages, consumed.bytes], [count, produced.bytes], `seed ${seed}`);
    await p.stop();
  }
});

Deno.test("ring across workers: echo through a worker with backpressure both ways", async () => {
  const seed = seedFromEnv("RING_SEED");
  const out = createRing(4096);
  const back = createRing(4096);
  const p = await probes([{ task: "echo", from: out, to: back }]);
  p.go();
  const w = new RingWriter(out);
  const r = new RingReader(back);
  const count = 20_000;
  const maxBytes = w.maxMessageBytes;
  const sizes = sequence(seed);
  const writing = (async () => {
    for (let i = 0; i < count; i++) {
      const size = sizeFrom(sizes, 0, maxBytes);
      while (!w.tryWriteWith(size, (buf, off) => fillMessage(buf, off, size, i))) {
        if (!(await w.waitWritable(size, stallMs))) throw new Error("ring stalled");
      }
    }
    w.close();
  })();
  const expect = sequence(seed);
  let n = 0;
  for (;;) {
    const m = r.peek();
    if (m === null) {
      if (r.ended) break;
      await readable(r);
      continue;
    }
    const problem = checkMessage(m, sizeFrom(expect, 0, maxBytes), n);
    assert(problem === null, `seed ${seed}: ${problem}`);
    r.consume();
    n++;
  }
  await writing;
  assertEquals(n, count);
  assertEquals((await p.reports[0]).messages, count);
  await p.stop();
});
