/**
 * The partitions this broker hosts, kept in line with the metadata image: a
 * log per partition (storage LogManager), each topic's effective LogConfig,
 * logs of deleted topics removed. Also the produce/fetch meeting point:
 * appends advance the high watermark and wake long-polling fetches.
 *
 * Single node: the high watermark is the log end right after the append
 * (every ISR member, i.e. this node, has it), as in Kafka. A topic with
 * flush.messages=1 acknowledges only once the batch is fsynced (group commit).
 */
import type { MetadataImage } from "../metadata/image.ts";
import type { MetadataRecord } from "../metadata/records.ts";
import type { AppendInfo, PartitionLog } from "../storage/log.ts";
import { LogManager } from "../storage/log_manager.ts";
import { LogOfflineError } from "../storage/errors.ts";
import type { BrokerConfig } from "./config.ts";
import { topicLogConfig } from "./configs.ts";
import type { Logger } from "./log.ts";

function key(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

export class PartitionManager {
  private logs!: LogManager;
  private readonly watchers = new Map<string, Set<() => void>>();
  private syncing: Promise<void> = Promise.resolve();
  /** Names of removed topics whose logs may still exist. */
  private readonly removed = new Set<string>();

  constructor(
    private readonly config: BrokerConfig,
    private readonly log: Logger,
    private readonly image: () => MetadataImage,
  ) {}

  async open(): Promise<void> {
    this.logs = await LogManager.open({ logDirs: [...this.config.logDirs], logger: this.log });
    this.logs.start();
  }

  /**
   * Committed metadata changed: reconcile logs and configs (in order, in the
   * background). Removed topics are remembered by name until their logs are
   * gone, so a topic deleted and re-created under the same name never inherits
   * the old data.
   */
  onMetadata(records: readonly MetadataRecord[], before: MetadataImage): void {
    for (const r of records) {
      if (r.type === "removeTopic") {
        const name = before.topicById(r.topicId)?.name;
        if (name !== undefined) this.removed.add(name);
      }
    }
    if (records.some((r) => r.type !== "broker" && r.type !== "cluster")) void this.sync();
  }

  /** The image was replaced by a snapshot: topics it lacks are removed like deleted ones. */
  onSnapshot(before: MetadataImage): void {
    const now = this.image();
    for (const t of before.topicsByName.values()) {
      if (now.topic(t.name)?.topicId !== t.topicId) this.removed.add(t.name);
    }
    void this.sync();
  }

  /** Brings logs and configs in line with the image; resolves when done. */
  sync(): Promise<void> {
    const run = async () => {
      for (const name of [...this.removed]) {
        for (const l of this.logs.logs()) {
          if (l.topic !== name) continue;
          this.log.info(`deleting log ${l.topic}-${l.partition}: its topic was deleted`);
          await this.quietly(() => this.logs.delete(l.topic, l.partition));
        }
        this.removed.delete(name);
      }
      // Single node: the ISR is this node, so everything in the log is committed.
      for (const l of this.logs.logs()) {
        if (!l.isOffline && l.highWatermark < l.logEndOffset) l.setHighWatermark(l.logEndOffset);
      }
      const img = this.image();
      for (const t of img.topicsByName.values()) {
        this.logs.setTopicConfig(t.name, topicLogConfig(img, this.config, t.name));
        for (const p of t.partitions) {
          if (p.replicas.includes(this.config.nodeId) && !this.logs.get(t.name, p.partition)) {
            await this.quietly(() => this.create(t.name, p.partition));
          }
        }
      }
      for (const l of this.logs.logs()) {
        const t = img.topic(l.topic);
        if (!t || l.partition >= t.partitions.length) {
          this.log.info(`deleting log ${l.topic}-${l.partition}: its topic is gone`);
          await this.quietly(() => this.logs.delete(l.topic, l.partition));
        }
      }
    };
    this.syncing = this.syncing.then(run, run);
    return this.syncing;
  }

  private async quietly(fn: () => Promise<unknown>): Promise<void> {
    try {
      await fn();
    } catch (e) {
      if (!(e instanceof LogOfflineError)) throw e;
      this.log.warn(e.message);
    }
  }

  /**
   * The log of a partition the image says exists, creating it if the
   * reconciliation has not got there yet; undefined when the image has no
   * such partition.
   */
  async partition(topic: string, partition: number): Promise<PartitionLog | undefined> {
    const t = this.image().topic(topic);
    if (!t || partition < 0 || partition >= t.partitions.length) return undefined;
    if (this.removed.has(topic)) await this.sync();
    const existing = this.logs.get(topic, partition);
    if (existing) return existing;
    this.logs.setTopicConfig(topic, topicLogConfig(this.image(), this.config, topic));
    return await this.create(topic, partition);
  }

  private async create(topic: string, partition: number): Promise<PartitionLog> {
    const log = await this.logs.getOrCreate(topic, partition);
    // Single node: the ISR is this node, so everything in the log is committed.
    if (!log.isOffline && log.highWatermark < log.logEndOffset) {
      log.setHighWatermark(log.logEndOffset);
    }
    return log;
  }

  /** The log if it is open already (no creation): for reads of existing partitions. */
  existing(topic: string, partition: number): PartitionLog | undefined {
    const t = this.image().topic(topic);
    if (!t || partition < 0 || partition >= t.partitions.length || this.removed.has(topic)) {
      return undefined;
    }
    return this.logs.get(topic, partition);
  }

  isOffline(topic: string, partition: number): boolean {
    return this.logs.get(topic, partition)?.isOffline ?? false;
  }

  /** Appends batches (offsets assigned in place), advances the high watermark, wakes fetchers. */
  append(log: PartitionLog, records: Uint8Array, leaderEpoch: number): AppendInfo {
    const info = log.append(records, { leaderEpoch });
    log.setHighWatermark(log.logEndOffset);
    this.notify(log.topic, log.partition);
    return info;
  }

  /** Calls `wake` once data may have arrived at any of the partitions; returns the cancel. */
  watch(partitions: readonly { topic: string; partition: number }[], wake: () => void): () => void {
    const keys = partitions.map((p) => key(p.topic, p.partition));
    let fired = false;
    const once = () => {
      if (fired) return;
      fired = true;
      cancel();
      wake();
    };
    const cancel = () => {
      for (const k of keys) {
        const set = this.watchers.get(k);
        set?.delete(once);
        if (set?.size === 0) this.watchers.delete(k);
      }
    };
    for (const k of keys) {
      let set = this.watchers.get(k);
      if (!set) this.watchers.set(k, set = new Set());
      set.add(once);
    }
    return cancel;
  }

  notify(topic: string, partition: number): void {
    const set = this.watchers.get(key(topic, partition));
    if (set) { for (const w of [...set]) w(); }
  }

  /** Log directories and the partitions on each (DescribeLogDirs). */
  logDirs(): { path: string; online: boolean; logs: PartitionLog[] }[] {
    const byDir = new Map<string, PartitionLog[]>();
    for (const l of this.logs.logs()) {
      const dir = this.logs.dirOf(l.topic, l.partition);
      if (dir === undefined) continue;
      (byDir.get(dir) ?? byDir.set(dir, []).get(dir)!).push(l);
    }
    const offline = new Set(this.logs.offlineDirs());
    return [...this.logs.onlineDirs(), ...offline].map((path) => ({
      path,
      online: !offline.has(path),
      logs: byDir.get(path) ?? [],
    }));
  }

  async close(): Promise<void> {
    await this.syncing.catch(() => {});
    await this.logs.close();
  }
}
