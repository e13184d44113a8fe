/**
 * The metadata log as a Raft quorum (KRaft): the controller's records are
 * appended through a QuorumNode and reach the metadata image only once
 * committed, through the same apply path a restart's replay takes. The image
 * is the quorum's state machine; snapshots of it (its records) bound replay.
 *
 * A single node is a one-voter quorum that commits on its own fsync and needs
 * no quorum listener. With `controller.quorum.voters` naming several voters
 * the node listens for quorum RPCs on its own voter address.
 */
import { batches, decodeBatchRecords } from "../protocol/records/batch.ts";
import type { DescribeQuorumResponse } from "../protocol/generated/describe_quorum.ts";
import type { MetadataLog } from "../metadata/controller.ts";
import { decodeRecord, encodeRecord, type MetadataRecord } from "../metadata/records.ts";
import type { LogBatch, SnapshotId } from "../raft/types.ts";
import type { BrokerConfig } from "./config.ts";
import { ConfigError } from "./config.ts";
import type { Logger } from "./log.ts";
import { parseVoters, QuorumNode } from "./quorum_node.ts";

export interface MetadataStateMachine {
  /** Committed records, in order; `lastOffset` is the offset of the last one. */
  apply(records: readonly MetadataRecord[], lastOffset: number): void;
  /** Replaces the state with a snapshot's records (ending before `endOffset`). */
  load(records: readonly MetadataRecord[], endOffset: number): void;
  /** The current state as records, for a snapshot. */
  snapshot(): MetadataRecord[];
}

/** Records applied between metadata snapshots (Kafka's metadata.log.max.snapshot.interval, by records). */
const snapshotEveryOffsets = 20_000;
/** How long start-up waits for this node (or another voter) to lead the quorum. */
const leaderWaitMs = 30_000;

export class MetadataQuorum implements MetadataLog {
  readonly node: QuorumNode;
  private readonly single: boolean;

  constructor(config: BrokerConfig, sm: MetadataStateMachine, private readonly log: Logger) {
    const spec = config.props.get("controller.quorum.voters");
    const voters = spec
      ? parseVoters(spec)
      : new Map([[config.nodeId, { host: "127.0.0.1", port: 0 }]]);
    if (!voters.has(config.nodeId)) {
      throw new ConfigError(`controller.quorum.voters does not name node.id ${config.nodeId}`);
    }
    this.single = voters.size === 1;
    this.node = new QuorumNode({
      nodeId: config.nodeId,
      voters,
      listen: this.single ? null : undefined,
      dataDir: config.props.get("metadata.log.dir") ?? config.logDirs[0],
      snapshotEveryOffsets,
      stateMachine: {
        apply: (batch: LogBatch) => {
          const records: MetadataRecord[] = [];
          for (const b of batches(batch.bytes)) {
            if (b.isControl) continue;
            for (const r of decodeBatchRecords(b)) {
              if (r.value !== null) records.push(decodeRecord(r.value));
            }
          }
          if (records.length > 0) sm.apply(records, batch.lastOffset);
        },
        loadSnapshot: (id: SnapshotId, values: Uint8Array[]) =>
          sm.load(values.map(decodeRecord), id.endOffset),
        snapshot: () => sm.snapshot().map(encodeRecord),
      },
    });
  }

  /** Starts the node and waits (bounded) until the quorum has a leader. */
  async start(): Promise<void> {
    this.node.start();
    const deadline = Date.now() + leaderWaitMs;
    while (this.node.state().leaderId < 0) {
      if (Date.now() > deadline) {
        throw new Error(`no metadata quorum leader after ${leaderWaitMs} ms`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    const s = this.node.state();
    this.log.info(
      `metadata quorum: ${
        this.single ? "single voter" : "voter"
      } node ${s.nodeId}, leader ${s.leaderId}, ` +
        `epoch ${s.epoch}, high watermark ${s.highWatermark}`,
    );
  }

  async append(records: readonly MetadataRecord[]): Promise<number> {
    const { offset } = await this.node.append(records.map(encodeRecord));
    return offset;
  }

  get leaderId(): number {
    return this.node.state().leaderId;
  }

  describe(): DescribeQuorumResponse {
    return this.node.describeQuorum();
  }

  close(): void {
    this.node.close();
  }
}
