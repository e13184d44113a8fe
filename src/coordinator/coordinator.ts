/**
 * GroupCoordinator: drives the sans-I/O GroupShards (one per partition of
 * `__consumer_offsets`) against the real world. It
 * - creates `__consumer_offsets` on first use (offsets.topic.num.partitions,
 *   cleanup.policy=compact, replication capped at the live brokers, and at 1
 *   while partition data is not replicated) through the controller, like
 *   Kafka's auto-creation of internal topics;
 * - routes a group to shard `abs(javaHash(groupId)) % partitions` and answers
 *   NOT_COORDINATOR for partitions this node does not lead;
 * - loads a shard by replaying its partition (every partition this node
 *   leads at broker start, so groups and offsets survive restarts and SIGKILL);
 * - performs a shard's writes: one record batch per write, appended to the
 *   partition and reported complete only once fsynced (waitFlushed), so an
 *   acknowledged commit or assignment is never lost;
 * - runs one timer, set to the earliest deadline of all shards.
 * Not implemented: loading or unloading shards when partition leadership
 * moves (a single node leads every partition; in a cluster the leaders are
 * fixed at creation since partition data is not replicated).
 */
import type { CreateTopicResult, CreateTopicSpec } from "../metadata/controller.ts";
import type { MetadataImage } from "../metadata/image.ts";
import { offsetsLoadChunkBytes } from "../base/limits.ts";
import { ErrorCode } from "../protocol/errors.ts";
import { concat } from "../protocol/messages.ts";
import { batches, buildBatch, decodeBatchRecords } from "../protocol/records/batch.ts";
import type { Logger } from "../storage/env.ts";
import { LogOfflineError, RecordBatchTooLargeError, TruncatedError } from "../storage/errors.ts";
import type { AppendInfo, PartitionLog } from "../storage/log.ts";
import { type GroupCoordinatorConfig, groupCoordinatorConfig } from "./config.ts";
import { partitionForGroup } from "./hash.ts";
import {
  type CommitRequest,
  type DeleteOffsetsResult,
  type DescribedGroup,
  type FetchOffsetsResult,
  GroupShard,
  type HeartbeatRequest,
  type JoinRequest,
  type JoinResult,
  type LeaveResult,
  type LeavingMember,
  type ListedGroup,
  type PendingWrite,
  type SyncRequest,
  type SyncResult,
} from "./shard.ts";

export const OFFSETS_TOPIC = "__consumer_offsets";

/** What the coordinator needs of the partition layer (the broker's PartitionManager). */
export interface OffsetsLogs {
  /** The log of a partition the image has (created if missing), else undefined. */
  partition(topic: string, partition: number): Promise<PartitionLog | undefined>;
  /** Appends with offsets assigned, advancing the high watermark and waking fetchers. */
  append(log: PartitionLog, records: Uint8Array, leaderEpoch: number): AppendInfo;
  /** Resolves once every partition in the image has its log. */
  sync(): Promise<void>;
}

export interface GroupCoordinatorOptions {
  nodeId: number;
  /** Broker properties (group.*, offsets.* settings). */
  props: ReadonlyMap<string, string>;
  image: () => MetadataImage;
  logs: OffsetsLogs;
  controller: {
    createTopics(specs: CreateTopicSpec[], validateOnly: boolean): Promise<CreateTopicResult[]>;
  };
  logger: Logger;
  nowMs?: () => number;
  newId?: () => string;
}

interface Loaded {
  shard: GroupShard;
  log: PartitionLog;
  queue: PendingWrite[];
  draining: boolean;
}

const maxTimerMs = 2_147_483_647;

function storageErrorCode(e: unknown): number {
  if (e instanceof LogOfflineError) return ErrorCode.KAFKA_STORAGE_ERROR;
  if (e instanceof RecordBatchTooLargeError) return ErrorCode.RECORD_LIST_TOO_LARGE;
  if (e instanceof TruncatedError) return ErrorCode.NOT_LEADER_OR_FOLLOWER;
  return ErrorCode.UNKNOWN_SERVER_ERROR;
}

function joinFailure(memberId: string, errorCode: number): JoinResult {
  return {
    errorCode,
    generationId: -1,
    protocolType: null,
    protocolName: null,
    leader: "",
    skipAssignment: false,
    memberId,
    members: [],
  };
}

export class GroupCoordinator {
  readonly config: GroupCoordinatorConfig;
  private readonly loading = new Map<number, Promise<Loaded | number>>();
  private readonly loaded = new Map<number, Loaded>();
  private creating: Promise<number> | null = null;
  private fixedPartitionCount: number | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerAt = Infinity;
  private closed = false;
  private readonly now: () => number;
  private readonly newId: () => string;

  constructor(private readonly opts: GroupCoordinatorOptions) {
    this.config = groupCoordinatorConfig(opts.props);
    this.now = opts.nowMs ?? (() => Date.now());
    this.newId = opts.newId ?? (() => crypto.randomUUID());
  }

  /**
   * Partitions of __consumer_offsets: the topic's own count, fixed the first
   * time it is seen (as Kafka does), so partitions added to the topic later
   * never re-route existing groups.
   */
  get partitionCount(): number {
    if (this.fixedPartitionCount === null) {
      const t = this.opts.image().topic(OFFSETS_TOPIC);
      if (!t || t.partitions.length === 0) return this.config.offsetsTopicPartitions;
      this.fixedPartitionCount = t.partitions.length;
    }
    return this.fixedPartitionCount;
  }

  partitionFor(groupId: string): number {
    return partitionForGroup(groupId, this.partitionCount);
  }

  /** Broker start: loads the groups and offsets of every partition of __consumer_offsets. */
  async load(): Promise<void> {
    const t = this.opts.image().topic(OFFSETS_TOPIC);
    if (!t) return;
    const started = this.now();
    let failed = 0;
    let led = 0;
    for (const p of t.partitions.slice(0, this.partitionCount)) {
      if (p.leader !== this.opts.nodeId) continue;
      led++;
      if (typeof (await this.shard(p.partition)) === "number") failed++;
    }
    let groups = 0;
    for (const l of this.loaded.values()) groups += l.shard.groupIds().length;
    this.opts.logger.info(
      `group coordinator loaded ${groups} groups from ${
        led - failed
      } partitions of ${OFFSETS_TOPIC} in ${this.now() - started} ms` +
        (failed ? ` (${failed} partitions unavailable)` : ""),
    );
  }

  /** Answers parked requests with NOT_COORDINATOR and stops the timer; in-flight writes still complete. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const l of this.loaded.values()) {
      l.shard.unload();
      this.drain(l);
    }
  }

  /**
   * Makes sure __consumer_offsets exists (creating it on first use) and its
   * logs are open; NONE, or the error a client should retry on.
   */
  ensureTopic(): Promise<number> {
    if (this.closed) return Promise.resolve(ErrorCode.NOT_COORDINATOR);
    if (this.opts.image().topic(OFFSETS_TOPIC)) return Promise.resolve(ErrorCode.NONE);
    this.creating ??= this.createTopic().finally(() => (this.creating = null));
    return this.creating;
  }

  private async createTopic(): Promise<number> {
    const brokers = Math.max(1, this.opts.image().brokers.size);
    // Partition data is not replicated yet: one replica, on the leader.
    const rf = Math.min(this.config.offsetsTopicReplicationFactor, brokers, 1);
    const [r] = await this.opts.controller.createTopics([{
      name: OFFSETS_TOPIC,
      numPartitions: this.config.offsetsTopicPartitions,
      replicationFactor: rf,
      assignments: [],
      configs: [
        { name: "cleanup.policy", value: "compact" },
        { name: "compression.type", value: "producer" },
        { name: "segment.bytes", value: String(this.config.offsetsTopicSegmentBytes) },
      ],
    }], false);
    if (r.errorCode !== ErrorCode.NONE && r.errorCode !== ErrorCode.TOPIC_ALREADY_EXISTS) {
      this.opts.logger.warn(`creating ${OFFSETS_TOPIC} failed: ${r.errorMessage}`);
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    }
    this.opts.logger.info(
      `created ${OFFSETS_TOPIC} with ${this.config.offsetsTopicPartitions} partitions, replication factor ${rf}`,
    );
    await this.opts.logs.sync();
    return ErrorCode.NONE;
  }

  /** The node leading a group's partition (its coordinator), after creating the topic if needed. */
  async coordinatorOf(groupId: string): Promise<{ errorCode: number; nodeId: number }> {
    const err = await this.ensureTopic();
    if (err !== ErrorCode.NONE) return { errorCode: err, nodeId: -1 };
    const p = this.opts.image().topic(OFFSETS_TOPIC)?.partitions[this.partitionFor(groupId)];
    if (!p || p.leader < 0) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, nodeId: -1 };
    return { errorCode: ErrorCode.NONE, nodeId: p.leader };
  }

  private isLocalLeader(partition: number): boolean {
    const p = this.opts.image().topic(OFFSETS_TOPIC)?.partitions[partition];
    return p !== undefined && p.leader === this.opts.nodeId;
  }

  private async forGroup(groupId: string): Promise<Loaded | number> {
    const err = await this.ensureTopic();
    if (err !== ErrorCode.NONE) return err;
    return this.shard(this.partitionFor(groupId));
  }

  /** The loaded shard of a partition (loading it first), or an error code. */
  private shard(partition: number): Promise<Loaded | number> {
    if (this.closed) return Promise.resolve(ErrorCode.NOT_COORDINATOR);
    if (!this.isLocalLeader(partition)) return Promise.resolve(ErrorCode.NOT_COORDINATOR);
    const ready = this.loaded.get(partition);
    if (ready) return Promise.resolve(ready);
    let p = this.loading.get(partition);
    if (!p) {
      p = this.loadShard(partition).catch((e) => {
        this.loading.delete(partition);
        this.opts.logger.error(`loading groups of ${OFFSETS_TOPIC}-${partition} failed: ${e}`);
        return e instanceof LogOfflineError
          ? ErrorCode.NOT_COORDINATOR
          : ErrorCode.COORDINATOR_NOT_AVAILABLE;
      });
      this.loading.set(partition, p);
    }
    return p;
  }

  private async loadShard(partition: number): Promise<Loaded> {
    const log = await this.opts.logs.partition(OFFSETS_TOPIC, partition);
    if (!log) throw new Error(`${OFFSETS_TOPIC}-${partition} does not exist`);
    const shard = new GroupShard(partition, {
      config: this.config,
      newId: this.newId,
      log: (m) => this.opts.logger.info(`[groups] ${m}`),
    });
    let offset = log.logStartOffset;
    const end = log.logEndOffset;
    while (offset < end) {
      const read = log.read(offset, offsetsLoadChunkBytes, { minOneBatch: true });
      if (read.sizeBytes === 0) break;
      const buf = read.chunks.length === 1 ? read.chunks[0] : concat(read.chunks);
      const before = offset;
      for (const batch of batches(buf)) {
        if (!batch.isControl) {
          for (const r of decodeBatchRecords(batch)) {
            if (r.offset >= offset && r.key !== null) shard.replay(r.key, r.value, r.offset);
          }
        }
        offset = batch.lastOffset + 1;
      }
      if (offset === before) throw new Error(`no complete batch at offset ${offset}`);
    }
    if (log.highWatermark < log.logEndOffset) log.setHighWatermark(log.logEndOffset);
    shard.finishLoading(this.now());
    const l: Loaded = { shard, log, queue: [], draining: false };
    this.loaded.set(partition, l);
    this.loading.delete(partition);
    if (this.closed) shard.unload();
    this.drain(l);
    return l;
  }

  // --- effects -----------------------------------------------------------------------

  /** Appends the shard's queued writes in order, then re-arms the timer. */
  private drain(l: Loaded): void {
    l.queue.push(...l.shard.takeWrites());
    if (!l.draining) {
      l.draining = true;
      try {
        while (l.queue.length > 0) {
          this.write(l, l.queue.shift()!);
          l.queue.push(...l.shard.takeWrites());
        }
      } finally {
        l.draining = false;
      }
    }
    this.rearm();
  }

  private write(l: Loaded, w: PendingWrite): void {
    let info: AppendInfo;
    try {
      const batch = buildBatch({ records: w.records.map((r) => ({ key: r.key, value: r.value })) });
      const epoch = this.opts.image().topic(OFFSETS_TOPIC)?.partitions[l.shard.partition]
        ?.leaderEpoch ?? 0;
      info = this.opts.logs.append(l.log, batch, epoch);
    } catch (e) {
      this.writeFailed(l, w, e);
      return;
    }
    l.log.waitFlushed(info.lastOffset).then(
      () => this.completed(l, w.id, ErrorCode.NONE, info.lastOffset),
      (e) => this.writeFailed(l, w, e),
    );
  }

  private writeFailed(l: Loaded, w: PendingWrite, e: unknown): void {
    const code = storageErrorCode(e);
    if (code === ErrorCode.UNKNOWN_SERVER_ERROR) {
      this.opts.logger.error(`writing to ${OFFSETS_TOPIC}-${l.shard.partition} failed: ${e}`);
    } else {
      this.opts.logger.warn(`writing to ${OFFSETS_TOPIC}-${l.shard.partition} failed: ${e}`);
    }
    // Settled asynchronously, like a flush, so a caller never sees its answer before its call returns.
    queueMicrotask(() => this.completed(l, w.id, code, -1));
  }

  private completed(l: Loaded, id: number, code: number, logOffset: number): void {
    l.shard.completeWrite(id, code, logOffset, this.now());
    this.drain(l);
  }

  private rearm(): void {
    if (this.closed) return;
    let next = Infinity;
    for (const l of this.loaded.values()) {
      const d = l.shard.nextDeadlineMs();
      if (d !== null && d < next) next = d;
    }
    if (next === this.timerAt) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = next;
    if (next === Infinity) return;
    const delay = Math.min(Math.max(0, next - this.now()), maxTimerMs);
    this.timer = setTimeout(() => this.onTimer(), delay);
  }

  private onTimer(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    if (this.closed) return;
    const now = this.now();
    for (const l of this.loaded.values()) {
      const d = l.shard.nextDeadlineMs();
      if (d !== null && d <= now) {
        l.shard.poll(now);
        this.drain(l);
      }
    }
    this.rearm();
  }

  /** Runs one shard call that answers through a callback, then performs its effects. */
  private call<T>(l: Loaded, run: (respond: (r: T) => void) => void): Promise<T> {
    return new Promise<T>((resolve) => {
      run(resolve);
      this.drain(l);
    });
  }

  // --- the group APIs -----------------------------------------------------------------

  async join(req: JoinRequest): Promise<JoinResult> {
    const l = await this.forGroup(req.groupId);
    if (typeof l === "number") return joinFailure(req.memberId, l);
    return this.call(l, (respond) => l.shard.join(req, this.now(), respond));
  }

  async sync(req: SyncRequest): Promise<SyncResult> {
    const l = await this.forGroup(req.groupId);
    if (typeof l === "number") {
      return {
        errorCode: l,
        protocolType: null,
        protocolName: null,
        assignment: new Uint8Array(0),
      };
    }
    return this.call(l, (respond) => l.shard.sync(req, this.now(), respond));
  }

  async heartbeat(req: HeartbeatRequest): Promise<number> {
    const l = await this.forGroup(req.groupId);
    if (typeof l === "number") return l;
    return this.call(l, (respond) => respond(l.shard.heartbeat(req, this.now())));
  }

  async leave(groupId: string, members: LeavingMember[]): Promise<LeaveResult> {
    const l = await this.forGroup(groupId);
    if (typeof l === "number") return { errorCode: l, members: [] };
    return this.call(l, (respond) => respond(l.shard.leave(groupId, members, this.now())));
  }

  async commitOffsets(req: CommitRequest): Promise<number[]> {
    const l = await this.forGroup(req.groupId);
    if (typeof l === "number") return req.partitions.map(() => l);
    return this.call(l, (respond) => l.shard.commitOffsets(req, this.now(), respond));
  }

  async fetchOffsets(
    groupId: string,
    partitions: { topic: string; partition: number }[] | null,
    requireStable: boolean,
  ): Promise<FetchOffsetsResult> {
    const l = await this.forGroup(groupId);
    if (typeof l === "number") return { errorCode: l, offsets: [] };
    return this.call(
      l,
      (respond) => l.shard.fetchOffsets(groupId, partitions, requireStable, this.now(), respond),
    );
  }

  async describe(groupId: string): Promise<DescribedGroup> {
    const l = await this.forGroup(groupId);
    if (typeof l === "number") {
      return {
        errorCode: l,
        errorMessage: null,
        groupId,
        state: "Dead",
        protocolType: "",
        protocolData: "",
        members: [],
      };
    }
    return l.shard.describe(groupId, this.now());
  }

  /** Groups of every loaded partition this node leads. */
  list(): ListedGroup[] {
    if (this.closed) return [];
    const out: ListedGroup[] = [];
    for (const [p, l] of [...this.loaded].sort((a, b) => a[0] - b[0])) {
      if (this.isLocalLeader(p)) out.push(...l.shard.list());
    }
    return out;
  }

  async deleteGroups(groupIds: string[]): Promise<{ groupId: string; errorCode: number }[]> {
    const err = await this.ensureTopic();
    if (err !== ErrorCode.NONE) return groupIds.map((groupId) => ({ groupId, errorCode: err }));
    const byShard = new Map<number, number[]>();
    groupIds.forEach((g, i) => {
      const p = this.partitionFor(g);
      (byShard.get(p) ?? byShard.set(p, []).get(p)!).push(i);
    });
    const out: { groupId: string; errorCode: number }[] = groupIds.map((groupId) => ({
      groupId,
      errorCode: ErrorCode.NONE,
    }));
    await Promise.all([...byShard].map(async ([p, idx]) => {
      const l = await this.shard(p);
      const ids = idx.map((i) => groupIds[i]);
      const results = typeof l === "number"
        ? ids.map((groupId) => ({ groupId, errorCode: l }))
        : await this.call<{ groupId: string; errorCode: number }[]>(
          l,
          (respond) => l.shard.deleteGroups(ids, this.now(), respond),
        );
      idx.forEach((i, k) => (out[i] = results[k]));
    }));
    return out;
  }

  async deleteOffsets(
    groupId: string,
    partitions: { topic: string; partition: number }[],
  ): Promise<DeleteOffsetsResult> {
    const l = await this.forGroup(groupId);
    if (typeof l === "number") return { errorCode: l, partitions: [] };
    return this.call(
      l,
      (respond) => l.shard.deleteOffsets(groupId, partitions, this.now(), respond),
    );
  }
}
