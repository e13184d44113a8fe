/**
 * The controller as a broker in a cluster sees it: the admin handlers and the
 * group coordinator call the same methods as on the local Controller
 * (src/metadata/controller.ts), and this forwards them to the active
 * controller as ordinary Kafka requests on its quorum port (CreateTopics,
 * DeleteTopics, CreatePartitions, IncrementalAlterConfigs; served by
 * controller_rpc.ts). Used by broker-only nodes and by combined nodes of a
 * multi-voter quorum, which run the operation locally while they are the
 * active controller themselves.
 *
 * - Whom to ask: the quorum leader this node knows of (an observer learns it
 *   from its Fetch answers), alternating with the other voters in turn, so a
 *   dead or deposed leader is passed over. NOT_CONTROLLER, a refused
 *   connection or a timeout moves on to the next attempt after a short
 *   backoff, until a deadline; then every item answers REQUEST_TIMED_OUT.
 * - Read your writes: after a write succeeds, the controller's high
 *   watermark (DescribeQuorum) is awaited (bounded) in the local image, so a
 *   client that creates a topic and then asks Metadata here sees it.
 * - Registration: at start-up the broker registers (BrokerRegistration with
 *   its advertised endpoint and rack) and then heartbeats (BrokerHeartbeat,
 *   broker.heartbeat.interval.ms) to the active controller; an answer
 *   BROKER_ID_NOT_REGISTERED makes it register again.
 * Not implemented: Envelope forwarding (the broker re-issues the operation,
 * so the controller sees the broker, not the client, as the principal);
 * fencing on missed heartbeats; controlled shutdown.
 */
import { ErrorCode } from "../protocol/errors.ts";
import type {
  IncrementalAlterConfigsRequestAlterConfigsResource,
} from "../protocol/generated/mod.ts";
import type { ApiKeyNumber, RequestOf, ResponseOf } from "../protocol/messages.ts";
import { ZERO_UUID } from "../protocol/uuid.ts";
import type {
  ConfigChange,
  Controller,
  CreateTopicResult,
  CreateTopicSpec,
  OpResult,
} from "../metadata/controller.ts";
import type { ConfigResourceType } from "../metadata/records.ts";
import { raftApiVersions } from "../raft/messages.ts";
import { ResourceType } from "./config_resources.ts";
import { ChannelError, ControllerChannel } from "./controller_channel.ts";
import type { Logger } from "./log.ts";
import type { MetadataQuorum } from "./metadata_quorum.ts";
import { NotLeaderError } from "./quorum_node.ts";

/** What the handlers and the group coordinator use of a controller. */
export type ClusterController = Pick<
  Controller,
  "createTopics" | "deleteTopics" | "createPartitions" | "alterConfigs"
>;

/** How long one forwarded operation may take, retries included. */
const forwardDeadlineMs = 8_000;
/** Bound on one request to one voter. */
const requestTimeoutMs = 3_000;
/** Pause between attempts. */
const backoffMs = 100;
/** Bound on waiting for the local image to reach a write. */
const catchUpMs = 5_000;
/** How long start-up keeps trying to register. */
const registerDeadlineMs = 30_000;

const timedOut: OpResult = {
  errorCode: ErrorCode.REQUEST_TIMED_OUT,
  errorMessage: "no active controller answered in time",
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface RemoteControllerOptions {
  nodeId: number;
  quorum: () => MetadataQuorum;
  /** A combined node's own Controller, used while this node is the active controller. */
  local: Controller | null;
  /** broker.heartbeat.interval.ms */
  heartbeatIntervalMs: number;
  logger: Logger;
}

export interface Registration {
  clusterId: string | null;
  host: string;
  port: number;
  rack: string | null;
}

export class RemoteController implements ClusterController {
  private channelValue: ControllerChannel | null = null;
  private attempt = 0;
  private brokerEpoch = -1;
  private registration: Registration | null = null;
  private heartbeatTimer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  constructor(private readonly opts: RemoteControllerOptions) {}

  /** Made on first use: the quorum (which knows the voters) starts after the broker is built. */
  private get channel(): ControllerChannel {
    return this.channelValue ??= new ControllerChannel(
      `runnel-broker-${this.opts.nodeId}`,
      this.opts.quorum().voters,
    );
  }

  /** The local Controller when this node may act as the active controller now. */
  private activeLocal(): Controller | null {
    const local = this.opts.local;
    return local !== null && this.opts.quorum().isActiveController ? local : null;
  }

  /** Runs `op` locally when this node is the active controller; null when it is not (or lost it). */
  private async tryLocal<T>(op: (c: Controller) => Promise<T>): Promise<T | null> {
    const local = this.activeLocal();
    if (local === null) return null;
    try {
      return await op(local);
    } catch (e) {
      if (e instanceof NotLeaderError) return null;
      throw e;
    }
  }

  /** The voter to ask next: the known leader, alternating with every voter in turn. */
  private target(): number {
    const q = this.opts.quorum();
    const ids = [...q.voters.keys()];
    const n = this.attempt++;
    const leader = q.leaderId;
    if (leader >= 0 && q.voters.has(leader) && n % 2 === 0) return leader;
    return ids[(n >> 1) % ids.length];
  }

  /**
   * Sends a request to the active controller, retrying on NOT_CONTROLLER and
   * lost connections until `deadlineMs`; null when nobody answered in time.
   * With `sync`, waits for the local image to reach the controller's high
   * watermark before resolving.
   */
  private async forward<K extends ApiKeyNumber>(
    apiKey: K,
    version: number,
    body: RequestOf<K>,
    errorsOf: (res: ResponseOf<K>) => number[],
    sync = true,
    deadlineMs = forwardDeadlineMs,
  ): Promise<ResponseOf<K> | null> {
    const deadline = Date.now() + deadlineMs;
    while (!this.closed) {
      const left = deadline - Date.now();
      if (left <= 0) return null;
      const to = this.target();
      try {
        const res = await this.channel.request(
          to,
          apiKey,
          version,
          body,
          Math.min(requestTimeoutMs, left),
        );
        if (!errorsOf(res).includes(ErrorCode.NOT_CONTROLLER)) {
          if (sync) await this.catchUp(to);
          return res;
        }
      } catch (e) {
        if (!(e instanceof ChannelError)) throw e;
      }
      await sleep(backoffMs);
    }
    return null;
  }

  /** Waits (bounded) until the local image has applied what controller `to` has committed. */
  private async catchUp(to: number): Promise<void> {
    const q = this.opts.quorum();
    try {
      const d = await this.channel.request(to, 55, raftApiVersions[55], {
        topics: [{ topicName: "__cluster_metadata", partitions: [{ partitionIndex: 0 }] }],
      }, requestTimeoutMs);
      const hw = d.topics[0]?.partitions[0]?.highWatermark ?? -1;
      if (hw > 0 && !(await q.waitApplied(hw, catchUpMs))) {
        this.opts.logger.warn(`metadata image did not reach offset ${hw} in ${catchUpMs} ms`);
      }
    } catch (e) {
      if (!(e instanceof ChannelError)) throw e;
    }
  }

  async createTopics(
    specs: CreateTopicSpec[],
    validateOnly: boolean,
  ): Promise<CreateTopicResult[]> {
    const local = await this.tryLocal((c) => c.createTopics(specs, validateOnly));
    if (local !== null) return local;
    const res = await this.forward(
      19,
      7,
      {
        topics: specs.map((s) => ({
          name: s.name,
          numPartitions: s.numPartitions,
          replicationFactor: s.replicationFactor,
          assignments: s.assignments,
          configs: s.configs,
        })),
        timeoutMs: forwardDeadlineMs,
        validateOnly,
      },
      (r) => r.topics.map((t) => t.errorCode),
      !validateOnly,
    );
    if (res === null) {
      return specs.map((s) => ({
        name: s.name,
        topicId: ZERO_UUID,
        numPartitions: -1,
        replicationFactor: -1,
        ...timedOut,
      }));
    }
    return res.topics.map((t) => ({
      name: t.name,
      topicId: t.topicId,
      numPartitions: t.numPartitions,
      replicationFactor: t.replicationFactor,
      errorCode: t.errorCode,
      errorMessage: t.errorMessage,
    }));
  }

  async deleteTopics(
    topics: { name: string | null; topicId: string | null }[],
  ): Promise<(OpResult & { name: string | null; topicId: string })[]> {
    const local = await this.tryLocal((c) => c.deleteTopics(topics));
    if (local !== null) return local;
    const res = await this.forward(20, 6, {
      topics: topics.map((t) => ({ name: t.name, topicId: t.topicId ?? ZERO_UUID })),
      topicNames: [],
      timeoutMs: forwardDeadlineMs,
    }, (r) => r.responses.map((t) => t.errorCode));
    if (res === null) {
      return topics.map((t) => ({ name: t.name, topicId: t.topicId ?? ZERO_UUID, ...timedOut }));
    }
    return res.responses.map((t) => ({
      name: t.name,
      topicId: t.topicId,
      errorCode: t.errorCode,
      errorMessage: t.errorMessage,
    }));
  }

  async createPartitions(
    topics: { name: string; count: number; assignments: number[][] | null }[],
    validateOnly: boolean,
  ): Promise<(OpResult & { name: string })[]> {
    const local = await this.tryLocal((c) => c.createPartitions(topics, validateOnly));
    if (local !== null) return local;
    const res = await this.forward(
      37,
      3,
      {
        topics: topics.map((t) => ({
          name: t.name,
          count: t.count,
          assignments: t.assignments === null
            ? null
            : t.assignments.map((brokerIds) => ({ brokerIds })),
        })),
        timeoutMs: forwardDeadlineMs,
        validateOnly,
      },
      (r) => r.results.map((t) => t.errorCode),
      !validateOnly,
    );
    if (res === null) return topics.map((t) => ({ name: t.name, ...timedOut }));
    return res.results.map((t) => ({
      name: t.name,
      errorCode: t.errorCode,
      errorMessage: t.errorMessage,
    }));
  }

  /**
   * Validates every change here first (as the local Controller does), then
   * forwards the resources that passed as IncrementalAlterConfigs SET/DELETE.
   */
  async alterConfigs(
    resources: { type: ConfigResourceType; name: string; changes: ConfigChange[] }[],
    validateOnly: boolean,
    validate: (type: ConfigResourceType, name: string, change: ConfigChange) => OpResult | null,
  ): Promise<OpResult[]> {
    const local = await this.tryLocal((c) => c.alterConfigs(resources, validateOnly, validate));
    if (local !== null) return local;
    const results: OpResult[] = new Array(resources.length);
    const sent: number[] = [];
    const wire: IncrementalAlterConfigsRequestAlterConfigsResource[] = [];
    resources.forEach((r, i) => {
      for (const c of r.changes) {
        const err = validate(r.type, r.name, c);
        if (err) {
          results[i] = err;
          return;
        }
      }
      sent.push(i);
      wire.push({
        resourceType: r.type === "topic" ? ResourceType.TOPIC : ResourceType.BROKER,
        resourceName: r.name,
        configs: r.changes.map((c) => ({
          name: c.name,
          configOperation: c.value === null ? 1 : 0,
          value: c.value,
        })),
      });
    });
    if (wire.length > 0) {
      const res = await this.forward(
        44,
        1,
        { resources: wire, validateOnly },
        (r) => r.responses.map((x) => x.errorCode),
        !validateOnly,
      );
      sent.forEach((i, k) => {
        const r = res?.responses[k];
        results[i] = r ? { errorCode: r.errorCode, errorMessage: r.errorMessage } : timedOut;
      });
    }
    return results;
  }

  /**
   * Registers this broker with the active controller (retrying until it
   * answers, bounded), waits until the local image lists it, then heartbeats.
   */
  async register(reg: Registration): Promise<void> {
    this.registration = reg;
    const deadline = Date.now() + registerDeadlineMs;
    for (;;) {
      const code = await this.registerOnce(reg, deadline - Date.now());
      if (code === ErrorCode.NONE) break;
      if (code !== ErrorCode.REQUEST_TIMED_OUT || Date.now() >= deadline) {
        throw new Error(
          `broker registration failed: ${
            code === ErrorCode.REQUEST_TIMED_OUT
              ? `no active controller answered in ${registerDeadlineMs} ms`
              : `error ${code}`
          }`,
        );
      }
    }
    this.scheduleHeartbeat();
  }

  private async registerOnce(reg: Registration, deadlineMs: number): Promise<number> {
    const body = {
      brokerId: this.opts.nodeId,
      clusterId: reg.clusterId ?? "",
      incarnationId: ZERO_UUID,
      listeners: [{ name: "PLAINTEXT", host: reg.host, port: reg.port, securityProtocol: 0 }],
      features: [],
      rack: reg.rack,
      isMigratingZkBroker: false,
      logDirs: [],
      previousBrokerEpoch: this.brokerEpoch,
    };
    const local = await this.tryLocal((c) =>
      c.registerBroker(this.opts.nodeId, reg.clusterId, {
        host: reg.host,
        port: reg.port,
        rack: reg.rack,
      })
    );
    const res = local ??
      await this.forward(62, 0, body, (r) => [r.errorCode], true, Math.max(0, deadlineMs));
    if (res === null) return ErrorCode.REQUEST_TIMED_OUT;
    if (res.errorCode === ErrorCode.NONE) this.brokerEpoch = res.brokerEpoch;
    return res.errorCode;
  }

  private scheduleHeartbeat(): void {
    if (this.closed) return;
    this.heartbeatTimer = setTimeout(async () => {
      try {
        await this.heartbeat();
      } catch (e) {
        this.opts.logger.warn(`broker heartbeat failed: ${(e as Error).message}`);
      }
      this.scheduleHeartbeat();
    }, this.opts.heartbeatIntervalMs);
  }

  private async heartbeat(): Promise<void> {
    const q = this.opts.quorum();
    const res = await this.forward(
      63,
      0,
      {
        brokerId: this.opts.nodeId,
        brokerEpoch: this.brokerEpoch,
        currentMetadataOffset: q.applied - 1,
        wantFence: false,
        wantShutDown: false,
        offlineLogDirs: [],
      },
      (r) => [r.errorCode],
      false,
      this.opts.heartbeatIntervalMs,
    );
    if (res?.errorCode === ErrorCode.BROKER_ID_NOT_REGISTERED && this.registration) {
      this.opts.logger.warn("the controller does not know this broker: registering again");
      await this.registerOnce(this.registration, forwardDeadlineMs);
    }
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.heartbeatTimer);
    this.channelValue?.close();
  }
}
