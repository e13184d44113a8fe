/**
 * The main thread's side of the multi-core data plane: starts the shard
 * workers (partitions) and then the reactor workers (listeners), builds the
 * ring mesh between them (the main thread is one more ring client of every
 * shard, for the admin and group APIs it serves), replicates committed
 * metadata to every worker, serves the requests reactors forward, and stops
 * them in order (reactors drain first, then shards flush).
 *
 * Read-your-writes across threads: a forwarded response is sent only once
 * every worker has applied all metadata published so far, so a client that
 * created a topic can produce to it through any reactor and shard at once.
 *
 * Rings: two per (client, shard) pair, each at least 4 MiB and large enough
 * that one batch of message.max.bytes (plus framing) fits in half of it.
 * Listener ports of 0 are resolved by binding the port once here (with
 * SO_REUSEPORT) so every reactor binds the same one; that socket closes as
 * soon as the reactors listen.
 */
import { ringBytes as ringBytesDefault, ringBytesMax } from "../base/limits.ts";
import { isInternalTopic } from "../metadata/topic_name.ts";
import type { MetadataRecord } from "../metadata/records.ts";
import type { Endpoint } from "../server/config.ts";
import { serveFrame } from "../server/connection.ts";
import { reservePorts } from "../server/listener.ts";
import {
  type DataPlane,
  type DataPlaneHost,
  type DataPlaneSpec,
  MAIN_OWNER_TAG,
} from "../server/data_plane.ts";
import type { DataPath } from "../server/data_path.ts";
import type { Forwarded, ReactorInit, ReactorReport, ToReactor } from "./reactor_worker.ts";
import { reactorWorkerModule, shardWorkerModule } from "./prespawn.ts";
import { LOCAL, RingDataPath } from "./ring_data_path.ts";
import { ShardLink } from "./shard_link.ts";
import type { MetadataUpdate } from "./metadata_replica.ts";
import type { ShardInit } from "./shard_worker.ts";
import { ShardTable, type WorkerCounts } from "./shard_table.ts";
import { buildMesh, Supervisor, type WorkerHandle } from "./supervisor.ts";

/** Ring bytes for a largest batch of `messageMaxBytes`: a power of two, >= the default. */
/** How long a metrics scrape waits for the reactors' fresh counts. */
const statsWaitMs = 500;
/** Kafka's default message.max.bytes. */
const messageMaxBytesDefault = 1_048_588;

export function ringBytesFor(messageMaxBytes: number): number {
  let n = ringBytesDefault;
  while (n / 2 < messageMaxBytes + 64 * 1024 && n < ringBytesMax) n *= 2;
  return n;
}

/** The owner tag of shard `i`'s storage files. */
const shardOwnerTag = (i: number) => `shard-${i}`;

export function workerPlane(counts: WorkerCounts): DataPlaneSpec {
  return {
    shardOwnerTags: Array.from({ length: counts.shards }, (_, i) => shardOwnerTag(i)),
    reactors: counts.reactors,
    start: async (host: DataPlaneHost, local: DataPath): Promise<DataPlane> => {
      const plane = new WorkerPlane(host, counts, local);
      await plane.startShards();
      return plane;
    },
  };
}

class WorkerPlane implements DataPlane {
  readonly data: RingDataPath;
  private readonly supervisor: Supervisor;
  private readonly mesh: ReturnType<typeof buildMesh>;
  private readonly table: ShardTable;
  private readonly mainLinks: ShardLink[];
  private readonly workers: WorkerHandle[] = [];
  private readonly applied = new Map<WorkerHandle, number>();
  private readonly connections = new Map<WorkerHandle, number>();
  private readonly counted = new Map<WorkerHandle, Map<number, number>>();
  private published = -1;
  private waiters: { offset: number; resolve(): void }[] = [];
  private statsWaiters: { left: Set<WorkerHandle>; resolve(): void }[] = [];
  private reactors: WorkerHandle[] = [];
  private offlineTimer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly host: DataPlaneHost,
    private readonly counts: WorkerCounts,
    local: DataPath,
  ) {
    this.supervisor = new Supervisor({ logger: host.log });
    const ringBytes = ringBytesFor(
      Number(host.config.props.get("message.max.bytes") ?? messageMaxBytesDefault),
    );
    // Client index counts.reactors is the main thread.
    this.mesh = buildMesh(counts.reactors + 1, counts.shards, ringBytes);
    this.table = new ShardTable(counts.shards);
    const mine = this.mesh.reactors[counts.reactors];
    this.mainLinks = mine.toShard.map((t, s) => new ShardLink(t, mine.fromShard[s], s));
    this.data = new RingDataPath(
      this.mainLinks,
      (topic, partition) => isInternalTopic(topic) ? LOCAL : this.table.shardOf(topic, partition),
      local,
    );
  }

  private snapshotUpdate(): MetadataUpdate {
    const img = this.host.image;
    return { t: "metadata", records: img.toRecords(), lastOffset: img.offset, snapshot: true };
  }

  private props(): [string, string][] {
    return [...this.host.config.props];
  }

  async startShards(): Promise<void> {
    const metadata = this.snapshotUpdate();
    this.published = metadata.lastOffset;
    const shards = await this.supervisor.start<ShardInit>({
      group: "shard",
      module: shardWorkerModule,
      count: this.counts.shards,
      init: (i) => ({
        props: this.props(),
        source: this.host.config.source,
        shardCount: this.counts.shards,
        ownerTag: shardOwnerTag(i),
        liveOwnerTags: [
          MAIN_OWNER_TAG,
          ...Array.from({ length: this.counts.shards }, (_, j) => shardOwnerTag(j)),
        ],
        fromClient: this.mesh.shards[i].fromReactor,
        toClient: this.mesh.shards[i].toReactor,
        metadata,
      }),
    });
    for (const h of shards) this.adopt(h, metadata.lastOffset);
    // Metadata reports which partitions are offline from the shards' last answer.
    void this.data.refreshOffline().catch(() => {});
    this.offlineTimer = setInterval(() => void this.data.refreshOffline().catch(() => {}), 2000);
  }

  private adopt(h: WorkerHandle, offset: number): void {
    this.workers.push(h);
    this.applied.set(h, offset);
    h.onReport((data) => this.onReport(h, data as ReactorReport));
  }

  async listen(endpoints: readonly Endpoint[]): Promise<Endpoint[] | null> {
    if (this.counts.reactors === 0) return null;
    const { resolved, release } = reservePorts(endpoints);
    try {
      const metadata = this.snapshotUpdate();
      const reactors = await this.supervisor.start<ReactorInit>({
        group: "reactor",
        module: reactorWorkerModule,
        count: this.counts.reactors,
        init: (i) => ({
          props: this.props(),
          source: this.host.config.source,
          shardCount: this.counts.shards,
          reactorCount: this.counts.reactors,
          toShard: this.mesh.reactors[i].toShard,
          fromShard: this.mesh.reactors[i].fromShard,
          metadata,
          listeners: resolved,
          apis: this.host.registry.advertised(),
        }),
      });
      for (const h of reactors) this.adopt(h, metadata.lastOffset);
      this.reactors = reactors;
    } finally {
      release();
    }
    return resolved;
  }

  publish(records: readonly MetadataRecord[], lastOffset: number, snapshot: boolean): void {
    this.published = Math.max(this.published, lastOffset);
    const update: MetadataUpdate = { t: "metadata", records, lastOffset, snapshot };
    for (const h of this.workers) h.post(update);
  }

  /** Null when every worker has applied everything published so far; else resolves when they have. */
  caughtUp(): Promise<void> | null {
    const target = this.published;
    if (this.lowestApplied() >= target) return null;
    return new Promise((resolve) => this.waiters.push({ offset: target, resolve }));
  }

  private lowestApplied(): number {
    let low = Infinity;
    for (const w of this.workers) low = Math.min(low, this.applied.get(w) ?? -1);
    return low;
  }

  private onReport(h: WorkerHandle, r: ReactorReport): void {
    switch (r.t) {
      case "applied": {
        this.applied.set(h, Math.max(this.applied.get(h) ?? -1, r.offset));
        const low = this.lowestApplied();
        const ready = this.waiters.filter((w) => w.offset <= low);
        this.waiters = this.waiters.filter((w) => w.offset > low);
        for (const w of ready) w.resolve();
        return;
      }
      case "stats": {
        for (const w of this.statsWaiters) {
          w.left.delete(h);
          if (w.left.size === 0) w.resolve();
        }
        this.statsWaiters = this.statsWaiters.filter((w) => w.left.size > 0);
        this.connections.set(h, r.connections);
        const before = this.counted.get(h) ?? new Map<number, number>();
        for (const [key, n] of r.counters) {
          const delta = n - (before.get(key) ?? 0);
          if (delta > 0) this.host.requestCounters.add(key, delta);
          before.set(key, n);
        }
        this.counted.set(h, before);
        return;
      }
      case "forward":
        void this.serveForwarded(h, r);
        return;
    }
  }

  private async serveForwarded(
    h: WorkerHandle,
    r: Extract<ReactorReport, { t: "forward" }>,
  ): Promise<void> {
    let reply: Forwarded;
    try {
      const out = await serveFrame(this.host, new Uint8Array(r.frame), {
        connectionId: r.connectionId,
        clientHost: r.clientHost,
      });
      await this.caughtUp();
      if ("close" in out) reply = { t: "forwarded", id: r.id, response: null, close: out.close };
      else {
        const chunks = out.response;
        let buf: ArrayBuffer | null = null;
        if (chunks !== null) {
          const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
          let at = 0;
          for (const c of chunks) {
            all.set(c, at);
            at += c.length;
          }
          buf = all.buffer as ArrayBuffer;
        }
        reply = { t: "forwarded", id: r.id, response: buf, close: null };
      }
    } catch (e) {
      this.host.log.error(
        `forwarded request from connection ${r.connectionId} failed: ${
          e instanceof Error ? e.stack ?? e.message : e
        }`,
      );
      reply = { t: "forwarded", id: r.id, response: null, close: "internal error" };
    }
    h.post(reply, reply.response ? [reply.response] : []);
  }

  get description(): string {
    const n = (k: number, what: string) => `${k} ${what}${k === 1 ? "" : "s"}`;
    const net = this.counts.reactors === 0
      ? "connections on the main thread"
      : n(this.counts.reactors, "reactor");
    return `${net}, ${n(this.counts.shards, "shard")}`;
  }

  refreshStats(): Promise<void> {
    if (this.reactors.length === 0) return Promise.resolve();
    const asked = new Promise<void>((resolve) => {
      this.statsWaiters.push({ left: new Set(this.reactors), resolve });
    });
    const ask: ToReactor = { t: "stats" };
    for (const h of this.reactors) h.post(ask);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, statsWaitMs)));
    return Promise.race([asked, bound]).finally(() => clearTimeout(timer));
  }

  get connectionCount(): number {
    let n = 0;
    for (const c of this.connections.values()) n += c;
    return n;
  }

  async stop(graceMs = 5000): Promise<void> {
    if (this.offlineTimer !== undefined) clearInterval(this.offlineTimer);
    await this.supervisor.stop(graceMs);
    for (const l of this.mainLinks) l.close();
  }
}
