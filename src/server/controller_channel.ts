/**
 * A broker's Kafka-protocol client to the controller quorum's voters, on
 * their quorum ports (controller.quorum.voters): one connection per voter,
 * opened on first use and again after it breaks; requests are matched to
 * responses by correlation id (a voter may answer them out of order). Every
 * request is bounded by a timeout; a lost connection fails the requests on it.
 * Used by remote_controller.ts for BrokerRegistration, BrokerHeartbeat,
 * forwarded admin writes and DescribeQuorum. Nothing here retries: the
 * caller chooses whom to ask next.
 */
import { FrameDecoder } from "../protocol/frame.ts";
import {
  type ApiKeyNumber,
  concat,
  decodeResponse,
  encodeRequest,
  type RequestOf,
  type ResponseOf,
} from "../protocol/messages.ts";
import type { Endpoint } from "./quorum_transport.ts";

export class ChannelError extends Error {
  override name = "ChannelError";
}

interface Pending {
  apiKey: number;
  version: number;
  resolve: (body: unknown) => void;
  reject: (e: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

class Connection {
  private readonly pending = new Map<number, Pending>();
  private writing: Promise<void> = Promise.resolve();
  broken = false;

  constructor(private readonly conn: Deno.Conn, private readonly onBroken: () => void) {
    this.readLoop();
  }

  send(correlationId: number, p: Pending, bytes: Uint8Array): void {
    this.pending.set(correlationId, p);
    this.writing = this.writing.then(async () => {
      if (this.broken) return;
      try {
        let done = 0;
        while (done < bytes.length) done += await this.conn.write(bytes.subarray(done));
      } catch (e) {
        this.fail(`write failed: ${(e as Error).message}`);
      }
    });
  }

  forget(correlationId: number): void {
    this.pending.delete(correlationId);
  }

  private async readLoop(): Promise<void> {
    const decoder = new FrameDecoder();
    const buf = new Uint8Array(64 * 1024);
    let why = "closed by the controller";
    try {
      for (;;) {
        const n = await this.conn.read(buf);
        if (n === null) break;
        for (const frame of decoder.push(buf.slice(0, n))) {
          const id = new DataView(frame.buffer, frame.byteOffset, 4).getInt32(0);
          const p = this.pending.get(id);
          if (p === undefined) continue;
          this.pending.delete(id);
          clearTimeout(p.timer);
          try {
            p.resolve(decodeResponse(p.apiKey, p.version, frame).body);
          } catch (e) {
            p.reject(new ChannelError(`bad response: ${(e as Error).message}`));
          }
        }
      }
    } catch (e) {
      why = (e as Error).message;
    }
    this.fail(why);
  }

  fail(why: string): void {
    if (!this.broken) {
      this.broken = true;
      this.onBroken();
      try {
        this.conn.close();
      } catch {
        // already closed
      }
    }
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new ChannelError(why));
    }
    this.pending.clear();
  }
}

export class ControllerChannel {
  private readonly conns = new Map<number, Promise<Connection>>();
  private nextCorrelationId = 1;
  private closed = false;

  constructor(
    private readonly clientId: string,
    private readonly voters: ReadonlyMap<number, Endpoint>,
  ) {}

  private connection(to: number, timeoutMs: number): Promise<Connection> {
    let c = this.conns.get(to);
    if (c === undefined) {
      const ep = this.voters.get(to);
      if (ep === undefined) return Promise.reject(new ChannelError(`${to} is not a voter`));
      let timer: ReturnType<typeof setTimeout> | undefined;
      c = Promise.race([
        Deno.connect({ hostname: ep.host, port: ep.port }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new ChannelError("connect timed out")), timeoutMs);
        }),
      ]).then((conn) => {
        clearTimeout(timer);
        conn.setNoDelay(true);
        if (this.closed) conn.close();
        const made: Connection = new Connection(conn, () => {
          if (this.conns.get(to) === c) this.conns.delete(to);
        });
        return made;
      }, (e) => {
        clearTimeout(timer);
        if (this.conns.get(to) === c) this.conns.delete(to);
        throw new ChannelError(`connecting to controller ${to}: ${(e as Error).message}`);
      });
      this.conns.set(to, c);
    }
    return c;
  }

  /** Sends one request to voter `to`; resolves with its response body (bounded by `timeoutMs`). */
  async request<K extends ApiKeyNumber>(
    to: number,
    apiKey: K,
    version: number,
    body: RequestOf<K>,
    timeoutMs: number,
  ): Promise<ResponseOf<K>> {
    if (this.closed) throw new ChannelError("channel closed");
    const conn = await this.connection(to, timeoutMs);
    const correlationId = this.nextCorrelationId++ & 0x7fffffff;
    const bytes = concat(
      encodeRequest({ apiKey, apiVersion: version, correlationId, clientId: this.clientId }, body),
    );
    return await new Promise<ResponseOf<K>>((resolve, reject) => {
      const timer = setTimeout(() => {
        conn.forget(correlationId);
        reject(new ChannelError(`no answer from controller ${to} within ${timeoutMs} ms`));
      }, timeoutMs);
      conn.send(correlationId, {
        apiKey,
        version,
        resolve: resolve as (b: unknown) => void,
        reject,
        timer,
      }, bytes);
    });
  }

  close(): void {
    this.closed = true;
    for (const c of this.conns.values()) {
      c.then((conn) => conn.fail("channel closed"), () => {});
    }
    this.conns.clear();
  }
}
