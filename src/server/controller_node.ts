/**
 * A controller-only node (process.roles=controller): a metadata-quorum voter
 * that keeps the metadata image from the committed log and serves no Kafka
 * clients. On its quorum port it also serves what brokers send the active
 * controller (controller_rpc.ts: BrokerRegistration, BrokerHeartbeat and the
 * forwarded admin writes), through its own Controller; while it is not the
 * active controller those answer NOT_CONTROLLER. Combined nodes (the
 * default) embed the same quorum and Controller in the Broker.
 * Not implemented: broker fencing, controller registration (KIP-919).
 */
import { Controller } from "../metadata/controller.ts";
import { MetadataImage } from "../metadata/image.ts";
import type { BrokerConfig } from "./config.ts";
import { ControllerRpc } from "./controller_rpc.ts";
import { consoleLog, type Logger } from "./log.ts";
import { MetadataQuorum } from "./metadata_quorum.ts";

export class ControllerNode {
  image: MetadataImage = MetadataImage.empty;
  readonly quorum: MetadataQuorum;
  readonly controller: Controller;

  private constructor(readonly config: BrokerConfig, private readonly log: Logger) {
    this.controller = new Controller(
      { append: (records) => this.quorum.append(records) },
      () => this.image,
      {
        nodeId: config.nodeId,
        defaultPartitions: config.numPartitions,
        defaultReplicationFactor: config.defaultReplicationFactor,
        liveBrokers: () => [...this.image.brokers.keys()],
      },
    );
    const rpc = new ControllerRpc({
      controller: this.controller,
      quorum: () => this.quorum,
      image: () => this.image,
      logger: log,
    });
    this.quorum = new MetadataQuorum(
      config,
      {
        apply: (records, lastOffset) => (this.image = this.image.apply(records, lastOffset)),
        load: (
          records,
          endOffset,
        ) => (this.image = MetadataImage.empty.apply(records, endOffset - 1)),
        snapshot: () => this.image.toRecords(),
      },
      log,
      rpc.serve,
    );
  }

  static async start(
    config: BrokerConfig,
    logger: Logger = consoleLog("controller"),
  ): Promise<ControllerNode> {
    const node = new ControllerNode(config, logger);
    await node.quorum.start();
    logger.info(
      `Runnel controller started: node.id=${config.nodeId} voters=${
        config.props.get("controller.quorum.voters")
      } ` +
        `metadata.log.dir=${
          config.props.get("metadata.log.dir") ?? config.logDirs[0]
        } config=${config.source}`,
    );
    return node;
  }

  shutdown(): void {
    this.log.info("shutting down: resigning metadata leadership");
    this.quorum.close();
  }
}
