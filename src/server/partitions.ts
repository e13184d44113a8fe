/**
 * The partitions this broker hosts, kept in line with the metadata image: a
 * log per partition (storage LogManager), each topic's effective LogConfig,
 * logs of deleted topics removed. Also the produce/fetch meeting point:
 * appends advance the high watermark and wake long-polling fetches.
 *
 * Logs are told apart by topic id, not name: each records the id of its
 * topic in partition.metadata (as Kafka does), and a log is deleted when the
 * image has no topic of its name or one with another id. So a topic deleted
 * and re-created under the same name loses the old data (at runtime the old
 * log is gone before the new one is created or served), and replaying such a
 * history at restart keeps the new topic's data. Logs from before the file
 * existed (no id) are taken for the topic of their name and given its id.
 * A node in a multi-node quorum holds deletions until its image has caught up
 * (holdDeletes/releaseDeletes): a partial replay must not take a log it does
 * not know yet for a deleted topic's.
 *
 * Single node: the high watermark is the log end right after the append
 * (every ISR member, i.e. this node, has it), as in Kafka. A topic with
 * flush.messages=1 acknowledges only once the batch is fsynced (group commit).
 *
 * An `owns` filter (a shard owning some partitions) limits all of this to the
 * partitions it accepts: the others are neither opened, created nor deleted.
 */
import type { MetadataImage, TopicImage } from "../metadata/image.ts";
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

/**
 * Whether a log is the image topic's own: its recorded topic id is the
 * topic's (or unknown: a directory from before partition.metadata, which
 * sync() then assigns the topic's id).
 */
function belongsTo(log: PartitionLog, t: TopicImage): boolean {
  return log.topicId === null || log.topicId === t.topicId;
}

/** Why the image no longer wants a log; null when it does. */
function unwanted(img: MetadataImage, log: PartitionLog): string | null {
  const t = img.topic(log.topic);
  if (t === undefined) return "its topic was deleted";
  if (!belongsTo(log, t)) {
    return `it belongs to deleted topic id ${log.topicId} (the topic is now ${t.topicId})`;
  }
  if (log.partition >= t.partitions.length) return "its topic has no such partition";
  return null;
}

export class PartitionManager {
  private logs!: LogManager;
  private readonly watchers = new Map<string, Set<() => void>>();
  private syncing: Promise<void> = Promise.resolve();
  /**
   * While set, sync() creates logs but deletes (or relabels) none: the image
   * may be a partial replay (a node catching up with the quorum), and a log
   * it does not know yet may hold acknowledged data of a topic created later.
   */
  private deletesHeld = false;

  constructor(
    private readonly config: BrokerConfig,
    private readonly log: Logger,
    private readonly image: () => MetadataImage,
    private readonly owns: (topic: string, partition: number) => boolean = () => true,
    /** This owner's tag for its dir-level files, every live owner's, and its recent-batch cache size (LogManager). */
    private readonly owner: { tag: string; liveTags: readonly string[]; cacheBytesMax?: number } = {
      tag: "",
      liveTags: [""],
    },
  ) {}

  async open(): Promise<void> {
    this.logs = await LogManager.open({
      logDirs: [...this.config.logDirs],
      logger: this.log,
      owns: this.owns,
      ownerTag: this.owner.tag,
      liveOwnerTags: this.owner.liveTags,
      cacheBytesMax: this.owner.cacheBytesMax,
    });
    this.logs.start();
  }

  /** Until releaseDeletes(): no log is deleted for disagreeing with a possibly partial image. */
  holdDeletes(): void {
    this.deletesHeld = true;
  }

  /** The image is current (caught up with the quorum): reconcile fully from now on. */
  releaseDeletes(): Promise<void> {
    this.deletesHeld = false;
    return this.sync();
  }

  /** Committed metadata changed: reconcile logs and configs (in order, in the background). */
  onMetadata(records: readonly MetadataRecord[], _before: MetadataImage): void {
    if (records.some((r) => r.type !== "broker" && r.type !== "cluster")) void this.sync();
  }

  /** The image was replaced by a snapshot: logs of topics it lacks go like deleted ones. */
  onSnapshot(_before: MetadataImage): void {
    void this.sync();
  }

  /**
   * Brings logs and configs in line with the image; resolves when done. Logs
   * the image no longer wants go first, so a topic re-created under a deleted
   * one's name never finds the old log in its place.
   */
  sync(): Promise<void> {
    const run = async () => {
      const img = this.image();
      const held = this.deletesHeld;
      for (const l of this.logs.logs()) {
        const why = held ? null : unwanted(img, l);
        if (why === null) continue;
        this.log.info(`deleting log ${l.topic}-${l.partition}: ${why}`);
        await this.quietly(() => this.logs.delete(l.topic, l.partition));
      }
      // Logs from before partition.metadata belong to the topic of their name: record its id.
      for (const l of this.logs.logs()) {
        const t = img.topic(l.topic);
        if (held || l.topicId !== null || l.isOffline || t === undefined) continue;
        this.log.info(`log ${l.topic}-${l.partition} has no topic id yet: recording ${t.topicId}`);
        await this.quietly(() => l.assignTopicId(t.topicId));
      }
      // Single node: the ISR is this node, so everything in the log is committed.
      for (const l of this.logs.logs()) {
        if (!l.isOffline && l.highWatermark < l.logEndOffset) l.setHighWatermark(l.logEndOffset);
      }
      for (const t of img.topicsByName.values()) {
        this.logs.setTopicConfig(t.name, topicLogConfig(img, this.config, t.name));
        for (const p of t.partitions) {
          if (
            p.replicas.includes(this.config.nodeId) && this.owns(t.name, p.partition) &&
            !this.logs.get(t.name, p.partition)
          ) {
            await this.quietly(() => this.create(t.name, p.partition, t.topicId));
          }
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
   * such partition (or it is not ours). A log left by a deleted topic of the
   * same name is deleted first (by a sync), never returned.
   */
  async partition(topic: string, partition: number): Promise<PartitionLog | undefined> {
    let t = this.topicOf(topic, partition);
    if (t === undefined) return undefined;
    let log = this.logs.get(topic, partition);
    if (log !== undefined && !belongsTo(log, t)) {
      await this.sync();
      t = this.topicOf(topic, partition);
      if (t === undefined) return undefined;
      log = this.logs.get(topic, partition);
      if (log !== undefined && !belongsTo(log, t)) return undefined;
    }
    if (log !== undefined) return log;
    this.logs.setTopicConfig(topic, topicLogConfig(this.image(), this.config, topic));
    return await this.create(topic, partition, t.topicId);
  }

  /** The image's topic of a partition that exists and is ours. */
  private topicOf(topic: string, partition: number): TopicImage | undefined {
    const t = this.image().topic(topic);
    if (!t || partition < 0 || partition >= t.partitions.length) return undefined;
    return this.owns(topic, partition) ? t : undefined;
  }

  private async create(topic: string, partition: number, topicId: string): Promise<PartitionLog> {
    const log = await this.logs.getOrCreate(topic, partition, topicId);
    // Single node: the ISR is this node, so everything in the log is committed.
    if (!log.isOffline && log.highWatermark < log.logEndOffset) {
      log.setHighWatermark(log.logEndOffset);
    }
    return log;
  }

  /**
   * The log if it is open already and the image has it (no creation, no
   * wait): the fast path of appends and reads.
   */
  existing(topic: string, partition: number): PartitionLog | undefined {
    const t = this.image().topic(topic);
    if (!t || partition < 0 || partition >= t.partitions.length) return undefined;
    const log = this.logs.get(topic, partition);
    return log !== undefined && belongsTo(log, t) ? log : undefined;
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
