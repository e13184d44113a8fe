/**
 * TCP transport of the metadata quorum: Kafka frames (our codecs) between
 * nodes. Each node listens for requests; to each peer it keeps one outbound
 * connection on which it sends its requests and reads the responses back,
 * matched by correlation id. A response the core addresses to a requester goes
 * back on the connection its request came in on, at the request's version.
 * Lost connections lose messages, like the network may: the core retries on
 * its own timers. Nothing here decides anything about Raft.
 *
 * A request whose API is not a KRaft RPC (a broker's BrokerRegistration,
 * BrokerHeartbeat or forwarded admin write) goes to the `serveOther` hook
 * when one is set (the controller's RPCs, controller_rpc.ts) and its answer
 * is written back on the same connection, matched by correlation id like the
 * Raft responses (so answers on one connection may leave out of request order;
 * our own ControllerChannel matches them by id). Without the hook such a
 * request closes the connection.
 */
import { FrameDecoder } from "../protocol/frame.ts";
import { concat } from "../protocol/messages.ts";
import {
  isRaftApiKey,
  type RaftApiKey,
  type RaftMessage,
  type RaftResponse,
} from "../raft/messages.ts";
import {
  decodeRaftRequest,
  decodeRaftResponse,
  encodeRaftRequest,
  encodeRaftResponse,
} from "../raft/wire.ts";

export interface Endpoint {
  host: string;
  port: number;
}

/** Answers one non-Raft request frame (without its size prefix) with response frame chunks. */
export type ServeOther = (frame: Uint8Array) => Promise<Uint8Array[]>;

/** Requests queued while a peer connection is being made; beyond, they are dropped. */
const QUEUED_MAX = 256;
/** A failed connect is not retried sooner than this. */
const RECONNECT_MS = 50;

/** Writes frames to a connection one after another (conn.write may write partially). */
class Writer {
  private chain: Promise<void> = Promise.resolve();
  private failed = false;
  constructor(private readonly conn: Deno.Conn, private readonly onError: () => void) {}

  write(bytes: Uint8Array): void {
    if (this.failed) return;
    this.chain = this.chain.then(async () => {
      if (this.failed) return;
      try {
        let done = 0;
        while (done < bytes.length) done += await this.conn.write(bytes.subarray(done));
      } catch {
        this.failed = true;
        this.onError();
      }
    });
  }
}

class PeerLink {
  private conn: Deno.Conn | null = null;
  private writer: Writer | null = null;
  private connecting = false;
  private lastAttempt = -Infinity;
  private queued: Uint8Array[] = [];
  /** Correlation id -> API of requests awaiting a response on this connection. */
  private inFlight = new Map<number, RaftApiKey>();

  constructor(
    private readonly nodeId: number,
    private readonly peerId: number,
    private readonly endpoint: Endpoint,
    private readonly deliver: (m: RaftMessage) => void,
  ) {}

  send(m: RaftMessage & { kind: "request" }): void {
    const bytes = concat(encodeRaftRequest(m));
    this.inFlight.set(m.correlationId, m.apiKey);
    if (this.writer !== null) {
      this.writer.write(bytes);
      return;
    }
    if (this.queued.length < QUEUED_MAX) this.queued.push(bytes);
    this.connect();
  }

  private connect(): void {
    const now = performance.now();
    if (this.connecting || now - this.lastAttempt < RECONNECT_MS) return;
    this.connecting = true;
    this.lastAttempt = now;
    Deno.connect({ hostname: this.endpoint.host, port: this.endpoint.port }).then(
      (conn) => {
        this.connecting = false;
        this.conn = conn;
        conn.setNoDelay(true);
        this.writer = new Writer(conn, () => this.drop(conn));
        for (const b of this.queued) this.writer.write(b);
        this.queued = [];
        this.readLoop(conn);
      },
      () => {
        this.connecting = false;
        this.queued = [];
        this.inFlight.clear();
      },
    );
  }

  private async readLoop(conn: Deno.Conn): Promise<void> {
    const decoder = new FrameDecoder();
    const buf = new Uint8Array(64 * 1024);
    try {
      for (;;) {
        const n = await conn.read(buf);
        if (n === null) break;
        for (const frame of decoder.push(buf.slice(0, n))) {
          if (frame.length < 4) throw new Error("short response frame");
          const correlationId = new DataView(frame.buffer, frame.byteOffset, 4).getInt32(0);
          const apiKey = this.inFlight.get(correlationId);
          if (apiKey === undefined) continue;
          this.inFlight.delete(correlationId);
          this.deliver(decodeRaftResponse(apiKey, frame, this.peerId, this.nodeId));
        }
      }
    } catch {
      // A broken or garbled connection: drop it, the core will retry.
    }
    this.drop(conn);
  }

  private drop(conn: Deno.Conn): void {
    if (this.conn !== conn) return;
    this.conn = null;
    this.writer = null;
    this.inFlight.clear();
    try {
      conn.close();
    } catch {
      // already closed
    }
  }

  close(): void {
    if (this.conn) this.drop(this.conn);
  }
}

interface Route {
  writer: Writer;
  apiVersion: number;
}

export class QuorumTransport {
  private listener: Deno.Listener | null = null;
  private readonly links = new Map<number, PeerLink>();
  /** "<from>/<correlationId>" of requests received -> where their response goes. */
  private readonly routes = new Map<string, Route>();
  private readonly inbound = new Set<Deno.Conn>();
  private anonymous = 0;
  private closed = false;
  /** Non-Raft requests (the controller's RPCs); unset: such a request closes the connection. */
  serveOther: ServeOther | null = null;

  constructor(
    readonly nodeId: number,
    readonly peers: ReadonlyMap<number, Endpoint>,
    private readonly deliver: (m: RaftMessage) => void,
  ) {
    for (const [id, ep] of peers) {
      if (id !== nodeId) this.links.set(id, new PeerLink(nodeId, id, ep, deliver));
    }
  }

  listen(endpoint: Endpoint): void {
    this.listener = Deno.listen({ hostname: endpoint.host, port: endpoint.port });
    this.acceptLoop(this.listener);
  }

  private async acceptLoop(listener: Deno.Listener): Promise<void> {
    try {
      for await (const conn of listener) {
        if (this.closed) {
          conn.close();
          break;
        }
        this.serve(conn);
      }
    } catch {
      // listener closed
    }
  }

  private async serve(conn: Deno.Conn): Promise<void> {
    this.inbound.add(conn);
    (conn as Deno.TcpConn).setNoDelay?.(true);
    const writer = new Writer(conn, () => {});
    const decoder = new FrameDecoder();
    const anonymousFrom = -(2 + (this.anonymous++ % 1_000_000));
    const keys: string[] = [];
    const buf = new Uint8Array(64 * 1024);
    try {
      for (;;) {
        const n = await conn.read(buf);
        if (n === null) break;
        for (const frame of decoder.push(buf.slice(0, n))) {
          if (frame.length >= 2 && !isRaftApiKey((frame[0] << 8) | frame[1])) {
            this.other(conn, writer, frame);
            continue;
          }
          const { msg, apiVersion } = decodeRaftRequest(frame, this.nodeId, anonymousFrom);
          const key = `${msg.from}/${msg.correlationId}`;
          this.routes.set(key, { writer, apiVersion });
          keys.push(key);
          if (keys.length > 4096) keys.splice(0, 2048).forEach((k) => this.routes.delete(k));
          this.deliver(msg);
        }
      }
    } catch {
      // A malformed frame closes the connection, as Kafka does.
    }
    for (const k of keys) {
      if (this.routes.get(k)?.writer === writer) this.routes.delete(k);
    }
    this.inbound.delete(conn);
    try {
      conn.close();
    } catch {
      // already closed
    }
  }

  private other(conn: Deno.Conn, writer: Writer, frame: Uint8Array): void {
    const serve = this.serveOther;
    if (serve === null) throw new Error("not a KRaft RPC");
    serve(frame).then((chunks) => {
      if (!this.closed) writer.write(concat(chunks));
    }, () => {
      // A request we cannot read closes the connection, as Kafka does.
      try {
        conn.close();
      } catch {
        // already closed
      }
    });
  }

  send(m: RaftMessage): void {
    if (this.closed) return;
    if (m.kind === "request") {
      this.links.get(m.to)?.send(m);
      return;
    }
    const key = `${m.to}/${m.correlationId}`;
    const route = this.routes.get(key);
    if (route === undefined) return;
    this.routes.delete(key);
    route.writer.write(concat(encodeRaftResponse(m as RaftResponse, route.apiVersion)));
  }

  close(): void {
    this.closed = true;
    this.listener?.close();
    for (const l of this.links.values()) l.close();
    for (const c of this.inbound) {
      try {
        c.close();
      } catch {
        // already closed
      }
    }
  }
}
