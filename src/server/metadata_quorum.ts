/**
 * The metadata log as a Raft quorum (KRaft): the controller's records are
 * appended through a QuorumNode and reach the metadata image only once
 * committed, through the same apply path a restart's replay takes. The image
 * is the quorum's state machine; snapshots of it (its records) bound replay.
 *
 * A single node is a one-voter quorum that commits on its own fsync and needs
 * no quorum listener. With `controller.quorum.voters` naming several voters
 * the node listens for quorum RPCs on its own voter address.
 *
 * A broker-only node (process.roles=broker, node.id not among the voters) is
 * an observer: it fetches the committed log from the leader and applies it to
 * its image like any voter, but never votes and never appends (its admin
 * writes go to the active controller through remote_controller.ts). Start-up
 * waits (bounded) for a leader and, for an observer, until it has applied
 * what the leader had committed.
 *
 * Timing: Kafka's controller.quorum.election.timeout.ms, .fetch.timeout.ms,
 * .request.timeout.ms and .election.backoff.max.ms are read from the config.
 */
import { batches, decodeBatchRecords } from "../protocol/records/batch.ts";
import type { DescribeQuorumResponse } from "../protocol/generated/describe_quorum.ts";
import type { MetadataLog } from "../metadata/controller.ts";
import { decodeRecord, encodeRecord, type MetadataRecord } from "../metadata/records.ts";
import type { LogBatch, QuorumConfig, SnapshotId } from "../raft/types.ts";
import type { BrokerConfig } from "./config.ts";
import { ConfigError } from "./config.ts";
import type { Logger } from "./log.ts";
import { parseVoters, QuorumNode } from "./quorum_node.ts";
import type { Endpoint, ServeOther } from "./quorum_transport.ts";

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
/** How long an observer's start-up waits to apply what the leader had committed. */
const catchUpWaitMs = 15_000;

/** controller.quorum.* timing properties (Kafka's names) that are set. */
function quorumTiming(props: ReadonlyMap<string, string>): Partial<QuorumConfig> {
  const out: Partial<QuorumConfig> = {};
  const names: [keyof QuorumConfig, string][] = [
    ["electionTimeoutMs", "controller.quorum.election.timeout.ms"],
    ["electionBackoffMaxMs", "controller.quorum.election.backoff.max.ms"],
    ["fetchTimeoutMs", "controller.quorum.fetch.timeout.ms"],
    ["requestTimeoutMs", "controller.quorum.request.timeout.ms"],
  ];
  for (const [key, name] of names) {
    const v = props.get(name);
    if (v === undefined) continue;
    if (!/^\d+$/.test(v.trim()) || Number(v) <= 0) {
      throw new ConfigError(`${name}=${v} is not a positive integer`);
    }
    (out as Record<string, number>)[key] = Number(v);
  }
  return out;
}

/** Whether a node is part of a cluster: a broker-only node, or one of several voters. */
export function isClustered(config: BrokerConfig): boolean {
  if (config.roles === "broker") return true;
  const spec = config.props.get("controller.quorum.voters");
  try {
    return spec !== undefined && parseVoters(spec).size > 1;
  } catch {
    return false; // MetadataQuorum reports the bad value
  }
}

export class MetadataQuorum implements MetadataLog {
  readonly node: QuorumNode;
  /** One voter (the default single node): no quorum listener, no peers. */
  readonly single: boolean;
  /** A broker-only node: follows the log, never votes or appends. */
  readonly observer: boolean;
  readonly voters: ReadonlyMap<number, Endpoint>;

  constructor(
    config: BrokerConfig,
    sm: MetadataStateMachine,
    private readonly log: Logger,
    serveOther?: ServeOther,
  ) {
    const spec = config.props.get("controller.quorum.voters");
    let voters: Map<number, Endpoint>;
    try {
      voters = spec
        ? parseVoters(spec)
        : new Map([[config.nodeId, { host: "127.0.0.1", port: 0 }]]);
    } catch (e) {
      throw new ConfigError(`controller.quorum.voters: ${(e as Error).message}`);
    }
    this.observer = config.roles === "broker";
    if (this.observer && voters.has(config.nodeId)) {
      throw new ConfigError(
        `process.roles=broker: node.id ${config.nodeId} is a voter in controller.quorum.voters; ` +
          "a broker-only node needs an id of its own",
      );
    }
    if (!this.observer && !voters.has(config.nodeId)) {
      throw new ConfigError(`controller.quorum.voters does not name node.id ${config.nodeId}`);
    }
    this.voters = voters;
    this.single = voters.size === 1 && !this.observer;
    this.node = new QuorumNode({
      nodeId: config.nodeId,
      voters,
      listen: this.single || this.observer ? null : undefined,
      dataDir: config.props.get("metadata.log.dir") ?? config.logDirs[0],
      config: quorumTiming(config.props),
      serveOther,
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
    if (!this.single) {
      // Serve clients (and reconcile logs) from a current image, not from whatever the local log held.
      const caughtUp = Date.now() + catchUpWaitMs;
      for (;;) {
        const st = this.node.state();
        if (st.highWatermark > 0 && st.applied >= st.highWatermark) break;
        if (Date.now() > caughtUp) {
          throw new Error(`metadata not caught up with the quorum after ${catchUpWaitMs} ms`);
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    const s = this.node.state();
    this.log.info(
      `metadata quorum: ${
        this.single ? "single voter" : this.observer ? "observer" : "voter"
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

  /**
   * Whether this node may act as the active controller: it leads, its epoch's
   * first record is committed (so everything before it is), and its image has
   * applied all of it. A controller validates against its image, so a new
   * leader must not serve writes before this.
   */
  get isActiveController(): boolean {
    const c = this.node.core;
    return c.role === "leader" && c.highWatermark > c.epochStart &&
      this.node.state().applied >= c.highWatermark;
  }

  /** The end (exclusive) of what this node has applied to its image. */
  get applied(): number {
    return this.node.state().applied;
  }

  /** Resolves once everything below `offset` is applied here, or false after `timeoutMs`. */
  async waitApplied(offset: number, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.node.state().applied < offset) {
      if (Date.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, 10));
    }
    return true;
  }

  describe(): DescribeQuorumResponse {
    return this.node.describeQuorum();
  }

  close(): void {
    this.node.close();
  }
}
