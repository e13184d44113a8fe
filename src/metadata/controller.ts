/**
 * The controller: the single writer of metadata. Each admin operation is
 * validated against the current image, turned into records, appended to the
 * metadata log (durably), and only then applied, by the same replay path a
 * restart uses. Operations run one at a time, in arrival order.
 *
 * Brokers register here: a combined single node through `bootstrap`, a
 * broker-only node through BrokerRegistration (`registerBroker`, served on the
 * quorum port by src/server/controller_rpc.ts); either writes a broker record,
 * so every image lists every registered broker. Replicas are placed round
 * robin over the registered brokers, leader first.
 * Not implemented: partition data replication, so a replication factor above
 * 1 is refused (INVALID_REPLICATION_FACTOR); broker fencing and unregistration.
 */
import { ErrorCode } from "../protocol/errors.ts";
import { randomUuid } from "../protocol/uuid.ts";
import type { MetadataImage } from "./image.ts";
import type { ConfigResourceType, MetadataRecord } from "./records.ts";
import { validateTopicConfig } from "./topic_configs.ts";
import { topicNameError } from "./topic_name.ts";

/** Durable, ordered storage for metadata records (local file log, later a Raft quorum). */
export interface MetadataLog {
  /** Appends records as one unit; resolves with the offset of the last one once committed. */
  append(records: readonly MetadataRecord[]): Promise<number>;
}

export interface ControllerOptions {
  nodeId: number;
  /** num.partitions */
  defaultPartitions: number;
  /** default.replication.factor */
  defaultReplicationFactor: number;
  /** Live brokers replicas may be placed on. */
  liveBrokers(): number[];
}

export interface OpResult {
  errorCode: number;
  errorMessage: string | null;
}

export interface CreateTopicSpec {
  name: string;
  /** -1: num.partitions */
  numPartitions: number;
  /** -1: default.replication.factor */
  replicationFactor: number;
  /** Manual replica assignment by partition (empty: automatic). */
  assignments: { partitionIndex: number; brokerIds: number[] }[];
  configs: { name: string; value: string | null }[];
}

export interface CreateTopicResult extends OpResult {
  name: string;
  topicId: string;
  numPartitions: number;
  replicationFactor: number;
}

export interface ConfigChange {
  name: string;
  /** null removes the override (back to the default). */
  value: string | null;
}

const ok: OpResult = { errorCode: ErrorCode.NONE, errorMessage: null };
function fail(errorCode: number, errorMessage: string): OpResult {
  return { errorCode, errorMessage };
}

/** A replication factor the brokers could reach, were partition data replicated. */
function noReplication(rf: number): OpResult {
  return fail(
    ErrorCode.INVALID_REPLICATION_FACTOR,
    `Replication factor ${rf} is not supported: partition data replication is not implemented yet (use 1).`,
  );
}

export class Controller {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly log: MetadataLog,
    private readonly image: () => MetadataImage,
    private readonly opts: ControllerOptions,
  ) {}

  /** Runs operations one at a time so each validates against the image the previous one left. */
  private serial<T>(op: () => Promise<T>): Promise<T> {
    const next = this.queue.then(op, op);
    this.queue = next.catch(() => {});
    return next;
  }

  /** Appends and waits for the commit; the offset of the last record, or -1 when none. */
  private async commit(records: MetadataRecord[]): Promise<number> {
    return records.length > 0 ? await this.log.append(records) : -1;
  }

  /**
   * BrokerRegistration: writes the cluster id when the log has none yet and
   * the broker's record when it is missing or changed. The broker epoch is the
   * offset of the registration (of the image when nothing changed).
   */
  registerBroker(
    nodeId: number,
    clusterId: string | null,
    broker: { host: string; port: number; rack: string | null },
  ): Promise<{ errorCode: number; brokerEpoch: number }> {
    return this.serial(async () => {
      const img = this.image();
      if (img.clusterId !== null && clusterId && clusterId !== img.clusterId) {
        return { errorCode: ErrorCode.INCONSISTENT_CLUSTER_ID, brokerEpoch: -1 };
      }
      const records: MetadataRecord[] = [];
      if (img.clusterId === null) {
        records.push({ type: "cluster", clusterId: clusterId || randomUuid() });
      }
      const b = img.brokers.get(nodeId);
      if (!b || b.host !== broker.host || b.port !== broker.port || b.rack !== broker.rack) {
        records.push({ type: "broker", nodeId, ...broker });
      }
      const offset = await this.commit(records);
      return { errorCode: ErrorCode.NONE, brokerEpoch: offset >= 0 ? offset : img.offset };
    });
  }

  /** Writes the cluster id and this broker's registration when they are missing or changed. */
  bootstrap(
    clusterId: string,
    broker: { host: string; port: number; rack: string | null },
  ): Promise<void> {
    return this.serial(async () => {
      const img = this.image();
      const records: MetadataRecord[] = [];
      if (img.clusterId === null) records.push({ type: "cluster", clusterId });
      const b = img.brokers.get(this.opts.nodeId);
      if (!b || b.host !== broker.host || b.port !== broker.port || b.rack !== broker.rack) {
        records.push({ type: "broker", nodeId: this.opts.nodeId, ...broker });
      }
      await this.commit(records);
    });
  }

  createTopics(specs: CreateTopicSpec[], validateOnly: boolean): Promise<CreateTopicResult[]> {
    return this.serial(async () => {
      const img = this.image();
      const records: MetadataRecord[] = [];
      const seen = new Set<string>();
      const results = specs.map((spec): CreateTopicResult => {
        const base = {
          name: spec.name,
          topicId: "AAAAAAAAAAAAAAAAAAAAAA",
          numPartitions: -1,
          replicationFactor: -1,
        };
        if (seen.has(spec.name)) {
          return {
            ...base,
            ...fail(ErrorCode.INVALID_REQUEST, `Duplicate topic name ${spec.name} in the request`),
          };
        }
        seen.add(spec.name);
        const plan = this.planTopic(img, spec);
        if ("errorCode" in plan) return { ...base, ...plan };
        const topicId = randomUuid();
        if (!validateOnly) {
          records.push({ type: "topic", name: spec.name, topicId });
          plan.replicas.forEach((replicas, partition) =>
            records.push({
              type: "partition",
              topicId,
              partition,
              replicas,
              isr: replicas,
              leader: replicas[0],
              leaderEpoch: 0,
              partitionEpoch: 0,
            })
          );
          for (const c of spec.configs) {
            if (c.value !== null) {
              records.push({
                type: "config",
                resourceType: "topic",
                resourceName: spec.name,
                name: c.name,
                value: c.value,
              });
            }
          }
        }
        return {
          ...base,
          ...ok,
          topicId: validateOnly ? base.topicId : topicId,
          numPartitions: plan.replicas.length,
          replicationFactor: plan.replicas[0].length,
        };
      });
      await this.commit(records);
      return results;
    });
  }

  private planTopic(
    img: MetadataImage,
    spec: CreateTopicSpec,
  ): { replicas: number[][] } | OpResult {
    const nameError = topicNameError(spec.name);
    if (nameError) return fail(ErrorCode.INVALID_TOPIC_EXCEPTION, nameError);
    if (img.topic(spec.name)) {
      return fail(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${spec.name}' already exists.`);
    }
    for (const c of spec.configs) {
      const err = validateTopicConfig(c.name, c.value);
      if (err) return fail(ErrorCode.INVALID_CONFIG, err);
    }
    const brokers = this.opts.liveBrokers();
    if (spec.assignments.length > 0) {
      if (spec.numPartitions !== -1 || spec.replicationFactor !== -1) {
        return fail(
          ErrorCode.INVALID_REQUEST,
          "Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.",
        );
      }
      const sorted = [...spec.assignments].sort((a, b) => a.partitionIndex - b.partitionIndex);
      const replicas: number[][] = [];
      for (const [i, a] of sorted.entries()) {
        if (a.partitionIndex !== i) {
          return fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, "Partitions must be 0..n-1");
        }
        const err = this.checkReplicas(a.brokerIds, brokers, sorted[0].brokerIds.length);
        if (err) return err;
        if (a.brokerIds.length > 1) return noReplication(a.brokerIds.length);
        replicas.push(a.brokerIds);
      }
      return { replicas };
    }
    const partitions = spec.numPartitions === -1 ? this.opts.defaultPartitions : spec.numPartitions;
    const rf = spec.replicationFactor === -1
      ? this.opts.defaultReplicationFactor
      : spec.replicationFactor;
    if (partitions <= 0) {
      return fail(ErrorCode.INVALID_PARTITIONS, "Number of partitions must be larger than 0.");
    }
    if (partitions > 100_000) {
      return fail(ErrorCode.INVALID_PARTITIONS, "Number of partitions is above 100000.");
    }
    if (rf <= 0) {
      return fail(
        ErrorCode.INVALID_REPLICATION_FACTOR,
        "Replication factor must be larger than 0.",
      );
    }
    if (rf > brokers.length) {
      return fail(
        ErrorCode.INVALID_REPLICATION_FACTOR,
        `Unable to replicate the partition ${rf} time(s): The target replication factor of ${rf} cannot be reached because only ${brokers.length} broker(s) are registered.`,
      );
    }
    if (rf > 1) return noReplication(rf);
    return { replicas: this.place(partitions, rf, brokers, 0) };
  }

  private checkReplicas(ids: number[], brokers: number[], rf: number): OpResult | null {
    if (ids.length === 0 || ids.length !== rf) {
      return fail(
        ErrorCode.INVALID_REPLICA_ASSIGNMENT,
        "All partitions need the same, non-zero number of replicas",
      );
    }
    if (new Set(ids).size !== ids.length) {
      return fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, "Duplicate replica");
    }
    for (const id of ids) {
      if (!brokers.includes(id)) {
        return fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Broker ${id} is not registered`);
      }
    }
    return null;
  }

  /** Round-robin placement starting at `first`, leaders spread across brokers. */
  private place(partitions: number, rf: number, brokers: number[], first: number): number[][] {
    const sorted = [...brokers].sort((a, b) => a - b);
    const out: number[][] = [];
    for (let p = first; p < first + partitions; p++) {
      const replicas: number[] = [];
      for (let r = 0; r < rf; r++) replicas.push(sorted[(p + r) % sorted.length]);
      out.push(replicas);
    }
    return out;
  }

  /** Deletes topics by name or id; results in request order. */
  deleteTopics(topics: { name: string | null; topicId: string | null }[]): Promise<
    (OpResult & { name: string | null; topicId: string })[]
  > {
    return this.serial(async () => {
      const img = this.image();
      const records: MetadataRecord[] = [];
      const removed = new Set<string>();
      const results = topics.map((t) => {
        const topic = t.topicId !== null && t.topicId !== "AAAAAAAAAAAAAAAAAAAAAA"
          ? img.topicById(t.topicId)
          : t.name !== null
          ? img.topic(t.name)
          : undefined;
        if (!topic) {
          const byId = t.topicId !== null && t.topicId !== "AAAAAAAAAAAAAAAAAAAAAA";
          return {
            name: t.name,
            topicId: t.topicId ?? "AAAAAAAAAAAAAAAAAAAAAA",
            ...fail(
              byId ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
              "This server does not host this topic ID.",
            ),
          };
        }
        if (topic.name.startsWith("__")) {
          return {
            name: topic.name,
            topicId: topic.topicId,
            ...fail(
              ErrorCode.TOPIC_DELETION_DISABLED,
              `Internal topic ${topic.name} cannot be deleted`,
            ),
          };
        }
        if (!removed.has(topic.topicId)) {
          removed.add(topic.topicId);
          records.push({ type: "removeTopic", topicId: topic.topicId });
        }
        return { name: topic.name, topicId: topic.topicId, ...ok };
      });
      await this.commit(records);
      return results;
    });
  }

  /** Grows topics to `count` partitions. */
  createPartitions(
    topics: { name: string; count: number; assignments: number[][] | null }[],
    validateOnly: boolean,
  ): Promise<(OpResult & { name: string })[]> {
    return this.serial(async () => {
      const img = this.image();
      const records: MetadataRecord[] = [];
      const brokers = this.opts.liveBrokers();
      const results = topics.map((t) => {
        const topic = img.topic(t.name);
        if (!topic) {
          return {
            name: t.name,
            ...fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic ${t.name} not found`),
          };
        }
        const current = topic.partitions.length;
        if (t.count < current) {
          return {
            name: t.name,
            ...fail(
              ErrorCode.INVALID_PARTITIONS,
              `Topic currently has ${current} partitions, ${t.count} would not be an increase.`,
            ),
          };
        }
        if (t.count === current) {
          return {
            name: t.name,
            ...fail(ErrorCode.INVALID_PARTITIONS, `Topic already has ${current} partitions.`),
          };
        }
        const rf = topic.partitions[0]?.replicas.length ?? 1;
        let replicas: number[][];
        if (t.assignments !== null) {
          if (t.assignments.length !== t.count - current) {
            return {
              name: t.name,
              ...fail(
                ErrorCode.INVALID_REPLICA_ASSIGNMENT,
                `Increasing to ${t.count} needs ${t.count - current} assignments`,
              ),
            };
          }
          for (const a of t.assignments) {
            const err = this.checkReplicas(a, brokers, rf) ?? (rf > 1 ? noReplication(rf) : null);
            if (err) return { name: t.name, ...err };
          }
          replicas = t.assignments;
        } else {
          if (rf > brokers.length) {
            return {
              name: t.name,
              ...fail(
                ErrorCode.INVALID_REPLICATION_FACTOR,
                "Not enough brokers for the new partitions",
              ),
            };
          }
          replicas = this.place(t.count - current, rf, brokers, current);
        }
        if (!validateOnly) {
          replicas.forEach((r, i) =>
            records.push({
              type: "partition",
              topicId: topic.topicId,
              partition: current + i,
              replicas: r,
              isr: r,
              leader: r[0],
              leaderEpoch: 0,
              partitionEpoch: 0,
            })
          );
        }
        return { name: t.name, ...ok };
      });
      await this.commit(records);
      return results;
    });
  }

  /**
   * Applies config changes to resources. `validate(type, name, change)` returns
   * an error (code and message) or null; validation of all changes to a
   * resource happens before any of them is written.
   */
  alterConfigs(
    resources: { type: ConfigResourceType; name: string; changes: ConfigChange[] }[],
    validateOnly: boolean,
    validate: (type: ConfigResourceType, name: string, change: ConfigChange) => OpResult | null,
  ): Promise<OpResult[]> {
    return this.serial(async () => {
      const img = this.image();
      const records: MetadataRecord[] = [];
      const results = resources.map((res) => {
        if (res.type === "topic") {
          const nameError = topicNameError(res.name);
          if (nameError) return fail(ErrorCode.INVALID_TOPIC_EXCEPTION, nameError);
          if (!img.topic(res.name)) {
            return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic ${res.name} does not exist`);
          }
        }
        for (const c of res.changes) {
          const err = validate(res.type, res.name, c);
          if (err) return err;
        }
        if (!validateOnly) {
          for (const c of res.changes) {
            records.push({
              type: "config",
              resourceType: res.type,
              resourceName: res.name,
              name: c.name,
              value: c.value,
            });
          }
        }
        return ok;
      });
      await this.commit(records);
      return results;
    });
  }
}
