/**
 * Kafka listeners: accept connections on every configured endpoint, bound the
 * number of connections (`max.connections`), reap idle ones
 * (`connections.max.idle.ms`), and on shutdown stop accepting, let in-flight
 * requests finish, then close.
 */
import { Connection, type ConnectionHost } from "./connection.ts";
import type { Endpoint } from "./config.ts";
import type { Logger } from "./log.ts";

export interface ListenerOptions {
  /** Bind with SO_REUSEPORT, so several reactor workers accept on one port. */
  readonly reusePort?: boolean;
  /** Connection ids start here and step by `idStep`: unique across reactors. */
  readonly idStart?: number;
  readonly idStep?: number;
  /** This listener's share of max.connections. */
  readonly maxConnections?: number;
}

export class KafkaListener {
  private readonly listeners: Deno.Listener[] = [];
  private readonly connections = new Set<Connection>();
  private nextId: number;
  private readonly maxConnections: number;
  private reaper: ReturnType<typeof setInterval> | undefined;
  private stopping = false;

  constructor(
    private readonly host: ConnectionHost,
    private readonly log: Logger,
    private readonly opts: ListenerOptions = {},
  ) {
    this.nextId = opts.idStart ?? 1;
    this.maxConnections = opts.maxConnections ?? host.config.maxConnections;
  }

  /** Binds every endpoint; returns the bound ones (port 0 becomes the real port). */
  start(endpoints: readonly Endpoint[]): Endpoint[] {
    const bound: Endpoint[] = [];
    for (const ep of endpoints) {
      const l = Deno.listen({
        hostname: ep.host || "0.0.0.0",
        port: ep.port,
        transport: "tcp",
        ...(this.opts.reusePort ? { reusePort: true } : {}),
      });
      this.listeners.push(l);
      bound.push({ ...ep, port: (l.addr as Deno.NetAddr).port });
      this.acceptLoop(l);
    }
    const idleMs = this.host.config.connectionsMaxIdleMs;
    if (idleMs > 0) {
      this.reaper = setInterval(() => {
        const now = Date.now();
        for (const c of this.connections) {
          if (c.idleMs(now) > idleMs) {
            this.log.info(`closing connection ${c.id}: idle for more than ${idleMs} ms`);
            c.close();
          }
        }
      }, Math.min(idleMs, 10_000));
    }
    return bound;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  private async acceptLoop(l: Deno.Listener): Promise<void> {
    try {
      for await (const conn of l) {
        if (this.stopping) {
          conn.close();
          continue;
        }
        if (this.connections.size >= this.maxConnections) {
          this.log.warn(
            `refusing a connection: max.connections (${this.host.config.maxConnections}) reached`,
          );
          conn.close();
          continue;
        }
        try {
          (conn as Deno.TcpConn).setNoDelay(true);
        } catch {
          // not a TCP socket
        }
        const c = new Connection(conn, this.nextId, this.host, this.log);
        this.nextId += this.opts.idStep ?? 1;
        this.connections.add(c);
        c.run().finally(() => this.connections.delete(c));
      }
    } catch (e) {
      if (!this.stopping) this.log.error(`listener failed: ${e}`);
    }
  }

  /** Stops accepting, waits (bounded) for in-flight requests, closes every connection. */
  async stop(graceMs = 5000): Promise<void> {
    this.stopping = true;
    if (this.reaper !== undefined) clearInterval(this.reaper);
    for (const l of this.listeners) {
      try {
        l.close();
      } catch {
        // already closed
      }
    }
    const drained = Promise.all([...this.connections].map((c) => c.drain()));
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([drained, new Promise((r) => (timer = setTimeout(r, graceMs)))]);
    clearTimeout(timer);
    for (const c of this.connections) c.close();
  }
}

/**
 * Resolves listener ports of 0 to free ports several reactors can then all
 * bind (SO_REUSEPORT): the port is held by a socket of ours until `release()`,
 * to be called once the reactors listen. Connections reaching that socket in
 * between are refused by closing it: it never accepts.
 */
export function reservePorts(
  endpoints: readonly Endpoint[],
): { resolved: Endpoint[]; release: () => void } {
  const held: Deno.Listener[] = [];
  const resolved = endpoints.map((ep) => {
    if (ep.port !== 0) return ep;
    const l = Deno.listen({ hostname: ep.host || "0.0.0.0", port: 0, reusePort: true });
    held.push(l);
    return { ...ep, port: (l.addr as Deno.NetAddr).port };
  });
  return { resolved, release: () => held.forEach((l) => l.close()) };
}
