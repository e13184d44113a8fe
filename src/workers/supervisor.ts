/**
 * Starts and watches the workers (on the main thread). Each worker gets one
 * init message with everything it shares (its rings, its heartbeat word):
 * postMessage is control only, record bytes never take it.
 *
 * A broker that has lost a worker has lost partitions or connections without
 * saying so, so there is no half-alive mode: a worker's `error` event (an
 * uncaught exception or rejection), a `messageerror`, or a heartbeat that stops
 * (Deno.exit and self.close in a worker raise no event; a blocked event loop
 * neither) is fatal. The default reaction logs the reason and exits the
 * process with status 70 (EX_SOFTWARE); tests pass their own.
 */
import {
  ringBytes as defaultRingBytes,
  workerHeartbeatMs,
  workerStallMs,
  workerStartTimeoutMs,
  workerThreadsMax,
} from "../base/limits.ts";
import type { Logger } from "../server/log.ts";
import { consoleLog } from "../server/log.ts";
import {
  decode,
  encode,
  type HealthReport,
  isResponse,
  Kind,
  type Message,
  type OutMessage,
} from "./contract.ts";
import { createRing } from "./ring.ts";
import type { ShardTable } from "./shard_table.ts";
import { takePrespawned } from "./prespawn.ts";
import type { FromWorker, ToWorker, WorkerInit } from "./worker_runtime.ts";

/** Exit status when a worker fails: EX_SOFTWARE, "internal software error". */
export const WORKER_FAILED_EXIT_CODE = 70;

export interface SupervisorOptions {
  logger?: Logger;
  /**
   * Called once with the reason when a worker fails; every worker is
   * terminated right after. Default: log and Deno.exit(70).
   */
  onFatal?: (reason: string) => void;
  heartbeatMs?: number;
  stallMs?: number;
  startTimeoutMs?: number;
}

/** N workers of one kind running one module. */
export interface WorkerGroupSpec<T> {
  /** "reactor", "shard", ...: names the workers in logs ("shard-3"). */
  readonly group: string;
  readonly module: URL | string;
  readonly count: number;
  /** Worker `index`'s init data; SharedArrayBuffers in it are shared with the worker. */
  readonly init: (index: number) => T;
  /** What in worker `index`'s init data moves to it rather than being cloned (MessagePorts). */
  readonly transfer?: (index: number, data: T) => Transferable[];
}

const heartbeatSlotsMax = 2 * workerThreadsMax + 16;

/** One running worker. */
export class WorkerHandle {
  private readonly reportListeners = new Set<(data: unknown) => void>();
  /** Heartbeat value last seen, and when it last moved. */
  lastBeat = 0;
  lastBeatAtMs = 0;
  ready = false;
  /** @internal Posts the init message; set until the worker has loaded. */
  sendInit: (() => void) | null = null;

  constructor(
    readonly group: string,
    readonly index: number,
    readonly worker: Worker,
    readonly heartbeatSlot: number,
  ) {}

  get name(): string {
    return `${this.group}-${this.index}`;
  }

  /** Listens to the worker's report() values. Returns the unsubscribe. */
  onReport(fn: (data: unknown) => void): () => void {
    this.reportListeners.add(fn);
    return () => this.reportListeners.delete(fn);
  }

  /** Sends a structured message to the worker's onApp hook; ArrayBuffers in `transfer` move. */
  post(data: unknown, transfer: Transferable[] = []): void {
    this.worker.postMessage({ type: "app", data } satisfies ToWorker<never>, transfer);
  }

  /** @internal */
  emitReport(data: unknown): void {
    for (const fn of this.reportListeners) fn(data);
  }
}

interface Pending {
  resolve(m: Message): void;
  reject(e: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

export class Supervisor {
  private readonly log: Logger;
  private readonly onFatal: (reason: string) => void;
  private readonly heartbeatMs: number;
  private readonly stallMs: number;
  private readonly startTimeoutMs: number;
  private readonly beats = new Int32Array(new SharedArrayBuffer(4 * heartbeatSlotsMax));
  private readonly handles: WorkerHandle[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextRequestId = 1;
  private monitor: ReturnType<typeof setInterval> | undefined;
  private stopping = false;
  /** The first fatal reason; set once. */
  failure: string | null = null;
  private readonly failed: Promise<string>;
  private fail!: (reason: string) => void;

  constructor(opts: SupervisorOptions = {}) {
    this.log = opts.logger ?? consoleLog("supervisor");
    this.onFatal = opts.onFatal ?? ((reason) => {
      this.log.error(`FATAL: ${reason}; exiting with status ${WORKER_FAILED_EXIT_CODE}`);
      Deno.exit(WORKER_FAILED_EXIT_CODE);
    });
    this.heartbeatMs = opts.heartbeatMs ?? workerHeartbeatMs;
    this.stallMs = opts.stallMs ?? workerStallMs;
    this.startTimeoutMs = opts.startTimeoutMs ?? workerStartTimeoutMs;
    this.failed = new Promise((resolve) => (this.fail = resolve));
  }

  get workers(): readonly WorkerHandle[] {
    return this.handles;
  }

  /**
   * Starts `spec.count` workers and resolves once every one is ready; rejects
   * (after the fatal reaction) if one fails or the start times out.
   */
  async start<T>(spec: WorkerGroupSpec<T>): Promise<WorkerHandle[]> {
    if (this.failure !== null) throw new Error(`supervisor failed: ${this.failure}`);
    if (this.handles.length + spec.count > heartbeatSlotsMax) {
      throw new RangeError(`more than ${heartbeatSlotsMax} workers`);
    }
    const started: WorkerHandle[] = [];
    const readies: Promise<void>[] = [];
    for (let i = 0; i < spec.count; i++) {
      const slot = this.handles.length;
      const early = takePrespawned(spec.module);
      const worker = early?.worker ??
        new Worker(spec.module, { type: "module", name: `${spec.group}-${i}` });
      const h = new WorkerHandle(spec.group, i, worker, slot);
      this.handles.push(h);
      started.push(h);
      readies.push(this.attach(h));
      const data = spec.init(i);
      const init: WorkerInit<T> = {
        group: spec.group,
        index: i,
        heartbeat: this.beats.buffer as SharedArrayBuffer,
        heartbeatSlot: slot,
        heartbeatMs: this.heartbeatMs,
        data,
      };
      // Sent once the worker says its module has loaded (FromWorker "loaded").
      h.sendInit = () =>
        worker.postMessage(
          { type: "init", init } satisfies ToWorker<T>,
          spec.transfer?.(i, data) ?? [],
        );
      if (early?.loaded) {
        h.sendInit();
        h.sendInit = null;
      }
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<string>((resolve) => {
      timer = setTimeout(
        () => resolve(`${spec.group} workers not ready after ${this.startTimeoutMs} ms`),
        this.startTimeoutMs,
      );
    });
    const outcome = await Promise.race([
      Promise.all(readies).then(() => null),
      this.failed,
      timeout,
    ]);
    clearTimeout(timer);
    if (outcome !== null) {
      this.fatal(outcome);
      throw new Error(outcome);
    }
    this.monitor ??= setInterval(() => this.checkHeartbeats(), this.heartbeatMs);
    return started;
  }

  private attach(h: WorkerHandle): Promise<void> {
    let ready!: () => void;
    const p = new Promise<void>((r) => (ready = r));
    h.worker.addEventListener("error", (e: ErrorEvent) => {
      // Ours to report: the default would print it and exit with status 1 without our context.
      e.preventDefault();
      const where = e.filename ? ` (${e.filename}:${e.lineno})` : "";
      this.fatal(`worker ${h.name} crashed: ${e.message}${where}`);
    });
    h.worker.addEventListener("messageerror", () => {
      this.fatal(`worker ${h.name} sent a message that could not be deserialized`);
    });
    h.worker.addEventListener("message", (e: MessageEvent) => {
      const msg = e.data as FromWorker;
      switch (msg.type) {
        case "loaded":
          h.sendInit?.();
          h.sendInit = null;
          break;
        case "ready":
          h.ready = true;
          h.lastBeat = Atomics.load(this.beats, h.heartbeatSlot);
          h.lastBeatAtMs = performance.now();
          ready();
          break;
        case "report":
          h.emitReport(msg.data);
          break;
        case "control":
          this.onResponse(h, decode(new Uint8Array(msg.bytes)));
          break;
      }
    });
    return p;
  }

  private onResponse(h: WorkerHandle, m: Message): void {
    const p = this.pending.get(m.requestId);
    if (!p || !isResponse(m)) {
      this.fatal(`worker ${h.name} answered request ${m.requestId} (kind ${m.kind}) never asked`);
      return;
    }
    this.pending.delete(m.requestId);
    clearTimeout(p.timer);
    p.resolve(m);
  }

  private checkHeartbeats(): void {
    if (this.stopping || this.failure !== null) return;
    const now = performance.now();
    for (const h of this.handles) {
      if (!h.ready) continue;
      const b = Atomics.load(this.beats, h.heartbeatSlot);
      if (b !== h.lastBeat) {
        h.lastBeat = b;
        h.lastBeatAtMs = now;
      } else if (now - h.lastBeatAtMs > this.stallMs) {
        this.fatal(
          `worker ${h.name} has not beaten for ${Math.round(now - h.lastBeatAtMs)} ms: ` +
            "it exited, closed itself, or its event loop is blocked",
        );
        return;
      }
    }
  }

  private fatal(reason: string): void {
    if (this.failure !== null || this.stopping) return;
    this.failure = reason;
    this.fail(reason);
    try {
      this.onFatal(reason);
    } finally {
      this.terminate();
      for (const p of this.pending.values()) {
        clearTimeout(p.timer);
        p.reject(new Error(`worker failure: ${reason}`));
      }
      this.pending.clear();
    }
  }

  /** Sends a control message (ShardTableUpdate, Shutdown, HealthPing) and resolves with the answer. */
  request(h: WorkerHandle, build: (requestId: number) => OutMessage, timeoutMs = 10_000) {
    if (this.failure !== null) {
      return Promise.reject(new Error(`supervisor failed: ${this.failure}`));
    }
    const requestId = this.nextRequestId;
    this.nextRequestId = (this.nextRequestId + 1) >>> 0 || 1;
    const m = build(requestId);
    const bytes = encode(m);
    return new Promise<Message>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        reject(new Error(`${h.name} did not answer control request ${m.kind} in ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(requestId, { resolve, reject, timer });
      const buf = bytes.buffer as ArrayBuffer;
      h.worker.postMessage({ type: "control", bytes: buf } satisfies ToWorker<never>, [buf]);
    });
  }

  /** A health report from every worker, in start order. */
  async health(timeoutMs = 5000): Promise<HealthReport[]> {
    const out = await Promise.all(this.handles.map((h) =>
      this.request(
        h,
        (requestId) => ({ kind: Kind.HealthPing, requestId, sentAtMs: performance.now() }),
        timeoutMs,
      )
    ));
    return out.map((m) => {
      if (m.kind !== Kind.HealthReport) throw new Error(`health ping answered by kind ${m.kind}`);
      return m;
    });
  }

  /** Gives every worker a new shard table; resolves when all have adopted it. */
  async publishShardTable(table: ShardTable): Promise<void> {
    await Promise.all(this.handles.map((h) => this.request(h, (id) => table.toUpdate(id))));
  }

  /**
   * Asks every worker to finish and flush (bounded by graceMs), one group
   * at a time in reverse start order, then terminates them all. Once they have answered, a worker's end is no
   * longer a failure.
   */
  async stop(graceMs = 5000): Promise<void> {
    if (this.failure === null && !this.stopping) {
      // Group by group, last started first: reactors drain before the shards they feed close.
      const groups = [...new Set(this.handles.map((h) => h.group))].reverse();
      for (const g of groups) {
        const acks = this.handles.filter((h) => h.group === g).map((h) =>
          this.request(
            h,
            (requestId) => ({ kind: Kind.Shutdown, requestId, graceMs }),
            graceMs + 1000,
          )
            .catch((e) => this.log.warn(`${h.name}: ${e instanceof Error ? e.message : e}`))
        );
        await Promise.all(acks);
      }
    }
    this.stopping = true;
    this.terminate();
  }

  private terminate(): void {
    if (this.monitor !== undefined) clearInterval(this.monitor);
    this.monitor = undefined;
    for (const h of this.handles) h.worker.terminate();
  }
}

/** The rings of one reactor: requests to each shard, responses from each. */
export interface ReactorRings {
  readonly toShard: readonly SharedArrayBuffer[];
  readonly fromShard: readonly SharedArrayBuffer[];
}

/** The rings of one shard: requests from each reactor, responses to each. */
export interface ShardRings {
  readonly fromReactor: readonly SharedArrayBuffer[];
  readonly toReactor: readonly SharedArrayBuffer[];
}

/**
 * Two rings per (reactor, shard) pair, one each way, so every ring keeps one
 * producer and one consumer: reactors[r].toShard[s] is shards[s].fromReactor[r].
 */
export function buildMesh(
  reactors: number,
  shards: number,
  ringBytes = defaultRingBytes,
): { reactors: ReactorRings[]; shards: ShardRings[] } {
  const req = Array.from(
    { length: reactors },
    () => Array.from({ length: shards }, () => createRing(ringBytes)),
  );
  const res = Array.from(
    { length: reactors },
    () => Array.from({ length: shards }, () => createRing(ringBytes)),
  );
  return {
    reactors: req.map((row, r) => ({ toShard: row, fromShard: res[r] })),
    shards: Array.from({ length: shards }, (_, s) => ({
      fromReactor: req.map((row) => row[s]),
      toReactor: res.map((row) => row[s]),
    })),
  };
}
