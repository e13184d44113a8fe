/**
 * Kafka listeners: accept connections on every configured endpoint, bound the
 * number of connections (`max.connections`), reap idle ones
 * (`connections.max.idle.ms`), and on shutdown stop accepting, let in-flight
 * requests finish, then close.
 */
import { Connection } from "./connection.ts";
import type { Broker } from "./broker.ts";
import type { Endpoint } from "./config.ts";
import type { HandlerRegistry } from "./handler.ts";
import type { Logger } from "./log.ts";

export class KafkaListener {
  private readonly listeners: Deno.Listener[] = [];
  private readonly connections = new Set<Connection>();
  private nextId = 1;
  private reaper: ReturnType<typeof setInterval> | undefined;
  private stopping = false;

  constructor(
    private readonly broker: Broker,
    private readonly registry: HandlerRegistry,
    private readonly log: Logger,
  ) {}

  /** Binds every endpoint; returns the bound ones (port 0 becomes the real port). */
  start(endpoints: readonly Endpoint[]): Endpoint[] {
    const bound: Endpoint[] = [];
    for (const ep of endpoints) {
      const l = Deno.listen({ hostname: ep.host || "0.0.0.0", port: ep.port, transport: "tcp" });
      this.listeners.push(l);
      bound.push({ ...ep, port: (l.addr as Deno.NetAddr).port });
      this.acceptLoop(l);
    }
    const idleMs = this.broker.config.connectionsMaxIdleMs;
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
        if (this.connections.size >= this.broker.config.maxConnections) {
          this.log.warn(
            `refusing a connection: max.connections (${this.broker.config.maxConnections}) reached`,
          );
          conn.close();
          continue;
        }
        try {
          (conn as Deno.TcpConn).setNoDelay(true);
        } catch {
          // not a TCP socket
        }
        const c = new Connection(conn, this.nextId++, this.broker, this.registry, this.log);
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
