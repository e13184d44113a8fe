/**
 * The broker: wires config, the metadata log and image, the controller, the
 * partition logs and the Kafka listeners together, and shuts them down in the
 * reverse order. Handlers reach everything through it.
 *
 * Partition data is reached through `data`. Single-thread mode: a LocalDataPath
 * over this thread's ShardCore, which owns every partition, and the Broker's
 * own listener. With a data plane (workers/, the default): reactor workers own
 * the listeners and serve Produce/Fetch/ListOffsets, shard workers own the
 * partitions, this thread's ShardCore keeps only the internal topics (the group
 * coordinator's __consumer_offsets, through `partitions`), and `data` routes
 * to both. The Broker is a DataNode either way: the same handlers run here.
 *
 * Start-up: open the storage layer, start the metadata quorum (which replays
 * the committed metadata log into the image, creating partition logs as topics
 * appear), load consumer groups, start the data plane, listen, register this
 * node.
 * Shutdown: stop accepting, finish in-flight requests, flush, close.
 *
 * Roles: the default single node embeds a one-voter quorum and its own
 * Controller, and registers itself by writing its broker record (bootstrap).
 * In a cluster (process.roles=broker, an observer of the quorum; or a combined
 * node among several voters) `controller` is a RemoteController: admin writes
 * go to the active controller (locally when a combined node is it), the node
 * registers with BrokerRegistration and heartbeats; a combined voter also
 * serves the controller's RPCs on its quorum port (controller_rpc.ts).
 */
import { GroupCoordinator } from "../coordinator/mod.ts";
import { Controller } from "../metadata/controller.ts";
import { MetadataImage } from "../metadata/image.ts";
import type { MetadataRecord } from "../metadata/records.ts";
import { isInternalTopic } from "../metadata/topic_name.ts";
import { randomUuid } from "../protocol/uuid.ts";
import type { BrokerConfig, Endpoint } from "./config.ts";
import type { DataPath } from "./data_path.ts";
import { type DataPlane, type DataPlaneSpec, MAIN_OWNER_TAG } from "./data_plane.ts";
import { FetchSessionCache } from "./fetch_session.ts";
import { type DataNode, HandlerRegistry } from "./handler.ts";
import { allHandlers } from "./handlers/mod.ts";
import { KafkaListener } from "./listener.ts";
import { ControllerRpc } from "./controller_rpc.ts";
import { isClustered, MetadataQuorum } from "./metadata_quorum.ts";
import { type ClusterController, RemoteController } from "./remote_controller.ts";
import { RequestCounters, serveMetrics } from "./metrics.ts";
import { consoleLog, type Logger } from "./log.ts";
import { LocalDataPath } from "./local_data_path.ts";
import type { PartitionManager } from "./partitions.ts";
import { ShardCore } from "./shard_core.ts";

export interface BrokerOptions {
  logger?: Logger;
  /** Reactor and shard workers (main.ts builds it); absent: everything on this thread. */
  plane?: DataPlaneSpec;
}

export class Broker implements DataNode {
  image: MetadataImage = MetadataImage.empty;
  readonly registry = new HandlerRegistry(allHandlers);
  /** Where admin writes go: the local Controller, or the active controller of a cluster. */
  readonly controller: ClusterController;
  /** This node's own Controller (none on a broker-only node). */
  private readonly localController: Controller | null;
  /** Set in a cluster: forwards admin writes, registers and heartbeats. */
  private readonly remote: RemoteController | null;
  /** The partitions this thread hosts: all of them on a single thread, else the internal topics. */
  readonly core: ShardCore;
  /** Every partition-data operation of the handlers goes through here. */
  data: DataPath;
  /**
   * With reactor workers, they keep the fetch sessions; fetches reaching this
   * thread (internal topics) are served sessionless (0 slots: sessions declined).
   */
  readonly fetchSessions: FetchSessionCache;
  readonly requestCounters = new RequestCounters();
  private metrics: { port: number; stop: () => Promise<void> } | null = null;
  /** Consumer groups and committed offsets (__consumer_offsets). */
  readonly groups: GroupCoordinator;
  /** The metadata log: a Raft quorum (one voter on a single node). */
  quorum: MetadataQuorum | null = null;
  private listener: KafkaListener | null = null;
  private plane: DataPlane | null = null;
  /** The endpoints actually bound (port 0 resolved). */
  boundListeners: Endpoint[] = [];
  readonly log: Logger;

  private constructor(readonly config: BrokerConfig, private readonly opts: BrokerOptions) {
    this.log = opts.logger ?? consoleLog("broker");
    const plane = opts.plane;
    this.core = plane
      ? new ShardCore(config, this.log, () => this.image, (topic) => isInternalTopic(topic), {
        tag: MAIN_OWNER_TAG,
        liveTags: [MAIN_OWNER_TAG, ...plane.shardOwnerTags],
      })
      : new ShardCore(config, this.log, () => this.image);
    // A node whose metadata log may be behind the quorum at start reconciles fully only once caught up.
    if (isClustered(config)) this.core.partitions.holdDeletes();
    this.fetchSessions = plane && plane.reactors > 0
      ? new FetchSessionCache(0)
      : new FetchSessionCache();
    this.data = new LocalDataPath(this.core);
    this.localController = config.roles === "broker" ? null : new Controller(
      { append: (records) => this.quorum!.append(records) },
      () => this.image,
      {
        nodeId: config.nodeId,
        defaultPartitions: config.numPartitions,
        defaultReplicationFactor: config.defaultReplicationFactor,
        liveBrokers: () => [...this.image.brokers.keys()],
      },
    );
    this.remote = isClustered(config)
      ? new RemoteController({
        nodeId: config.nodeId,
        quorum: () => this.quorum!,
        local: this.localController,
        heartbeatIntervalMs: config.brokerHeartbeatIntervalMs,
        logger: this.log,
      })
      : null;
    this.controller = this.remote ?? this.localController!;
    this.groups = new GroupCoordinator({
      nodeId: config.nodeId,
      props: config.props,
      image: () => this.image,
      logs: this.partitions,
      controller: this.controller,
      logger: this.log,
    });
  }

  /** The partition logs: the group coordinator's access to __consumer_offsets. */
  get partitions(): PartitionManager {
    return this.core.partitions;
  }

  /** Responses wait until the workers have the metadata committed so far (ConnectionHost). */
  settled(): Promise<void> | null {
    return this.plane?.caughtUp() ?? null;
  }

  /** What handlers receive as `ctx.broker` (the connection host's node). */
  get node(): Broker {
    return this;
  }

  get clusterId(): string {
    return this.image.clusterId ?? "";
  }

  static async start(config: BrokerConfig, opts: BrokerOptions = {}): Promise<Broker> {
    const b = new Broker(config, opts);
    await b.startUp();
    return b;
  }

  private async startUp(): Promise<void> {
    const started = performance.now();
    await this.core.open();
    this.quorum = new MetadataQuorum(
      this.config,
      {
        apply: (records, lastOffset) => this.applyCommitted(records, lastOffset),
        load: (records, endOffset) => {
          // A snapshot replaces the image; reconciling the logs drops what it no longer has.
          const before = this.image;
          this.image = MetadataImage.empty.apply(records, endOffset - 1);
          this.core.onSnapshot(before);
          this.plane?.publish(records, endOffset - 1, true);
        },
        snapshot: () => this.image.toRecords(),
      },
      this.log,
      this.remote && this.localController ? this.controllerRpc() : undefined,
    );
    await this.quorum.start();
    await this.core.partitions.releaseDeletes();
    await this.groups.load();

    if (this.opts.plane) {
      this.plane = await this.opts.plane.start(this, this.data);
      this.data = this.plane.data;
    }
    const bound = await this.plane?.listen(this.config.listeners) ?? null;
    if (bound !== null) this.boundListeners = bound;
    else {
      this.listener = new KafkaListener(this, this.log);
      this.boundListeners = this.listener.start(this.config.listeners);
    }
    const metricsListener = this.config.props.get("metrics.listener");
    if (metricsListener) {
      this.metrics = serveMetrics(this, metricsListener);
      this.log.info(
        `metrics on http://${metricsListener.replace(/:\d+$/, "")}:${this.metrics.port}/metrics`,
      );
    }
    const adv = this.advertisedEndpoint();
    const rack = this.config.props.get("broker.rack") ?? null;
    if (this.remote) {
      await this.remote.register({
        clusterId: this.config.clusterId,
        host: adv.host,
        port: adv.port,
        rack,
      });
    } else {
      await this.localController!.bootstrap(
        this.config.clusterId ?? this.image.clusterId ?? randomUuid(),
        { host: adv.host, port: adv.port, rack },
      );
    }
    await this.core.sync();
    this.log.info(
      `Runnel started in ${
        Math.round(performance.now() - started)
      } ms: node.id=${this.config.nodeId} cluster.id=${this.clusterId} ` +
        `listeners=${
          this.boundListeners.map((l) => `${l.name}://${l.host}:${l.port}`).join(",")
        } ` +
        `advertised=${adv.host}:${adv.port} log.dirs=${
          this.config.logDirs.join(",")
        } config=${this.config.source} ` +
        `topics=${this.image.topicsByName.size} data path: ${
          this.plane?.description ?? "single thread"
        }`,
    );
  }

  /** Brings request counters and connection counts kept by workers up to date (metrics). */
  async refreshStats(): Promise<void> {
    await this.plane?.refreshStats();
  }

  get connectionCount(): number {
    return (this.plane?.connectionCount ?? 0) + (this.listener?.connectionCount ?? 0);
  }

  /** The advertised address of the first listener (a configured port 0 resolves to the bound one). */
  advertisedEndpoint(): Endpoint {
    const adv = this.config.advertisedListeners[0];
    const bound = this.boundListeners.find((l) => l.name === adv.name) ?? this.boundListeners[0];
    return { ...adv, port: adv.port === 0 && bound ? bound.port : adv.port };
  }

  /** A combined voter's controller RPCs, served on its quorum port. */
  private controllerRpc() {
    return new ControllerRpc({
      controller: this.localController!,
      quorum: () => this.quorum,
      image: () => this.image,
      logger: this.log,
    }).serve;
  }

  /** The one path by which metadata changes: committed records, in order. */
  private applyCommitted(records: readonly MetadataRecord[], lastOffset: number): void {
    const before = this.image;
    this.image = before.apply(records, lastOffset);
    this.core.onMetadata(records, before);
    this.plane?.publish(records, lastOffset, false);
  }

  async shutdown(): Promise<void> {
    this.log.info("shutting down: closing listeners, finishing in-flight requests");
    this.groups.close();
    this.remote?.close();
    await this.listener?.stop();
    await this.plane?.stop();
    await this.metrics?.stop();
    await this.core.close();
    this.quorum?.close();
    this.log.info("shut down cleanly");
  }
}
