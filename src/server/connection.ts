/**
 * One client connection: frames in, requests dispatched to handlers, responses
 * out strictly in request order, every response already settled at the front
 * of the queue taken into one write (a burst of small responses, as a
 * producer with linger.ms=0 causes, costs one syscall rather than one each).
 * Handlers may finish out of order (a long-poll fetch, a produce waiting for a
 * flush); the writer waits for each in turn.
 * Reading pauses while `queued.max.requests` requests are in flight, so a
 * client cannot queue unbounded work. A malformed frame, an unknown API or an
 * unsupported version closes the connection, as Kafka does.
 *
 * The host decides where a request is served: here, by its registered
 * handler, or (a reactor worker) forwarded to the main thread, which serves
 * the same frame with `serveFrame` and sends the encoded response back. Either
 * way a request is handled only after the one before it on the connection.
 */
import { DecodeError } from "../protocol/decode_error.ts";
import { FrameDecoder } from "../protocol/frame.ts";
import { API_VERSIONS_KEY } from "../protocol/header.ts";
import { decodeRequest, encodeResponse } from "../protocol/messages.ts";
import { ErrorCode } from "../protocol/errors.ts";
import type { BrokerConfig } from "./config.ts";
import {
  CloseConnection,
  Deferred,
  type Handler,
  type HandlerRegistry,
  type RequestContext,
} from "./handler.ts";
import type { Logger } from "./log.ts";
import type { RequestCounters } from "./metrics.ts";

export interface ClientInfo {
  readonly connectionId: number;
  readonly clientHost: string;
}

/** What a connection needs from the process serving it (the Broker, or a reactor worker). */
export interface ConnectionHost {
  readonly config: BrokerConfig;
  readonly requestCounters: RequestCounters;
  /** Every API the broker serves (ApiVersions, version checks), local or not. */
  readonly registry: HandlerRegistry;
  /** What handlers receive as `ctx.broker`. */
  readonly node: unknown;
  /**
   * Something a response must wait for before it is sent, or null: the main
   * thread's data plane returns the moment every worker has applied the
   * metadata committed so far, so a client that created a topic finds it on
   * every shard (read-your-writes across threads).
   */
  settled?(): Promise<void> | null;
  /**
   * A reactor's forwarding: the response of a request served elsewhere, or
   * null to serve it here. Absent: everything is served here.
   */
  forward?(
    apiKey: number,
    body: unknown,
    frame: Uint8Array,
    client: ClientInfo,
  ): Promise<Uint8Array[] | null> | null;
}

/** Runs a decoded request's handler; the response (encoded) may follow later (Deferred). */
async function runHandler(
  h: Handler,
  node: unknown,
  header: RequestContext["header"],
  body: unknown,
  client: ClientInfo,
): Promise<{ response: Promise<Uint8Array[] | null> }> {
  const ctx = { broker: node, header, ...client } as RequestContext;
  const encode = (b: unknown) =>
    b === null ? null : encodeResponse(header.apiKey, header.apiVersion, header.correlationId, b);
  const out = await h.handle(ctx, body);
  return {
    response: out instanceof Deferred ? out.response.then(encode) : Promise.resolve(encode(out)),
  };
}

/**
 * Serves one request frame forwarded from a reactor: the encoded response,
 * null when none is sent (acks=0), or `close` when the connection must close
 * (a bad frame, a failed acks=0 produce).
 */
export async function serveFrame(
  host: ConnectionHost,
  frame: Uint8Array,
  client: ClientInfo,
): Promise<{ response: Uint8Array[] | null } | { close: string }> {
  try {
    const d = decodeRequest(frame, host.registry.served);
    if (d.kind === "apiVersionsFallback") {
      return { close: "ApiVersions fallback is answered by reactors" };
    }
    const h = host.registry.get(d.header.apiKey)!;
    const r = await runHandler(h, host.node, d.header, d.body, client);
    return { response: await r.response };
  } catch (e) {
    if (e instanceof DecodeError || e instanceof CloseConnection) return { close: e.message };
    throw e;
  }
}

/** A response in request order, settled or not. */
interface Outgoing {
  settled: boolean;
  chunks: Uint8Array[] | null;
  failure: { error: unknown } | null;
  /** The request, for the log line if it fails. */
  readonly what: string;
  readonly done: Promise<void>;
}

/** Bytes requested from the socket per read. */
const readChunkBytes = 64 * 1024;
/** Chunks smaller than this are coalesced into one write. */
const coalesceBytes = 64 * 1024;

export class Connection {
  private inFlight = 0;
  /** Handlers run one at a time, in request order. */
  private processing: Promise<void> = Promise.resolve();
  /**
   * Responses in request order; the writer takes every one already settled
   * at the front in one go, so a burst of small responses costs one write.
   */
  private readonly outgoing: Outgoing[] = [];
  private writing: Promise<void> | null = null;
  private closed = false;
  private lastActivityMs = Date.now();
  private readonly frames: FrameDecoder;
  private readonly clientHost: string;
  private readonly registry: HandlerRegistry;

  constructor(
    private readonly conn: Deno.Conn,
    readonly id: number,
    private readonly host: ConnectionHost,
    private readonly log: Logger,
  ) {
    this.registry = host.registry;
    this.frames = new FrameDecoder(host.config.socketRequestMaxBytes);
    const addr = conn.remoteAddr as Deno.NetAddr;
    this.clientHost = addr.hostname ?? "unknown";
  }

  /** Milliseconds since the last byte was read or written. */
  idleMs(nowMs: number): number {
    return this.inFlight > 0 ? 0 : nowMs - this.lastActivityMs;
  }

  /** Reads and serves until the peer closes or the connection is closed. */
  async run(): Promise<void> {
    try {
      for (;;) {
        if (this.inFlight >= this.host.config.queuedMaxRequests) await this.drain();
        // A large frame under way is read straight into its own buffer (no assembly copy).
        const target = this.frames.readTarget();
        const buf = target ?? new Uint8Array(readChunkBytes);
        const n = await this.conn.read(buf);
        if (n === null || this.closed) break;
        this.lastActivityMs = Date.now();
        const frames = target ? this.frames.filled(n) : this.frames.push(buf.subarray(0, n));
        for (const frame of frames) this.dispatch(frame);
      }
      await this.drain();
    } catch (e) {
      if (!this.closed) this.reportClose(e);
    } finally {
      this.close();
    }
  }

  private dispatch(frame: Uint8Array): void {
    const d = decodeRequest(frame, this.registry.served);
    const header = d.header;
    this.host.requestCounters.increment(header.apiKey);
    let response: Promise<Uint8Array[] | null>;
    if (d.kind === "apiVersionsFallback") {
      const ours = this.registry.served(API_VERSIONS_KEY)!;
      response = Promise.resolve(encodeResponse(API_VERSIONS_KEY, 0, header.correlationId, {
        errorCode: ErrorCode.UNSUPPORTED_VERSION,
        apiKeys: [{ apiKey: API_VERSIONS_KEY, minVersion: ours.min, maxVersion: ours.max }],
        throttleTimeMs: 0,
        supportedFeatures: [],
        finalizedFeaturesEpoch: -1,
        finalizedFeatures: [],
        zkMigrationReady: false,
      }));
    } else {
      const h = this.registry.get(header.apiKey)!;
      const client: ClientInfo = { connectionId: this.id, clientHost: this.clientHost };
      // Wrapped in an object so a Deferred's wait does not hold up the next request.
      const handled = this.processing.then(() => {
        const forwarded = this.host.forward?.(header.apiKey, d.body, frame, client) ?? null;
        // A forwarded request, like a local one, completes before the next one starts.
        if (forwarded !== null) return forwarded.then((r) => ({ response: Promise.resolve(r) }));
        const handled = runHandler(h, this.host.node, header, d.body, client);
        const settled = this.host.settled;
        if (!settled) return handled;
        return handled.then((r) => ({
          response: r.response.then((out) => {
            const wait = settled.call(this.host);
            return wait === null ? out : wait.then(() => out);
          }),
        }));
      });
      this.processing = handled.then(() => {}, () => {});
      response = handled.then((r) => r.response);
    }
    this.inFlight++;
    const o: Outgoing = {
      settled: false,
      chunks: null,
      failure: null,
      what: `${d.kind === "request" ? d.codec.name : "ApiVersions"} v${header.apiVersion}`,
      // Handled here, so a failure is never "unhandled" while earlier responses are written.
      done: response.then(
        (chunks) => {
          o.chunks = chunks;
          o.settled = true;
        },
        (error) => {
          o.failure = { error };
          o.settled = true;
        },
      ),
    };
    this.outgoing.push(o);
    this.writing ??= this.writeLoop();
  }

  /** Writes responses in request order until none is left, batching those already settled. */
  private async writeLoop(): Promise<void> {
    try {
      while (this.outgoing.length > 0 && !this.closed) {
        if (!this.outgoing[0].settled) await this.outgoing[0].done;
        const batch: Uint8Array[] = [];
        let taken = 0;
        let failed: Outgoing | null = null;
        for (const o of this.outgoing) {
          if (!o.settled) break;
          taken++;
          if (o.failure) {
            failed = o;
            break;
          }
          if (o.chunks !== null) batch.push(...o.chunks);
        }
        this.outgoing.splice(0, taken);
        if (batch.length > 0) await this.write(batch);
        this.inFlight -= taken;
        if (failed) {
          this.reportClose(failed.failure!.error, failed.what);
          this.close();
        }
      }
    } catch (e) {
      this.reportClose(e);
      this.close();
    } finally {
      if (this.closed) {
        this.inFlight -= this.outgoing.length;
        this.outgoing.length = 0;
      }
      this.writing = null;
    }
  }

  private async write(chunks: Uint8Array[]): Promise<void> {
    let pending: Uint8Array[] = [];
    let pendingBytes = 0;
    const flush = async () => {
      if (pendingBytes === 0) return;
      const out = pending.length === 1 ? pending[0] : new Uint8Array(pendingBytes);
      if (pending.length > 1) {
        let p = 0;
        for (const c of pending) {
          out.set(c, p);
          p += c.length;
        }
      }
      pending = [];
      pendingBytes = 0;
      await this.writeAll(out);
    };
    for (const c of chunks) {
      if (c.length >= coalesceBytes) {
        await flush();
        await this.writeAll(c);
      } else {
        pending.push(c);
        pendingBytes += c.length;
        if (pendingBytes >= coalesceBytes) await flush();
      }
    }
    await flush();
    this.lastActivityMs = Date.now();
  }

  private async writeAll(b: Uint8Array): Promise<void> {
    for (let off = 0; off < b.length;) off += await this.conn.write(b.subarray(off));
  }

  private reportClose(e: unknown, what?: string): void {
    if (e instanceof DecodeError || e instanceof CloseConnection) {
      this.log.warn(`closing connection ${this.id} from ${this.clientHost}: ${e.message}`);
    } else if (e instanceof Deno.errors.ConnectionReset || e instanceof Deno.errors.BrokenPipe) {
      // The peer went away; nothing to report.
    } else {
      this.log.error(
        `closing connection ${this.id} from ${this.clientHost}${what ? ` after ${what}` : ""}: ${
          e instanceof Error ? e.stack ?? e.message : e
        }`,
      );
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.conn.close();
    } catch {
      // already closed
    }
  }

  /** Resolves when every request read so far has been answered (or the connection closed). */
  async drain(): Promise<void> {
    while (this.writing !== null) await this.writing;
  }
}
