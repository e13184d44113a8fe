/**
 * One client connection: frames in, requests dispatched to handlers, responses
 * out strictly in request order. Handlers may finish out of order (a long-poll
 * fetch, a produce waiting for a flush); the writer waits for each in turn.
 * Reading pauses while `queued.max.requests` requests are in flight, so a
 * client cannot queue unbounded work. A malformed frame, an unknown API or an
 * unsupported version closes the connection, as Kafka does.
 */
import { DecodeError } from "../protocol/decode_error.ts";
import { FrameDecoder } from "../protocol/frame.ts";
import { API_VERSIONS_KEY } from "../protocol/header.ts";
import { decodeRequest, encodeResponse } from "../protocol/messages.ts";
import { ErrorCode } from "../protocol/errors.ts";
import type { Broker } from "./broker.ts";
import { CloseConnection, Deferred, type HandlerRegistry, type RequestContext } from "./handler.ts";
import type { Logger } from "./log.ts";

/** Bytes requested from the socket per read. */
const readChunkBytes = 64 * 1024;
/** Chunks smaller than this are coalesced into one write. */
const coalesceBytes = 64 * 1024;

export class Connection {
  private inFlight = 0;
  /** Handlers run one at a time, in request order. */
  private processing: Promise<void> = Promise.resolve();
  /** Responses are written one at a time, in request order. */
  private tail: Promise<void> = Promise.resolve();
  private closed = false;
  private lastActivityMs = Date.now();
  private readonly frames: FrameDecoder;
  private readonly clientHost: string;

  constructor(
    private readonly conn: Deno.Conn,
    readonly id: number,
    private readonly broker: Broker,
    private readonly registry: HandlerRegistry,
    private readonly log: Logger,
  ) {
    this.frames = new FrameDecoder(broker.config.socketRequestMaxBytes);
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
        if (this.inFlight >= this.broker.config.queuedMaxRequests) await this.tail;
        const buf = new Uint8Array(readChunkBytes);
        const n = await this.conn.read(buf);
        if (n === null || this.closed) break;
        this.lastActivityMs = Date.now();
        for (const frame of this.frames.push(buf.subarray(0, n))) this.dispatch(frame);
      }
      await this.tail;
    } catch (e) {
      if (!this.closed) this.reportClose(e);
    } finally {
      this.close();
    }
  }

  private dispatch(frame: Uint8Array): void {
    const d = decodeRequest(frame, this.registry.served);
    const header = d.header;
    this.broker.requestCounters.increment(header.apiKey);
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
      const ctx: RequestContext = {
        broker: this.broker,
        header,
        clientHost: this.clientHost,
        connectionId: this.id,
      };
      const encode = (b: unknown) =>
        b === null
          ? null
          : encodeResponse(header.apiKey, header.apiVersion, header.correlationId, b);
      // Wrapped in an object so a Deferred's wait does not hold up the next request.
      const handled = this.processing.then(async () => {
        const out = await h.handle(ctx, d.body);
        return {
          response: out instanceof Deferred
            ? out.response.then(encode)
            : Promise.resolve(encode(out)),
        };
      });
      this.processing = handled.then(() => {}, () => {});
      response = handled.then((r) => r.response);
    }
    this.inFlight++;
    // Attach a handler now so a failure is never "unhandled" while earlier responses are written.
    response.catch(() => {});
    this.tail = this.tail.then(async () => {
      try {
        const chunks = await response;
        if (chunks !== null && !this.closed) await this.write(chunks);
      } catch (e) {
        this.reportClose(
          e,
          `${d.kind === "request" ? d.codec.name : "ApiVersions"} v${header.apiVersion}`,
        );
        this.close();
      } finally {
        this.inFlight--;
      }
    });
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

  /** Resolves when every request read so far has been answered. */
  drain(): Promise<void> {
    return this.tail;
  }
}
