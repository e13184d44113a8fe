/**
 * The worker side of the supervisor's protocol, for every worker module
 * (reactor, shard, probe): receive the one init message (rings and settings,
 * shared once at start), start the heartbeat, run the module's setup, say
 * ready, then answer control messages (contract-encoded, over postMessage:
 * they are rare) until shutdown.
 *
 * Failure policy: nothing here catches a worker's errors. An exception or an
 * unhandled rejection reaches the supervisor's `error` event, which takes the
 * process down; a worker that stops without one (Deno.exit, self.close, a
 * wedged event loop) stops its heartbeat, which the supervisor notices too.
 */
import {
  type Ack,
  decode,
  encode,
  type HealthReport,
  Kind,
  type Message,
  type OutMessage,
  type ShardTableUpdate,
} from "./contract.ts";

/** What the supervisor sends a worker once, at start. */
export interface WorkerInit<T> {
  readonly group: string;
  readonly index: number;
  /** Heartbeat words shared with the supervisor; this worker bumps `heartbeatSlot`. */
  readonly heartbeat: SharedArrayBuffer;
  readonly heartbeatSlot: number;
  readonly heartbeatMs: number;
  /** The group's own settings: ring buffers, config. SharedArrayBuffers inside are shared, not copied. */
  readonly data: T;
}

/** Supervisor -> worker. */
export type ToWorker<T> =
  | { readonly type: "init"; readonly init: WorkerInit<T> }
  | { readonly type: "control"; readonly bytes: ArrayBuffer }
  /** A worker module's own structured message (metadata updates, forwarded requests). */
  | { readonly type: "app"; readonly data: unknown };

/** Worker -> supervisor. */
export type FromWorker =
  /**
   * The module graph has evaluated and the message handler is installed. Deno
   * drops messages that arrive while a worker's graph is still evaluating (one
   * with top-level await, as the WASM codecs have), so init waits for this.
   */
  | { readonly type: "loaded" }
  | { readonly type: "ready" }
  | { readonly type: "control"; readonly bytes: ArrayBuffer }
  | { readonly type: "report"; readonly data: unknown };

export interface WorkerContext<T> {
  readonly group: string;
  readonly index: number;
  readonly data: T;
  /**
   * Sends a structured value to the supervisor (statistics, forwarded
   * requests, test results): control rate only. ArrayBuffers in `transfer` move.
   */
  report(data: unknown, transfer?: Transferable[]): void;
}

/** What a worker module may do on control messages; all optional. */
export interface WorkerHooks {
  /** Adopt a new shard table (routing, partitions to open or hand over). */
  onShardTable?(update: ShardTableUpdate): void | Promise<void>;
  /** Finish in-flight work within graceMs and flush; the supervisor terminates the worker after. */
  onShutdown?(graceMs: number): void | Promise<void>;
  /** Figures for a health report. */
  health?(): { partitions: number; inFlight: number };
  /** A structured message from the main thread (WorkerHandle.post). */
  onApp?(data: unknown): void;
}

/** The slice of a worker's global scope we use (the default lib types describe a window). */
interface WorkerScope {
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
  onmessage: ((e: MessageEvent) => void) | null;
  close(): void;
}

function scope(): WorkerScope {
  if (!("WorkerGlobalScope" in globalThis)) {
    throw new Error("runWorker() must run inside a worker started by the supervisor");
  }
  return globalThis as unknown as WorkerScope;
}

function reply(s: WorkerScope, m: OutMessage): void {
  const b = encode(m);
  s.postMessage({ type: "control", bytes: b.buffer as ArrayBuffer }, [b.buffer as ArrayBuffer]);
}

/**
 * Runs a worker module: `setup` gets the init data and returns its hooks once
 * it can serve (the worker is "ready" only then).
 */
export function runWorker<T>(
  setup: (ctx: WorkerContext<T>) => WorkerHooks | void | Promise<WorkerHooks | void>,
): void {
  const s = scope();
  let hooks: WorkerHooks = {};
  // Control messages that arrive before setup finished wait their turn.
  let queue: Promise<void> = Promise.resolve();

  const onControl = async (m: Message): Promise<void> => {
    switch (m.kind) {
      case Kind.HealthPing: {
        const h = hooks.health?.() ?? { partitions: 0, inFlight: 0 };
        const r: HealthReport = {
          kind: Kind.HealthReport,
          requestId: m.requestId,
          sentAtMs: m.sentAtMs,
          partitions: h.partitions,
          inFlight: h.inFlight,
          heapUsedBytes: Deno.memoryUsage().heapUsed,
        };
        reply(s, r);
        return;
      }
      case Kind.ShardTableUpdate:
        await hooks.onShardTable?.(m);
        reply(s, { kind: Kind.Ack, requestId: m.requestId, errorCode: 0 } satisfies Ack);
        return;
      case Kind.Shutdown:
        await hooks.onShutdown?.(m.graceMs);
        reply(s, { kind: Kind.Ack, requestId: m.requestId, errorCode: 0 } satisfies Ack);
        return;
      default:
        // A data-path message on the control channel is a bug in the sender.
        throw new Error(`control channel got message kind ${m.kind}`);
    }
  };

  // Not before the whole graph has evaluated (see "loaded").
  setTimeout(() => s.postMessage({ type: "loaded" }), 0);
  s.onmessage = (e: MessageEvent) => {
    const msg = e.data as ToWorker<T>;
    if (msg.type === "init") {
      const { init } = msg;
      const beats = new Int32Array(init.heartbeat);
      Atomics.add(beats, init.heartbeatSlot, 1);
      setInterval(() => Atomics.add(beats, init.heartbeatSlot, 1), init.heartbeatMs);
      const ctx: WorkerContext<T> = {
        group: init.group,
        index: init.index,
        data: init.data,
        report: (data, transfer) => s.postMessage({ type: "report", data }, transfer ?? []),
      };
      queue = (async () => {
        hooks = (await setup(ctx)) ?? {};
        s.postMessage({ type: "ready" });
      })();
    } else if (msg.type === "app") {
      // App messages keep their order relative to control messages and to setup.
      queue = queue.then(() => hooks.onApp?.(msg.data));
    } else {
      const m = decode(new Uint8Array(msg.bytes));
      queue = queue.then(() => onControl(m));
    }
  };
}
