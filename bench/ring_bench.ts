/**
 * Ring benchmark: prints one JSON line.
 *
 * Messages of 100 B and 1 KiB from one worker to another, started by the
 * supervisor as the broker's workers will be:
 * - through a SharedArrayBuffer ring (the default ring size) with async waits
 *   (Atomics.waitAsync), as event-loop workers (reactors, shards) must wait;
 * - the same with blocking waits (Atomics.wait), the ring's ceiling;
 * - the baseline, measured in the same run: one postMessage per message over
 *   a MessageChannel between the two workers (a structured clone each).
 * Rates are the consumer's, from its first message to its last; each figure
 * is the median of REPS runs, and the ratios divide medians of this run.
 */
import { ringBytes } from "../src/base/limits.ts";
import type { ProbeInit, ProbeReport, ProbeTask } from "../src/workers/probe.ts";
import { createRing } from "../src/workers/ring.ts";
import { Supervisor, type WorkerHandle } from "../src/workers/supervisor.ts";

const REPS = 3;
/** Messages per run by size: enough for a few hundred ms of ring traffic each. */
const RING_COUNT: Record<number, number> = { 100: 3_000_000, 1024: 1_000_000 };
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

function ringTasks(size: number, wait: "async" | "sync"): [ProbeTask, ProbeTask] {
  const ring = createRing(ringBytes);
  const shape = { ring, count: RING_COUNT[size], seed: 1, minBytes: size, maxBytes: size, wait };
  return [
    { task: "produce", ...shape, close: false, fill: "copy" },
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
  const runs: Record<"ringAsync" | "ringSync" | "postMessage", Rate[]> = {
    ringAsync: [],
    ringSync: [],
    postMessage: [],
  };
  // Interleaved, so drift in the machine's state hits every mode alike.
  for (let i = 0; i < REPS; i++) {
    runs.ringAsync.push(rate(await run(ringTasks(size, "async"))));
    runs.ringSync.push(rate(await run(ringTasks(size, "sync"))));
    runs.postMessage.push(rate(await run(postTasks(size))));
  }
  const med = (xs: Rate[]) => ({
    msgsPerSec: Math.round(median(xs.map((x) => x.msgsPerSec))),
    MBps: Math.round(median(xs.map((x) => x.MBps))),
  });
  const ringAsync = med(runs.ringAsync);
  const ringSync = med(runs.ringSync);
  const postMessage = med(runs.postMessage);
  const r = (x: number) => Math.round(x * 10) / 10;
  return {
    messageBytes: size,
    ringAsync,
    ringSync,
    postMessage,
    ringAsyncVsPostMessage: r(ringAsync.msgsPerSec / postMessage.msgsPerSec),
    ringSyncVsPostMessage: r(ringSync.msgsPerSec / postMessage.msgsPerSec),
  };
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
