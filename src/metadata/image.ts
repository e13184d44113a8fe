/**
 * MetadataImage: the cluster state at one metadata offset, immutable. Applying
 * records returns a new image that shares what did not change, so readers keep
 * a consistent view without locks while the next image is built.
 */
import { assert } from "../base/assert.ts";
import type { ConfigResourceType, MetadataRecord } from "./records.ts";

export interface PartitionImage {
  readonly partition: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly partitionEpoch: number;
}

export interface TopicImage {
  readonly name: string;
  readonly topicId: string;
  readonly partitions: readonly PartitionImage[];
}

export interface BrokerImage {
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
  readonly rack: string | null;
}

type ConfigMap = ReadonlyMap<string, string>;

export class MetadataImage {
  private constructor(
    /** Offset of the last record applied (-1 for the empty image). */
    readonly offset: number,
    readonly clusterId: string | null,
    readonly topicsByName: ReadonlyMap<string, TopicImage>,
    readonly topicsById: ReadonlyMap<string, TopicImage>,
    readonly brokers: ReadonlyMap<number, BrokerImage>,
    /** Keyed by `${resourceType}:${resourceName}`. */
    private readonly configs: ReadonlyMap<string, ConfigMap>,
  ) {}

  static readonly empty = new MetadataImage(-1, null, new Map(), new Map(), new Map(), new Map());

  topic(name: string): TopicImage | undefined {
    return this.topicsByName.get(name);
  }

  topicById(id: string): TopicImage | undefined {
    return this.topicsById.get(id);
  }

  /** Explicitly set configs of a resource (defaults are resolved by the config layer). */
  configsOf(type: ConfigResourceType, name: string): ConfigMap {
    return this.configs.get(`${type}:${name}`) ?? new Map();
  }

  /** A new image with `records` applied, the last of which is at `offset`. */
  apply(records: readonly MetadataRecord[], offset: number): MetadataImage {
    assert(offset >= this.offset, `metadata offset went back from ${this.offset} to ${offset}`);
    let clusterId = this.clusterId;
    let byName: Map<string, TopicImage> | null = null;
    let byId: Map<string, TopicImage> | null = null;
    let brokers: Map<number, BrokerImage> | null = null;
    let configs: Map<string, ConfigMap> | null = null;
    const topics = () => {
      byName ??= new Map(this.topicsByName);
      byId ??= new Map(this.topicsById);
      return { byName, byId };
    };
    for (const r of records) {
      switch (r.type) {
        case "cluster":
          clusterId = r.clusterId;
          break;
        case "topic": {
          const t = topics();
          assert(!t.byName.has(r.name), `topic ${r.name} created twice`);
          const img: TopicImage = { name: r.name, topicId: r.topicId, partitions: [] };
          t.byName.set(r.name, img);
          t.byId.set(r.topicId, img);
          break;
        }
        case "partition": {
          const t = topics();
          const old = t.byId.get(r.topicId);
          assert(old !== undefined, `partition record for unknown topic id ${r.topicId}`);
          const partitions = [...old.partitions];
          assert(
            r.partition <= partitions.length,
            `partition ${r.partition} of ${old.name} skips an index`,
          );
          partitions[r.partition] = {
            partition: r.partition,
            replicas: r.replicas,
            isr: r.isr,
            leader: r.leader,
            leaderEpoch: r.leaderEpoch,
            partitionEpoch: r.partitionEpoch,
          };
          const img: TopicImage = { ...old, partitions };
          t.byName.set(old.name, img);
          t.byId.set(old.topicId, img);
          break;
        }
        case "removeTopic": {
          const t = topics();
          const old = t.byId.get(r.topicId);
          assert(old !== undefined, `removal of unknown topic id ${r.topicId}`);
          t.byId.delete(r.topicId);
          t.byName.delete(old.name);
          configs ??= new Map(this.configs);
          configs.delete(`topic:${old.name}`);
          break;
        }
        case "config": {
          configs ??= new Map(this.configs);
          const key = `${r.resourceType}:${r.resourceName}`;
          const next = new Map(configs.get(key) ?? []);
          if (r.value === null) next.delete(r.name);
          else next.set(r.name, r.value);
          configs.set(key, next);
          break;
        }
        case "broker":
          brokers ??= new Map(this.brokers);
          brokers.set(r.nodeId, { nodeId: r.nodeId, host: r.host, port: r.port, rack: r.rack });
          break;
      }
    }
    return new MetadataImage(
      offset,
      clusterId,
      byName ?? this.topicsByName,
      byId ?? this.topicsById,
      brokers ?? this.brokers,
      configs ?? this.configs,
    );
  }

  /** Records that rebuild this image from empty (a snapshot). */
  toRecords(): MetadataRecord[] {
    const out: MetadataRecord[] = [];
    if (this.clusterId) out.push({ type: "cluster", clusterId: this.clusterId });
    for (const b of this.brokers.values()) out.push({ type: "broker", ...b });
    for (const t of this.topicsByName.values()) {
      out.push({ type: "topic", name: t.name, topicId: t.topicId });
      for (const p of t.partitions) {
        out.push({
          type: "partition",
          topicId: t.topicId,
          ...p,
          replicas: [...p.replicas],
          isr: [...p.isr],
        });
      }
    }
    for (const [key, map] of this.configs) {
      const at = key.indexOf(":");
      const resourceType = key.slice(0, at) as ConfigResourceType;
      const resourceName = key.slice(at + 1);
      for (const [name, value] of map) {
        out.push({ type: "config", resourceType, resourceName, name, value });
      }
    }
    return out;
  }
}
