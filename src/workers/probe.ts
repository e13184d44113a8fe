/**
 * Probe tasks: each drives one end of a ring (or a MessagePort) with a
 * known sequence and reports what it saw: the other side of the cross-worker
 * ring tests, the two sides of bench/ring_bench.ts, and the worker the
 * supervisor tests make fail on purpose. probe_worker.ts runs them under the
 * same runtime as the broker's workers, so what they measure is what those get.
 *
 * Message i of a run with seed s has a size drawn from mulberry32(s) in
 * [minBytes, maxBytes] and bytes (i * 131 + j) & 255, with i in the first four
 * bytes when it has room, so the consumer checks order, sizes and contents
 * without the producer telling it anything.
 */
import { RingReader, RingWriter } from "./ring.ts";

/** How a ring end waits: "async" (Atomics.waitAsync, as event-loop workers must) or "sync" (Atomics.wait). */
export type WaitMode = "async" | "sync";

export type ProbeTask =
  | {
    readonly task: "produce";
    readonly ring: SharedArrayBuffer;
    readonly count: number;
    readonly seed: number;
    readonly minBytes: number;
    readonly maxBytes: number;
    readonly wait: WaitMode;
    /** Close the ring after the last message, so the reader sees the end. */
    readonly close: boolean;
    /**
     * "pattern": message i's checkable contents (tests); "copy": one prepared
     * message of maxBytes copied in each time, as a reactor copies a request's
     * bytes from its socket buffer (the benchmark).
     */
    readonly fill: "pattern" | "copy";
    /** Messages staged per flush (1: each is published as it is written). */
    readonly batch: number;
  }
  | {
    readonly task: "consume";
    readonly ring: SharedArrayBuffer;
    /** Stop after this many messages, or at the ring's end when -1. */
    readonly count: number;
    readonly seed: number;
    readonly minBytes: number;
    readonly maxBytes: number;
    readonly wait: WaitMode;
    /** Check every message against the sequence (tests); the benchmark only counts. */
    readonly verify: boolean;
  }
  | { readonly task: "echo"; readonly from: SharedArrayBuffer; readonly to: SharedArrayBuffer }
  | {
    readonly task: "post-produce";
    readonly port: MessagePort;
    readonly count: number;
    readonly size: number;
  }
  | { readonly task: "post-consume"; readonly port: MessagePort; readonly count: number }
  | { readonly task: "idle" }
  | {
    readonly task: "fail";
    readonly how: "throw" | "reject" | "exit" | "close";
    readonly afterMs: number;
  };

export interface ProbeInit {
  readonly task: ProbeTask;
  /** When set, the task starts once word 0 of this buffer becomes non-zero (all sides ready). */
  readonly go?: SharedArrayBuffer;
}

export interface ProbeReport {
  readonly messages: number;
  readonly bytes: number;
  /** From the first message handled to the last, in this worker's clock. */
  readonly ms: number;
  /** What a verifying consumer found wrong (empty when all was right); at most 10. */
  readonly errors: readonly string[];
}

/** mulberry32: a tiny seeded generator both ends can run in step. */
export function sequence(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Message i's size, from the generator. */
export function sizeFrom(next: () => number, minBytes: number, maxBytes: number): number {
  return minBytes + Math.floor(next() * (maxBytes - minBytes + 1));
}

/** Writes message i's contents into buf[off .. off+size). */
export function fillMessage(buf: Uint8Array, off: number, size: number, i: number): void {
  for (let j = 0; j < size; j++) buf[off + j] = (i * 131 + j) & 255;
  if (size >= 4) {
    buf[off] = i & 255;
    buf[off + 1] = (i >>> 8) & 255;
    buf[off + 2] = (i >>> 16) & 255;
    buf[off + 3] = (i >>> 24) & 255;
  }
}

/** The first difference between `m` and message i of `size` bytes, or null. */
export function checkMessage(m: Uint8Array, size: number, i: number): string | null {
  if (m.length !== size) return `message ${i}: ${m.length} bytes, expected ${size}`;
  if (size >= 4) {
    const got = (m[0] | (m[1] << 8) | (m[2] << 16) | (m[3] << 24)) >>> 0;
    if (got !== i >>> 0) return `message ${i}: carries index ${got}`;
  }
  for (let j = 4; j < size; j++) {
    if (m[j] !== ((i * 131 + j) & 255)) return `message ${i}: byte ${j} differs`;
  }
  return null;
}

async function waitGo(go: SharedArrayBuffer | undefined): Promise<void> {
  if (!go) return;
  const w = new Int32Array(go);
  while (Atomics.load(w, 0) === 0) {
    const r = Atomics.waitAsync(w, 0, 0, 1000);
    if (r.async) await r.value;
  }
}

async function produce(t: Extract<ProbeTask, { task: "produce" }>): Promise<ProbeReport> {
  const ring = new RingWriter(t.ring);
  const next = sequence(t.seed);
  let bytes = 0;
  const t0 = performance.now();
  if (t.fill === "copy") {
    const m = new Uint8Array(t.maxBytes);
    fillMessage(m, 0, m.length, 0);
    for (let i = 0; i < t.count; i++) {
      while (!ring.tryStage(m)) {
        if (t.wait === "sync") ring.waitWritableSync(m.length);
        else await ring.waitWritable(m.length);
      }
      if ((i + 1) % t.batch === 0) ring.flush();
    }
    ring.flush();
    if (t.close) ring.close();
    return { messages: t.count, bytes: t.count * m.length, ms: performance.now() - t0, errors: [] };
  }
  for (let i = 0; i < t.count; i++) {
    const size = sizeFrom(next, t.minBytes, t.maxBytes);
    const fill = (buf: Uint8Array, off: number) => fillMessage(buf, off, size, i);
    while (!ring.tryStageWith(size, fill)) {
      if (t.wait === "sync") ring.waitWritableSync(size);
      else await ring.waitWritable(size);
    }
    if ((i + 1) % t.batch === 0) ring.flush();
    bytes += size;
  }
  ring.flush();
  if (t.close) ring.close();
  return { messages: t.count, bytes, ms: performance.now() - t0, errors: [] };
}

async function consume(t: Extract<ProbeTask, { task: "consume" }>): Promise<ProbeReport> {
  const ring = new RingReader(t.ring);
  const next = sequence(t.seed);
  const errors: string[] = [];
  let n = 0;
  let bytes = 0;
  let t0 = -1;
  const want = t.count < 0 ? Infinity : t.count;
  const handle = (m: Uint8Array) => {
    // The clock starts at the first message, not after the first batch.
    if (n === 0) t0 = performance.now();
    if (t.verify && errors.length < 10) {
      const problem = checkMessage(m, sizeFrom(next, t.minBytes, t.maxBytes), n);
      if (problem !== null) errors.push(problem);
    }
    bytes += m.length;
    n++;
  };
  while (n < want) {
    if (ring.drain(handle, want - n) > 0) continue;
    if (ring.ended) break;
    if (t.wait === "sync") ring.waitReadableSync();
    else await ring.waitReadable();
  }
  if (t.count >= 0 && n !== t.count) errors.push(`received ${n} messages, expected ${t.count}`);
  return { messages: n, bytes, ms: t0 < 0 ? 0 : performance.now() - t0, errors };
}

async function echo(t: Extract<ProbeTask, { task: "echo" }>): Promise<ProbeReport> {
  const from = new RingReader(t.from);
  const to = new RingWriter(t.to);
  let n = 0;
  let bytes = 0;
  const t0 = performance.now();
  for (;;) {
    const m = from.peek();
    if (m === null) {
      if (from.ended) break;
      await from.waitReadable();
      continue;
    }
    // Straight from one ring into the other; the source slot is released after.
    while (!to.tryWrite(m)) await to.waitWritable(m.length);
    bytes += m.length;
    from.consume();
    n++;
  }
  to.close();
  return { messages: n, bytes, ms: performance.now() - t0, errors: [] };
}

function postProduce(t: Extract<ProbeTask, { task: "post-produce" }>): ProbeReport {
  const m = new Uint8Array(t.size);
  const t0 = performance.now();
  // Each postMessage clones the bytes, as a contract message sent that way would.
  for (let i = 0; i < t.count; i++) t.port.postMessage(m);
  return { messages: t.count, bytes: t.count * t.size, ms: performance.now() - t0, errors: [] };
}

function postConsume(t: Extract<ProbeTask, { task: "post-consume" }>): Promise<ProbeReport> {
  return new Promise((resolve) => {
    let n = 0;
    let bytes = 0;
    let t0 = -1;
    t.port.onmessage = (e: MessageEvent) => {
      if (t0 < 0) t0 = performance.now();
      bytes += (e.data as Uint8Array).length;
      if (++n === t.count) {
        t.port.close();
        resolve({ messages: n, bytes, ms: performance.now() - t0, errors: [] });
      }
    };
  });
}

function fail(t: Extract<ProbeTask, { task: "fail" }>): void {
  setTimeout(() => {
    switch (t.how) {
      case "throw":
        throw new Error("probe failure (throw)");
      case "reject":
        void Promise.reject(new Error("probe failure (reject)"));
        break;
      case "exit":
        Deno.exit(3);
        break;
      case "close":
        (globalThis as unknown as { close(): void }).close();
        break;
    }
  }, t.afterMs);
}

/** Runs a probe task; null for tasks with nothing to report. */
export async function runProbe(init: ProbeInit): Promise<ProbeReport | null> {
  const t = init.task;
  if (t.task === "idle") return null;
  if (t.task === "fail") {
    fail(t);
    return null;
  }
  await waitGo(init.go);
  switch (t.task) {
    case "produce":
      return await produce(t);
    case "consume":
      return await consume(t);
    case "echo":
      return await echo(t);
    case "post-produce":
      return postProduce(t);
    case "post-consume":
      return await postConsume(t);
  }
}
