/**
 * Who owns what: how many reactor and shard workers run, and which shard owns
 * each partition. Every worker holds the same table (built from the same
 * ShardTableUpdate), so any of them can route a request without asking.
 *
 * A partition's shard is (hash(topic name) + partition) mod shardCount: the
 * partitions of one topic go round-robin over the shards (a topic with at
 * least shardCount partitions uses every core), and the hash spreads where
 * each topic starts. Names rather than ids: a partition's directory is named
 * by topic name, so a deleted topic's logs and a re-created one's must have
 * one owner that handles them in order. (The key parameters below say
 * "topicId" for the overrides' wire form; the broker passes names.) The hash
 * is FNV-1a over the key's characters, pinned by a test. Explicit overrides
 * (moving a hot partition) take precedence and travel with the table.
 */
import { workerThreadsMax } from "../base/limits.ts";
import { ConfigError } from "../server/config.ts";
import { Kind, type ShardOverride, type ShardTableUpdate } from "./contract.ts";

export interface WorkerCounts {
  /**
   * "workers": reactor and shard workers beside the main thread; "single":
   * everything on the main thread behind the same contract (debugging, and
   * the baseline the multi-core benchmark compares against).
   */
  readonly mode: "workers" | "single";
  /** Reactor (network) workers: num.network.threads; 0: the main thread accepts connections. */
  readonly reactors: number;
  /** Partition-owning shard workers: num.shard.threads. */
  readonly shards: number;
}

function countProp(
  props: ReadonlyMap<string, string>,
  name: string,
  dflt: number,
  min = 1,
): number {
  const v = props.get(name);
  if (v === undefined) return dflt;
  if (!/^\d+$/.test(v.trim())) throw new ConfigError(`${name}=${v} is not a whole number`);
  const n = Number(v);
  if (n < min || n > workerThreadsMax) {
    throw new ConfigError(`${name}=${v} is outside ${min}..${workerThreadsMax}`);
  }
  return n;
}

/**
 * Worker counts from the configuration, defaulting from the core count: a
 * third of the cores (at least one) accept and decode in reactor workers, the
 * rest own partitions, since appends, reads and flushes outweigh framing.
 * `num.network.threads=0` leaves the network to the main thread (no reactor
 * workers: ~20 MiB less and a faster start, but on 2 cores it measured ~15%
 * more CPU per GB produced than one reactor worker). The main thread
 * (metadata, groups, admin) shares whatever is idle. `single.thread=true`
 * runs everything on one thread.
 */
export function workerCounts(
  props: ReadonlyMap<string, string>,
  cores: number = navigator.hardwareConcurrency,
): WorkerCounts {
  const single = props.get("single.thread");
  if (single !== undefined && single !== "true" && single !== "false") {
    throw new ConfigError(`single.thread=${single} is not true or false`);
  }
  if (single === "true") {
    for (const name of ["num.network.threads", "num.shard.threads"]) {
      if (props.has(name)) throw new ConfigError(`${name} conflicts with single.thread=true`);
    }
    return { mode: "single", reactors: 1, shards: 1 };
  }
  const c = Math.max(1, Math.min(workerThreadsMax, Math.floor(cores) || 1));
  const reactors = countProp(props, "num.network.threads", Math.max(1, Math.round(c / 3)), 0);
  // With no reactor workers the main thread takes a core for the network.
  const shards = countProp(
    props,
    "num.shard.threads",
    Math.max(1, c - reactors - (reactors === 0 ? 1 : 0)),
  );
  return { mode: "workers", reactors, shards };
}

/** FNV-1a (32-bit) over a string's UTF-16 code units: cheap, and fixed forever (see above). */
export function topicHash(topicId: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < topicId.length; i++) {
    h ^= topicId.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function overrideKey(topicId: string, partition: number): string {
  return `${topicId}:${partition}`;
}

export class ShardTable {
  private readonly overrides = new Map<string, number>();
  /** Hashes by topic id: routing looks one up per partition of every request. */
  private readonly hashes = new Map<string, number>();

  constructor(
    readonly shardCount: number,
    /** Increases with every change, so a worker can tell a stale table from a new one. */
    readonly version = 0,
    overrides: Iterable<ShardOverride> = [],
  ) {
    if (!Number.isInteger(shardCount) || shardCount < 1 || shardCount > workerThreadsMax) {
      throw new RangeError(`shard count ${shardCount} is outside 1..${workerThreadsMax}`);
    }
    for (const o of overrides) {
      if (!Number.isInteger(o.shard) || o.shard < 0 || o.shard >= shardCount) {
        throw new RangeError(
          `override ${o.topicId}-${o.partition} -> shard ${o.shard}: only ${shardCount} shards`,
        );
      }
      this.overrides.set(overrideKey(o.topicId, o.partition), o.shard);
    }
  }

  static fromUpdate(u: ShardTableUpdate): ShardTable {
    return new ShardTable(u.shardCount, u.version, u.overrides);
  }

  toUpdate(requestId: number): ShardTableUpdate {
    const overrides: ShardOverride[] = [];
    for (const [k, shard] of this.overrides) {
      const at = k.lastIndexOf(":");
      overrides.push({ topicId: k.slice(0, at), partition: Number(k.slice(at + 1)), shard });
    }
    return {
      kind: Kind.ShardTableUpdate,
      requestId,
      version: this.version,
      shardCount: this.shardCount,
      overrides,
    };
  }

  /** The shard owning a partition. */
  shardOf(topicId: string, partition: number): number {
    if (this.shardCount === 1) return 0;
    if (this.overrides.size > 0) {
      const o = this.overrides.get(overrideKey(topicId, partition));
      if (o !== undefined) return o;
    }
    let h = this.hashes.get(topicId);
    if (h === undefined) {
      // Bounded like any cache here: ids of deleted topics must not pile up forever.
      if (this.hashes.size >= 100_000) this.hashes.clear();
      this.hashes.set(topicId, h = topicHash(topicId));
    }
    return (h + partition) % this.shardCount;
  }

  /** Whether `shard` owns the partition: each shard asks this of itself. */
  owns(shard: number, topicId: string, partition: number): boolean {
    return this.shardOf(topicId, partition) === shard;
  }

  /** A table with `partition` moved to `shard`, one version on. */
  withOverride(topicId: string, partition: number, shard: number): ShardTable {
    const next = [...this.toUpdate(0).overrides].filter((o) =>
      o.topicId !== topicId || o.partition !== partition
    );
    next.push({ topicId, partition, shard });
    return new ShardTable(this.shardCount, this.version + 1, next);
  }
}
