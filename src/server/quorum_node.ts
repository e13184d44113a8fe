/**
 * A real quorum member: the sans-I/O RaftQuorum driven by the wall clock, the
 * TCP transport and the file stores. It owns the event loop glue only: every
 * message, append and timer ends in one `step()` that polls the core, sends
 * what it queued, hands newly committed records to the state machine, settles
 * pending appends and re-arms the single timer at the core's next deadline.
 *
 * The state machine (the metadata image, or a test's list of records) sees
 * only committed data: a snapshot to load, then batches in offset order. It
 * may be asked for a snapshot of itself every `snapshotEveryRecords` records.
 *
 * A node whose id is not among the voters is an observer (a broker-only
 * node): it fetches the log from the leader, never votes and, having no voter
 * address, listens for nothing. `serveOther` answers the non-Raft requests
 * that arrive on a voter's quorum port (the controller's RPCs).
 */
import type { DescribeQuorumResponse } from "../protocol/generated/describe_quorum.ts";
import type { RaftMessage } from "../raft/messages.ts";
import { type AppendStatus, RaftQuorum } from "../raft/quorum.ts";
import { SeededRandom } from "../raft/random.ts";
import type { LogBatch, QuorumConfig, QuorumMetrics, Role, SnapshotId } from "../raft/types.ts";
import { defaultQuorumConfig } from "../raft/types.ts";
import { type Endpoint, QuorumTransport, type ServeOther } from "./quorum_transport.ts";
import { openQuorumStores } from "./quorum_store.ts";

export interface QuorumStateMachine {
  /** Replaces the state with a snapshot's records. */
  loadSnapshot(id: SnapshotId, values: Uint8Array[]): void;
  /** Applies one committed batch (control batches included: skip them if unneeded). */
  apply(batch: LogBatch): void;
  /** The state's records, to write a snapshot of it. */
  snapshot(): Uint8Array[];
}

export interface QuorumNodeOptions {
  nodeId: number;
  /** controller.quorum.voters: id -> host:port. */
  voters: ReadonlyMap<number, Endpoint>;
  /**
   * Where this node listens for quorum RPCs (a voter's own entry by default);
   * null for none, as a lone voter with no observers needs no peers.
   */
  listen?: Endpoint | null;
  dataDir: string;
  config?: Partial<QuorumConfig>;
  stateMachine: QuorumStateMachine;
  /** Snapshot the state machine after this many applied offsets (0: never). */
  snapshotEveryOffsets?: number;
  /** Answers requests on the quorum port that are not KRaft RPCs (the controller's RPCs). */
  serveOther?: ServeOther;
}

export class NotLeaderError extends Error {
  override name = "NotLeaderError";
  constructor(readonly leaderId: number, readonly epoch: number) {
    super(`not the leader (leader ${leaderId}, epoch ${epoch})`);
  }
}

/** The append's outcome is unknown (leadership was lost before it committed). */
export class AppendLostError extends Error {
  override name = "AppendLostError";
}

interface Waiter {
  epoch: number;
  lastOffset: number;
  resolve: (r: { offset: number; epoch: number }) => void;
  reject: (e: Error) => void;
}

export class QuorumNode {
  readonly core: RaftQuorum;
  private readonly transport: QuorumTransport;
  private readonly stores: ReturnType<typeof openQuorumStores>;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerAt = Infinity;
  private waiters: Waiter[] = [];
  private applied = 0;
  private lastSnapshotAt = 0;
  private closed = false;
  private stepping = false;
  private readonly origin = performance.now();

  constructor(private readonly opts: QuorumNodeOptions) {
    this.stores = openQuorumStores(opts.dataDir);
    const seed = crypto.getRandomValues(new Uint32Array(1))[0];
    this.core = new RaftQuorum(
      defaultQuorumConfig(opts.nodeId, [...opts.voters.keys()], opts.config),
      { ...this.stores, random: new SeededRandom(seed) },
      this.now(),
    );
    this.transport = new QuorumTransport(opts.nodeId, opts.voters, (m) => this.onMessage(m));
    this.transport.serveOther = opts.serveOther ?? null;
  }

  /** Monotonic milliseconds (the core never sees wall-clock jumps). */
  private now(): number {
    return performance.now() - this.origin;
  }

  start(): void {
    // An observer (not a voter) has no quorum address: it only fetches.
    const listen = this.opts.listen === undefined
      ? this.opts.voters.get(this.opts.nodeId) ?? null
      : this.opts.listen;
    if (listen !== null) this.transport.listen(listen);
    this.step();
  }

  private onMessage(m: RaftMessage): void {
    if (this.closed) return;
    for (const out of this.core.handle(m, this.now())) this.transport.send(out);
    this.step();
  }

  /** Polls the core and does everything that follows from it. */
  step(): void {
    if (this.closed || this.stepping) return;
    this.stepping = true;
    try {
      const now = this.now();
      const deadline = this.core.poll(now);
      for (const m of this.core.drain()) this.transport.send(m);
      this.applyCommitted();
      this.settleWaiters();
      this.maybeSnapshot(now);
      this.arm(deadline, now);
    } finally {
      this.stepping = false;
    }
  }

  private arm(deadline: number, now: number): void {
    if (deadline === this.timerAt && this.timer !== undefined) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = deadline;
    if (deadline === Infinity) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.step();
    }, Math.max(0, Math.min(deadline - now, 2 ** 31 - 1)));
  }

  private applyCommitted(): void {
    const sm = this.opts.stateMachine;
    for (;;) {
      const c = this.core.nextCommitted(this.applied);
      if (c === null) return;
      if (c.kind === "snapshot") {
        sm.loadSnapshot(c.id, c.values);
        this.applied = c.id.endOffset;
        this.lastSnapshotAt = c.id.endOffset;
      } else {
        for (const b of c.batches) {
          sm.apply(b);
          this.applied = b.lastOffset + 1;
        }
      }
    }
  }

  private settleWaiters(): void {
    if (this.waiters.length === 0) return;
    const keep: Waiter[] = [];
    for (const w of this.waiters) {
      const st: AppendStatus = this.core.appendStatus(w.epoch, w.lastOffset);
      if (st === "committed") w.resolve({ offset: w.lastOffset, epoch: w.epoch });
      else if (st === "pending" && this.core.epoch === w.epoch) keep.push(w);
      else w.reject(new AppendLostError(`append at ${w.lastOffset} in epoch ${w.epoch}: ${st}`));
    }
    this.waiters = keep;
  }

  private maybeSnapshot(now: number): void {
    const every = this.opts.snapshotEveryOffsets ?? 0;
    if (every <= 0 || this.applied - this.lastSnapshotAt < every) return;
    if (this.core.createSnapshot(this.applied, this.opts.stateMachine.snapshot(), now) !== null) {
      this.lastSnapshotAt = this.applied;
    }
  }

  /** Appends record values; resolves once they are committed (the leader only). */
  append(values: Uint8Array[]): Promise<{ offset: number; epoch: number }> {
    const r = this.core.append(values, this.now());
    if (!r.ok) {
      const e = r.error === "not_leader"
        ? new NotLeaderError(r.leaderId, r.epoch)
        : new Error("too many appends pending");
      return Promise.reject(e);
    }
    const p = new Promise<{ offset: number; epoch: number }>((resolve, reject) => {
      this.waiters.push({ epoch: r.epoch, lastOffset: r.lastOffset, resolve, reject });
    });
    this.step();
    return p;
  }

  describeQuorum(): DescribeQuorumResponse {
    return this.core.describeQuorum();
  }

  state(): {
    nodeId: number;
    role: Role;
    epoch: number;
    leaderId: number;
    highWatermark: number;
    logStartOffset: number;
    logEndOffset: number;
    applied: number;
    metrics: QuorumMetrics;
  } {
    const c = this.core;
    return {
      nodeId: c.nodeId,
      role: c.role,
      epoch: c.epoch,
      leaderId: c.leaderId,
      highWatermark: c.highWatermark,
      logStartOffset: c.logStartOffset,
      logEndOffset: c.logEndOffset,
      applied: this.applied,
      metrics: { ...c.metrics },
    };
  }

  /** Resigns leadership (EndQuorumEpoch) and stops. */
  close(): void {
    if (this.closed) return;
    this.core.resign(this.now());
    for (const m of this.core.drain()) this.transport.send(m);
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    for (const w of this.waiters) w.reject(new AppendLostError("node closed"));
    this.waiters = [];
    // Let the EndQuorumEpoch frames leave before the sockets close.
    setTimeout(() => {
      this.transport.close();
      this.stores.log.close();
    }, 50);
  }
}

/** Parses controller.quorum.voters: "1@host:9093,2@host:9093". */
export function parseVoters(spec: string): Map<number, Endpoint> {
  const out = new Map<number, Endpoint>();
  for (const part of spec.split(",")) {
    const m = /^(\d+)@([^:]+):(\d+)$/.exec(part.trim());
    if (m === null) throw new Error(`bad voter "${part}": expected id@host:port`);
    const id = Number(m[1]);
    if (out.has(id)) throw new Error(`voter ${id} listed twice`);
    out.set(id, { host: m[2], port: Number(m[3]) });
  }
  if (out.size === 0) throw new Error("no voters");
  return out;
}
