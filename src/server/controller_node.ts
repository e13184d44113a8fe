/**
 * A controller-only node (process.roles=controller): a metadata-quorum voter
 * that keeps the metadata image from the committed log and serves no Kafka
 * clients. Combined nodes (the default) embed the same quorum in the Broker.
 */
import { MetadataImage } from "../metadata/image.ts";
import type { BrokerConfig } from "./config.ts";
import { consoleLog, type Logger } from "./log.ts";
import { MetadataQuorum } from "./metadata_quorum.ts";

export class ControllerNode {
  image: MetadataImage = MetadataImage.empty;
  readonly quorum: MetadataQuorum;

  private constructor(readonly config: BrokerConfig, private readonly log: Logger) {
    this.quorum = new MetadataQuorum(config, {
      apply: (records, lastOffset) => (this.image = this.image.apply(records, lastOffset)),
      load: (
        records,
        endOffset,
      ) => (this.image = MetadataImage.empty.apply(records, endOffset - 1)),
      snapshot: () => this.image.toRecords(),
    }, log);
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
