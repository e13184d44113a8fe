/**
 * Ring benchmark: prints one JSON line.
 *
 * Messages of 100 B and 1 KiB from one worker to another, started by the
 * supervisor as the broker's workers will be:
 * - through a SharedArrayBuffer ring of the default size, each message
 *   published as written, with async waits (Atomics.waitAsync), as event-loop
 *   workers (reactors, shards) must wait: ringAsync;
 * - the same with messages staged and published 32 at a time, as a reactor
 *   writes the requests of one socket read: ringAsyncBatched;
 * - each published, with blocking waits (Atomics.wait): ringSync;
 * - the baseline, measured in the same run: one postMessage per message over
 *   a MessageChannel between the two workers (a structured clone each).
 * The producer copies one prepared message in each time (as a reactor copies
 * request bytes from its socket buffer); the consumer takes each as a view.
 * Rates are the consumer's, from its first message to its last; each figure
 * is the median of REPS runs, and vsPostMessage divides medians of this run.
 */
import { ringBytes } from "../src/base/limits.ts";
import type { ProbeInit, ProbeReport, ProbeTask } from "../src/workers/probe.ts";
import { createRing } from "../src/workers/ring.ts";
import { Supervisor, type WorkerHandle } from "../src/workers/supervisor.ts";

const REPS = 3;
/** Messages per run by size: enough for a few hundred ms of ring traffic each. */
const RING_COUNT: Record<number, number> = { 100: 6_000_000, 1024: 2_000_000 };
/** postMessage is ~100x slower: fewer messages keep its runs as long. */
const POST_COUNT: Record<number, number> = { 100: 100_000, 1024: 100_000 };

const probeModule = new URL("../src/workers/probe_worker.ts", import.meta.url);
const quiet = {
  info: () => {},
  warn: (m: string) => console.error(m),
  error: (m: string) => console.error(m),
};

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function reportOf(h: WorkerHandle): Promise<ProbeReport> {
  return new Promise((resolve) => h.onReport((r) => resolve(r as ProbeReport)));
}

/** One run: a producer and a consumer worker, started together; returns the consumer's report. */
async function run(tasks: [ProbeTask, ProbeTask]): Promise<ProbeReport> {
  const ports = (t: ProbeTask): Transferable[] =>
    t.task === "post-produce" || t.task === "post-consume" ? [t.port] : [];
  const sup = new Supervisor({ logger: quiet });
  const go = new SharedArrayBuffer(4);
  const handles = await sup.start<ProbeInit>({
    group: "bench",
    module: probeModule,
    count: 2,
    init: (i) => ({ task: tasks[i], go }),
    transfer: (_i, data) => ports(data.task),
  });
  const reports = handles.map(reportOf);
  const w = new Int32Array(go);
  Atomics.store(w, 0, 1);
  Atomics.notify(w, 0);
  const [, consumed] = await Promise.all(reports);
  await sup.stop(1000);
  if (consumed.errors.length) throw new Error(consumed.errors.join("; "));
  return consumed;
}

/** Messages staged per flush in the "batched" mode: a socket read's worth of small requests. */
const BATCH = 32;

interface RingMode {
  wait: "async" | "sync";
  batch: number;
}

const modes = {
  /** Every message published as written, async waits: the plain case for event-loop workers. */
  ringAsync: { wait: "async", batch: 1 },
  /** Staged and published BATCH at a time, async waits: how a reactor writes a read's requests. */
  ringAsyncBatched: { wait: "async", batch: BATCH },
  /** Every message published, blocking waits (Atomics.wait): a worker with nothing else to do. */
  ringSync: { wait: "sync", batch: 1 },
} satisfies Record<string, RingMode>;

function ringTasks(size: number, mode: RingMode): [ProbeTask, ProbeTask] {
  const ring = createRing(ringBytes);
  const count = RING_COUNT[size];
  const shape = { ring, count, seed: 1, minBytes: size, maxBytes: size, wait: mode.wait };
  return [
    { task: "produce", ...shape, close: false, fill: "copy", batch: mode.batch },
    { task: "consume", ...shape, verify: false },
  ];
}

function postTasks(size: number): [ProbeTask, ProbeTask] {
  const { port1, port2 } = new MessageChannel();
  const count = POST_COUNT[size];
  return [
    { task: "post-produce", port: port1, count, size },
    { task: "post-consume", port: port2, count },
  ];
}

interface Rate {
  msgsPerSec: number;
  MBps: number;
}

function rate(r: ProbeReport): Rate {
  const s = r.ms / 1000;
  return { msgsPerSec: r.messages / s, MBps: r.bytes / (1024 * 1024) / s };
}

async function measure(size: number) {
  const names = Object.keys(modes) as (keyof typeof modes)[];
  const runs = new Map<string, Rate[]>([...names, "postMessage"].map((n) => [n, []]));
  // Interleaved, so drift in the machine's state hits every mode alike.
  for (let i = 0; i < REPS; i++) {
    for (const n of names) runs.get(n)!.push(rate(await run(ringTasks(size, modes[n]))));
    runs.get("postMessage")!.push(rate(await run(postTasks(size))));
  }
  const med = (xs: Rate[]) => ({
    msgsPerSec: Math.round(median(xs.map((x) => x.msgsPerSec))),
    MBps: Math.round(median(xs.map((x) => x.MBps))),
  });
  const post = med(runs.get("postMessage")!);
  const out: Record<string, unknown> = { messageBytes: size };
  for (const n of names) {
    const m = med(runs.get(n)!);
    out[n] = { ...m, vsPostMessage: Math.round((m.msgsPerSec / post.msgsPerSec) * 10) / 10 };
  }
  out.postMessage = post;
  return out;
}

const t0 = performance.now();
const small = await measure(100);
const large = await measure(1024);
console.log(JSON.stringify({
  bench: "ring",
  cores: navigator.hardwareConcurrency,
  ringBytes,
  reps: REPS,
  msg100B: small,
  msg1KiB: large,
  seconds: Math.round((performance.now() - t0) / 100) / 10,
}));
