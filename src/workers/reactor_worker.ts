/**
 * The reactor worker module: binds the Kafka listeners with SO_REUSEPORT
 * (every reactor on the same port; the kernel spreads connections), runs the
 * connection pipeline (framing, decoding, in-order responses, backpressure),
 * and serves Produce, Fetch and ListOffsets itself over a RingDataPath to the
 * shards. Everything else (Metadata, groups, admin, ApiVersions) and any
 * Fetch/ListOffsets naming an internal topic (those partitions live on the
 * main thread) is forwarded to the main thread as the raw frame, whose
 * encoded response comes back; the connection still answers in order.
 *
 * It keeps a replica of the metadata image from the main thread's "metadata"
 * messages (acknowledged with the offset applied), its own fetch-session
 * cache, and request counters it reports every second.
 */
import { isInternalTopic } from "../metadata/topic_name.ts";
import type { FetchRequest, ListOffsetsRequest } from "../protocol/generated/mod.ts";
import type { Endpoint } from "../server/config.ts";
import type { ClientInfo, ConnectionHost } from "../server/connection.ts";
import { FetchSessionCache } from "../server/fetch_session.ts";
import {
  type ApiRange,
  CloseConnection,
  type DataNode,
  type Handler,
  HandlerRegistry,
} from "../server/handler.ts";
import { dataHandlers } from "../server/handlers/data_handlers.ts";
import { KafkaListener } from "../server/listener.ts";
import { consoleLog } from "../server/log.ts";
import { RequestCounters } from "../server/metrics.ts";
import { LOCAL, RingDataPath } from "./ring_data_path.ts";
import { ShardLink } from "./shard_link.ts";
import {
  MetadataReplica,
  type MetadataUpdate,
  type PlaneWorkerInit,
  workerConfig,
} from "./metadata_replica.ts";
import { ShardTable } from "./shard_table.ts";
import { runWorker } from "./worker_runtime.ts";

export interface ReactorInit extends PlaneWorkerInit {
  readonly reactorCount: number;
  readonly toShard: readonly SharedArrayBuffer[];
  readonly fromShard: readonly SharedArrayBuffer[];
  /** Listeners with their ports resolved (every reactor binds the same ones). */
  readonly listeners: readonly Endpoint[];
  /** Every API the broker serves (the main thread's registry): the versions to accept. */
  readonly apis: readonly ApiRange[];
}

/** Reactor -> main. */
export type ReactorReport =
  | {
    readonly t: "forward";
    readonly id: number;
    readonly frame: ArrayBuffer;
    readonly connectionId: number;
    readonly clientHost: string;
  }
  | { readonly t: "stats"; readonly counters: [number, number][]; readonly connections: number }
  | { readonly t: "applied"; readonly offset: number };

/** Main -> reactor, besides metadata. */
export type ToReactor =
  | {
    readonly t: "forwarded";
    readonly id: number;
    readonly response: ArrayBuffer | null;
    /** Set when the connection must close instead. */
    readonly close: string | null;
  }
  /** Report stats now (a metrics scrape). */
  | { readonly t: "stats" };

export type Forwarded = Extract<ToReactor, { t: "forwarded" }>;

const statsEveryMs = 1000;
const FETCH = 1;
const LIST_OFFSETS = 2;

runWorker<ReactorInit>((ctx) => {
  const init = ctx.data;
  const log = consoleLog(`reactor-${ctx.index}`);
  const config = workerConfig(init);
  const table = new ShardTable(init.shardCount);
  const replica = new MetadataReplica(init.metadata);
  const links = init.toShard.map((t, s) => new ShardLink(t, init.fromShard[s], s));
  const data = new RingDataPath(
    links,
    (topic, partition) => isInternalTopic(topic) ? LOCAL : table.shardOf(topic, partition),
  );
  const node: DataNode = {
    get image() {
      return replica.image;
    },
    config,
    data,
    fetchSessions: new FetchSessionCache(),
  };
  const requestCounters = new RequestCounters();
  const local = new Set(dataHandlers.map((h) => h.apiKey));
  // The data handlers run here; every other API only needs its versions (it is forwarded), so
  // the reactor does not load the group coordinator and admin code at all.
  const forwardedOnly = init.apis.filter((a) => !local.has(a.apiKey)).map((
    a,
  ): Handler<DataNode> => ({
    ...a,
    handle: () => {
      throw new Error(`api ${a.apiKey} is served by the main thread`);
    },
  }));
  const registry = new HandlerRegistry<DataNode>([...dataHandlers, ...forwardedOnly]);

  /** Internal topics' partitions live on the main thread: such requests go there whole. */
  const namesInternal = (apiKey: number, body: unknown): boolean => {
    if (apiKey === FETCH) {
      return (body as FetchRequest).topics.some((t) =>
        isInternalTopic(t.topic) || isInternalTopic(replica.image.topicById(t.topicId)?.name ?? "")
      );
    }
    if (apiKey === LIST_OFFSETS) {
      return (body as ListOffsetsRequest).topics.some((t) => isInternalTopic(t.name));
    }
    return false;
  };

  const waiting = new Map<
    number,
    { resolve(r: Uint8Array[] | null): void; reject(e: Error): void }
  >();
  let nextForwardId = 1;
  const host: ConnectionHost = {
    config,
    requestCounters,
    registry,
    node,
    forward(apiKey: number, body: unknown, frame: Uint8Array, client: ClientInfo) {
      if (local.has(apiKey) && !namesInternal(apiKey, body)) return null;
      const id = nextForwardId++;
      const copy = frame.slice().buffer as ArrayBuffer;
      const report: ReactorReport = { t: "forward", id, frame: copy, ...client };
      ctx.report(report, [copy]);
      return new Promise((resolve, reject) => waiting.set(id, { resolve, reject }));
    },
  };

  const listener = new KafkaListener(host, log, {
    reusePort: true,
    idStart: ctx.index + 1,
    idStep: init.reactorCount,
    maxConnections: Math.max(1, Math.ceil(config.maxConnections / init.reactorCount)),
  });
  listener.start(init.listeners);
  const stats = () => {
    const r: ReactorReport = {
      t: "stats",
      counters: requestCounters.entries(),
      connections: listener.connectionCount,
    };
    ctx.report(r);
  };
  const statsTimer = setInterval(stats, statsEveryMs);

  return {
    onApp(msg: unknown) {
      const m = msg as MetadataUpdate | ToReactor;
      if (m.t === "stats") {
        stats();
        return;
      }
      if (m.t === "forwarded") {
        const w = waiting.get(m.id);
        if (!w) return;
        waiting.delete(m.id);
        if (m.close !== null) w.reject(new CloseConnection(m.close));
        else w.resolve(m.response === null ? null : [new Uint8Array(m.response)]);
        return;
      }
      replica.apply(m);
      const r: ReactorReport = { t: "applied", offset: m.lastOffset };
      ctx.report(r);
    },
    async onShutdown(graceMs: number) {
      await listener.stop(graceMs);
      clearInterval(statsTimer);
      stats();
      for (const l of links) l.close();
    },
    health: () => ({ partitions: 0, inFlight: listener.connectionCount }),
  };
});
