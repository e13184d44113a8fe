/**
 * Seeded deterministic simulation of the Raft core (src/raft/), and its CLI:
 *
 *   deno task sim --seed N --runs K [--voters 3|5|both] [--observers 0|1]
 *                 [--cycles C] [--wire] [--canary NAME] [--outcomes-only] [--trace]
 *
 * One run is a cluster of 3 or 5 voters (and maybe an observer) on a virtual
 * network, driven by one PRNG seeded with the run's seed. It alternates chaos
 * and calm phases. Chaos: message loss, delay, duplication, reordering,
 * partitions (split, isolated node, one-way link), crashes that lose the
 * unflushed log tail, restarts, process pauses, clock skew (every node's clock
 * has its own rate and origin), graceful resignations, snapshots. Calm: links
 * heal, a random minority of voters stays down, and the live majority must
 * elect a leader and commit a new record on every live node within a bound.
 *
 * Checked after every event (a violation stops the run, printing the seed):
 * - at most one leader per epoch, and followers follow that leader;
 * - the committed log (everything below any node's high watermark) never
 *   changes: each node's log and snapshots must agree with it;
 * - every committed entry is durable (flushed log or snapshot) on a majority
 *   of voters, the property that makes it survive any crash;
 * - a new leader holds every committed entry;
 * - each node's high watermark never moves back (within one incarnation);
 * - acknowledged appends are committed at the offsets they were given;
 * - and at the end of each calm phase, Raft's log matching: two logs with an
 *   entry of the same epoch at the same offset are identical up to there.
 */
import { AssertionError } from "../../src/base/assert.ts";
import { concat } from "../../src/protocol/messages.ts";
import {
  controlTypeOf,
  decodeRaftRequest,
  decodeRaftResponse,
  defaultQuorumConfig,
  type ElectionState,
  type ElectionStore,
  encodeRaftRequest,
  encodeRaftResponse,
  forEachValue,
  type LogBatch,
  MemoryElectionStore,
  MemoryRaftLog,
  MemorySnapshotStore,
  parseSnapshot,
  type QuorumConfig,
  type RaftIo,
  type RaftMessage,
  RaftQuorum,
  type Role,
  SeededRandom,
  type SnapshotId,
} from "../../src/raft/mod.ts";

// --- canaries: deliberately broken variants the simulation must catch -------------

export const canaries = [
  "commit-without-majority",
  "ack-unflushed",
  "unpersisted-vote",
] as const;
export type Canary = typeof canaries[number];

/** Commits what the leader alone has written, without waiting for a majority. */
class CommitWithoutMajority extends RaftQuorum {
  protected override majorityEndOffset(): number {
    return this.logEndOffset;
  }
}

/** Followers acknowledge (fetch past) log entries before they are flushed. */
class AckUnflushed extends RaftQuorum {
  protected override fetchMayAcknowledge(): boolean {
    return true;
  }
}

/** Forgets its vote on a crash (the quorum-state write keeps only the epoch). */
class ForgetfulElectionStore implements ElectionStore {
  private inner = new MemoryElectionStore();
  read(): ElectionState | null {
    return this.inner.read();
  }
  write(s: ElectionState): void {
    this.inner.write({ ...s, votedId: -1 });
  }
}

// --- the simulated log: a MemoryRaftLog with a decoded mirror for the checks ---------

/** Entry identity for the checks: the epoch and what the record says. */
function entriesOf(b: LogBatch, into: string[]): void {
  const type = controlTypeOf(b.bytes);
  if (type >= 0) {
    for (let o = b.baseOffset; o <= b.lastOffset; o++) into.push(`c${type}`);
    return;
  }
  const n0 = into.length;
  forEachValue(b.bytes, (v) => into.push(String.fromCharCode(...v)));
  if (into.length - n0 !== b.lastOffset - b.baseOffset + 1) {
    throw new Violation(`batch at ${b.baseOffset} has sparse offsets`);
  }
}

class SimLog extends MemoryRaftLog {
  /** keys[i], epochs[i]: the entry at offset mirrorStart + i. */
  keys: string[] = [];
  epochsOf: number[] = [];
  mirrorStart = 0;
  onShrink: (offset: number) => void = () => {};

  constructor() {
    super("deferred");
  }
  override append(batch: LogBatch): void {
    super.append(batch);
    const before = this.keys.length;
    entriesOf(batch, this.keys);
    for (let i = before; i < this.keys.length; i++) this.epochsOf.push(batch.epoch);
  }
  override truncateTo(offset: number): void {
    super.truncateTo(offset);
    const keep = Math.max(0, offset - this.mirrorStart);
    if (keep < this.keys.length) {
      this.keys.length = keep;
      this.epochsOf.length = keep;
      this.onShrink(offset);
    }
  }
  override deleteBefore(offset: number, epoch: number): void {
    super.deleteBefore(offset, epoch);
    const drop = offset - this.mirrorStart;
    if (drop > 0) {
      this.keys = this.keys.slice(drop);
      this.epochsOf = this.epochsOf.slice(drop);
      this.mirrorStart = offset;
    }
  }
  override resetTo(offset: number, epoch: number): void {
    super.resetTo(offset, epoch);
    this.keys = [];
    this.epochsOf = [];
    this.mirrorStart = offset;
    this.onShrink(offset);
  }
  key(offset: number): string | undefined {
    return this.keys[offset - this.mirrorStart];
  }
  epochOf(offset: number): number {
    return this.epochsOf[offset - this.mirrorStart] ?? -1;
  }
}

// --- simulation -----------------------------------------------------------------------

export interface SimOptions {
  seed: number;
  voters: number;
  observers: number;
  /** Round-trip every message through the Kafka codecs. */
  wire: boolean;
  /** Chaos + calm cycles. */
  cycles: number;
  canary?: Canary;
  /**
   * Skip the direct check that committed entries are durable on a majority,
   * leaving only its consequences (committed entries lost or changed,
   * acknowledged records missing): shows a canary is caught end to end.
   */
  outcomesOnly?: boolean;
  trace?: boolean;
}

export interface SimResult {
  seed: number;
  ok: boolean;
  error?: string;
  events: number;
  simMs: number;
  committed: number;
  acked: number;
  leaderChanges: number;
  elections: number;
  snapshots: number;
  crashes: number;
  /** Slowest calm-phase recovery (leader elected and a new record committed everywhere). */
  maxRecoveryMs: number;
  trace: string[];
}

class Violation extends Error {
  override name = "Violation";
}

const CONFIG: Omit<QuorumConfig, "nodeId" | "voters"> = {
  clusterId: "sim",
  electionTimeoutMs: 100,
  electionBackoffMaxMs: 100,
  fetchTimeoutMs: 200,
  requestTimeoutMs: 60,
  fetchMaxWaitMs: 40,
  appendLingerMs: 0,
};
const CHAOS_MS = 700;
/** Liveness bound: a live majority must recover within this much calm. */
const CALM_MAX_MS = 5000;
const EVENTS_MAX = 400_000;

type Event =
  | { t: number; seq: number; kind: "deliver"; msg: RaftMessage }
  | { t: number; seq: number; kind: "timer"; node: number; gen: number }
  | { t: number; seq: number; kind: "flush"; node: number; incarnation: number }
  | { t: number; seq: number; kind: "restart"; node: number; gen: number }
  | { t: number; seq: number; kind: "resume"; node: number }
  | { t: number; seq: number; kind: "heal"; gen: number }
  | { t: number; seq: number; kind: "chaos" }
  | { t: number; seq: number; kind: "client" }
  | { t: number; seq: number; kind: "snapshot" }
  | { t: number; seq: number; kind: "phase" };

/** An event before the queue numbers it (Omit over each member of the union). */
type Unsequenced<E> = E extends unknown ? Omit<E, "seq"> : never;

class Heap {
  private a: Event[] = [];
  get size(): number {
    return this.a.length;
  }
  private less(x: Event, y: Event): boolean {
    return x.t < y.t || (x.t === y.t && x.seq < y.seq);
  }
  push(e: Event): void {
    const a = this.a;
    a.push(e);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(a[i], a[p])) break;
      [a[i], a[p]] = [a[p], a[i]];
      i = p;
    }
  }
  pop(): Event | undefined {
    const a = this.a;
    if (a.length === 0) return undefined;
    const top = a[0];
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.less(a[l], a[m])) m = l;
        if (r < a.length && this.less(a[r], a[m])) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m], a[i]];
        i = m;
      }
    }
    return top;
  }
}

interface PendingAppend {
  node: number;
  incarnation: number;
  epoch: number;
  baseOffset: number;
  lastOffset: number;
  values: string[];
  calm: boolean;
}

class SimNode {
  core: RaftQuorum | null = null;
  readonly log = new SimLog();
  election: ElectionStore;
  readonly snapshots = new MemorySnapshotStore();
  alive = false;
  incarnation = 0;
  restartGen = 0;
  // Clock: local = baseLocal + rate * (t - baseT).
  rate = 1;
  baseLocal = 0;
  baseT = 0;
  pausedUntil = 0;
  timerAt = Infinity;
  timerGen = 0;
  flushScheduled = false;
  // Checks.
  hwmSeen = 0;
  verified = 0;
  durable = 0;
  snapshotChecked: SnapshotId | null = null;
  applied = 0;
  lastRole: Role | null = null;
  lastEpoch = -1;

  constructor(readonly id: number, readonly voter: boolean, forgetful: boolean) {
    this.election = forgetful ? new ForgetfulElectionStore() : new MemoryElectionStore();
  }
  local(t: number): number {
    return this.baseLocal + this.rate * (t - this.baseT);
  }
  global(local: number): number {
    return this.baseT + (local - this.baseLocal) / this.rate;
  }
  setRate(t: number, rate: number): void {
    this.baseLocal = this.local(t);
    this.baseT = t;
    this.rate = rate;
  }
}

export function runSim(opts: SimOptions): SimResult {
  const sim = new Simulation(opts);
  return sim.run();
}

class Simulation {
  private readonly rng: SeededRandom;
  private readonly heap = new Heap();
  private seq = 0;
  private now = 0;
  private readonly nodes: SimNode[] = [];
  private readonly voterIds: number[] = [];
  private readonly majority: number;
  private events = 0;
  private readonly traceLines: string[] = [];

  // Network faults.
  private blocked = new Set<string>();
  private healGen = 0;
  private loss = 0;
  private dup = 0;
  private longDelay = 0;
  private maxDelay = 5;

  // Phases.
  private phase: "chaos" | "calm" = "chaos";
  private cycle = 0;
  private calmStart = 0;
  private calmTarget = -1;
  private finished = false;
  private maxRecoveryMs = 0;

  // The committed log as the checks know it: entry `o` is (cEpoch[o], cKey[o]).
  private cEpoch: number[] = [];
  private cKey: string[] = [];
  private leadersByEpoch = new Map<number, number>();
  private pendingAppends: PendingAppend[] = [];
  private acked = new Map<number, string>();
  private valueSeq = 0;
  private crashes = 0;
  private snapshotsTaken = 0;

  constructor(private readonly opts: SimOptions) {
    this.rng = new SeededRandom(opts.seed * 2654435761);
    for (let i = 1; i <= opts.voters; i++) this.voterIds.push(i);
    this.majority = Math.floor(opts.voters / 2) + 1;
    const total = opts.voters + opts.observers;
    for (let i = 1; i <= total; i++) {
      const n = new SimNode(i, i <= opts.voters, opts.canary === "unpersisted-vote");
      // Clock skew: every node has its own origin and rate.
      n.baseLocal = this.rng.int(0, 1_000_000);
      n.rate = 1 + (this.rng.next() - 0.5) * 0.2;
      n.log.onFlushRequested = () => this.scheduleFlush(n);
      n.log.onShrink = (offset) => {
        if (n.durable > offset) n.durable = offset;
        if (n.verified > offset) n.verified = offset;
      };
      this.nodes.push(n);
    }
  }

  private trace(s: string): void {
    if (!this.opts.trace) return;
    this.traceLines.push(`${this.now.toFixed(2)} ${s}`);
    if (this.traceLines.length > 4000) this.traceLines.splice(0, 2000);
  }

  private push(e: Unsequenced<Event>): void {
    this.heap.push({ ...e, seq: this.seq++ } as Event);
  }

  private node(id: number): SimNode | undefined {
    return this.nodes[id - 1];
  }

  run(): SimResult {
    let error: string | undefined;
    try {
      for (const n of this.nodes) this.start(n);
      this.push({ t: 5, kind: "client" });
      this.push({ t: 50, kind: "chaos" });
      this.push({ t: 150, kind: "snapshot" });
      this.push({ t: CHAOS_MS, kind: "phase" });
      while (!this.finished) {
        const e = this.heap.pop();
        if (e === undefined) throw new Violation("event queue ran dry");
        this.now = e.t;
        if (++this.events > EVENTS_MAX) throw new Violation(`more than ${EVENTS_MAX} events`);
        this.dispatch(e);
      }
      this.finalChecks();
    } catch (e) {
      if (e instanceof Violation || e instanceof AssertionError) {
        error = `${e.name}: ${e.message}`;
      } else {
        error = `${e instanceof Error ? e.stack : String(e)}`;
      }
      this.trace(`FAILED ${error}`);
    }
    let leaderChanges = 0;
    let elections = 0;
    for (const n of this.nodes) {
      leaderChanges += n.core?.metrics.leaderChanges ?? 0;
      elections += n.core?.metrics.elections ?? 0;
    }
    return {
      seed: this.opts.seed,
      ok: error === undefined,
      error,
      events: this.events,
      simMs: Math.round(this.now),
      committed: this.cKey.length,
      acked: this.acked.size,
      leaderChanges,
      elections,
      snapshots: this.snapshotsTaken,
      crashes: this.crashes,
      maxRecoveryMs: Math.round(this.maxRecoveryMs),
      trace: this.traceLines,
    };
  }

  // --- nodes ------------------------------------------------------------------------

  private makeCore(n: SimNode): RaftQuorum {
    const config = defaultQuorumConfig(n.id, this.voterIds, CONFIG);
    const io: RaftIo = {
      log: n.log,
      election: n.election,
      snapshots: n.snapshots,
      random: new SeededRandom(this.rng.int(0, 0x7fffffff)),
    };
    const now = n.local(this.now);
    switch (this.opts.canary) {
      case "commit-without-majority":
        return new CommitWithoutMajority(config, io, now);
      case "ack-unflushed":
        return new AckUnflushed(config, io, now);
      default:
        return new RaftQuorum(config, io, now);
    }
  }

  private start(n: SimNode): void {
    n.alive = true;
    n.incarnation++;
    n.hwmSeen = 0;
    n.applied = 0;
    n.lastRole = null;
    n.timerAt = Infinity;
    n.flushScheduled = false;
    n.core = this.makeCore(n);
    this.trace(
      `start ${n.id} epoch ${n.core.epoch} role ${n.core.role} log ${n.log.startOffset}..${n.log.endOffset}`,
    );
    this.step(n, null);
  }

  private crash(n: SimNode): void {
    if (!n.alive) return;
    this.crashes++;
    n.alive = false;
    n.core = null;
    n.log.loseUnflushed();
    this.trace(`crash ${n.id} log kept to ${n.log.endOffset}`);
    this.checkDurability();
  }

  private scheduleFlush(n: SimNode): void {
    if (n.flushScheduled) return;
    n.flushScheduled = true;
    this.push({
      t: this.now + this.rng.next() * 4,
      kind: "flush",
      node: n.id,
      incarnation: n.incarnation,
    });
  }

  private scheduleTimer(n: SimNode, deadline: number): void {
    if (deadline === Infinity) return;
    const t = Math.max(n.global(deadline), this.now + 0.01);
    if (t >= n.timerAt && n.timerAt > this.now) return;
    n.timerAt = t;
    this.push({ t, kind: "timer", node: n.id, gen: ++n.timerGen });
  }

  /** Runs one input through a node's core, sends its output, checks everything. */
  private step(n: SimNode, msg: RaftMessage | null): void {
    const core = n.core!;
    const local = n.local(this.now);
    const out = msg === null ? [] : core.handle(msg, local);
    const deadline = core.poll(local);
    out.push(...core.drain());
    for (const m of out) this.send(m);
    this.scheduleTimer(n, deadline);
    this.afterStep(n);
    // Crash right after granting a vote now and then: the vote must already be on disk.
    if (
      this.phase === "chaos" && this.rng.chance(0.25) &&
      out.some((m) => m.kind === "response" && m.apiKey === 52 && votedYes(m.body))
    ) {
      this.crash(n);
      this.push({
        t: this.now + 0.1 + this.rng.next() * 3,
        kind: "restart",
        node: n.id,
        gen: ++n.restartGen,
      });
    }
  }

  // --- network ------------------------------------------------------------------------

  private send(m: RaftMessage): void {
    if (this.opts.trace) this.trace(`send ${describe(m)}`);
    const to = this.node(m.to);
    if (to === undefined || this.blocked.has(`${m.from}>${m.to}`) || this.rng.chance(this.loss)) {
      return;
    }
    const msg = this.opts.wire ? wireRoundTrip(m) : m;
    const copies = this.rng.chance(this.dup) ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      let delay = 0.2 + this.rng.next() * this.maxDelay;
      if (this.rng.chance(this.longDelay)) delay += 20 + this.rng.next() * 120;
      this.push({ t: this.now + delay, kind: "deliver", msg });
    }
  }

  private dispatch(e: Event): void {
    switch (e.kind) {
      case "deliver": {
        const n = this.node(e.msg.to)!;
        if (!n.alive) return;
        if (n.pausedUntil > this.now) {
          this.push({ t: n.pausedUntil + this.rng.next(), kind: "deliver", msg: e.msg });
          return;
        }
        if (this.opts.trace) this.trace(`recv ${describe(e.msg)}`);
        this.step(n, e.msg);
        return;
      }
      case "timer": {
        const n = this.node(e.node)!;
        if (!n.alive || e.gen !== n.timerGen) return;
        n.timerAt = Infinity;
        if (n.pausedUntil > this.now) return; // resume polls it
        this.step(n, null);
        return;
      }
      case "flush": {
        const n = this.node(e.node)!;
        if (!n.alive || e.incarnation !== n.incarnation) return;
        n.flushScheduled = false;
        if (n.pausedUntil > this.now) {
          this.scheduleFlush(n);
          return;
        }
        n.log.completeFlush();
        this.step(n, null);
        return;
      }
      case "restart": {
        const n = this.node(e.node)!;
        if (n.alive || e.gen !== n.restartGen) return;
        this.start(n);
        return;
      }
      case "resume": {
        const n = this.node(e.node)!;
        if (!n.alive || n.pausedUntil > this.now) return;
        this.step(n, null);
        return;
      }
      case "heal":
        if (e.gen === this.healGen) this.blocked.clear();
        return;
      case "chaos":
        if (this.phase === "chaos") this.chaos();
        this.push({ t: this.now + 10 + this.rng.next() * 90, kind: "chaos" });
        return;
      case "client":
        this.client();
        this.push({ t: this.now + 3 + this.rng.next() * 30, kind: "client" });
        return;
      case "snapshot":
        this.snapshot();
        this.push({ t: this.now + 100 + this.rng.next() * 300, kind: "snapshot" });
        return;
      case "phase":
        if (this.phase === "chaos") this.beginCalm();
        else throw new Violation(this.livenessFailure());
        return;
    }
  }

  // --- faults -------------------------------------------------------------------------

  private chaos(): void {
    const r = this.rng.next();
    const n = this.rng.pick(this.nodes);
    if (r < 0.16) {
      if (n.alive) {
        this.crash(n);
        this.push({
          t: this.now + 20 + this.rng.next() * 600,
          kind: "restart",
          node: n.id,
          gen: ++n.restartGen,
        });
      }
    } else if (r < 0.30) {
      this.partition();
    } else if (r < 0.38) {
      this.blocked.clear();
      this.trace("heal");
    } else if (r < 0.45) {
      if (n.alive) {
        n.pausedUntil = this.now + 20 + this.rng.next() * 400;
        this.trace(`pause ${n.id} until ${n.pausedUntil.toFixed(1)}`);
        this.push({ t: n.pausedUntil, kind: "resume", node: n.id });
      }
    } else if (r < 0.53) {
      n.setRate(this.now, 0.7 + this.rng.next() * 0.6);
      this.trace(`clock ${n.id} rate ${n.rate.toFixed(3)}`);
    } else if (r < 0.63) {
      this.loss = this.rng.chance(0.3) ? 0 : this.rng.next() * 0.25;
      this.dup = this.rng.next() * 0.06;
      this.longDelay = this.rng.next() * 0.08;
      this.maxDelay = 1 + this.rng.next() * 10;
      this.trace(`network loss ${this.loss.toFixed(3)} dup ${this.dup.toFixed(3)}`);
    } else if (r < 0.67) {
      const leader = this.nodes.find((x) => x.alive && x.core!.role === "leader");
      if (leader && leader.pausedUntil <= this.now) {
        this.trace(`resign ${leader.id}`);
        leader.core!.resign(leader.local(this.now));
        this.step(leader, null);
      }
    }
  }

  private partition(): void {
    this.blocked.clear();
    const ids = this.nodes.map((n) => n.id);
    const kind = this.rng.next();
    if (kind < 0.4) {
      const side = new Set(ids.filter(() => this.rng.chance(0.5)));
      for (const a of ids) {
        for (const b of ids) if (side.has(a) !== side.has(b)) this.blocked.add(`${a}>${b}`);
      }
    } else if (kind < 0.75) {
      const x = this.rng.pick(ids);
      for (const b of ids) {
        if (b !== x) {
          this.blocked.add(`${x}>${b}`);
          this.blocked.add(`${b}>${x}`);
        }
      }
    } else {
      for (let i = 0; i < 2; i++) this.blocked.add(`${this.rng.pick(ids)}>${this.rng.pick(ids)}`);
    }
    this.trace(`partition ${[...this.blocked].join(" ")}`);
    const gen = ++this.healGen;
    this.push({ t: this.now + 50 + this.rng.next() * 600, kind: "heal", gen });
  }

  private beginCalm(): void {
    this.phase = "calm";
    this.calmStart = this.now;
    this.calmTarget = -1;
    this.blocked.clear();
    this.healGen++;
    this.loss = 0;
    this.dup = 0;
    this.longDelay = 0;
    this.maxDelay = 3;
    // A random minority of voters stays down: the rest must still make progress.
    const down = new Set<number>();
    const k = this.rng.int(0, this.opts.voters - this.majority);
    while (down.size < k) down.add(this.rng.pick(this.voterIds));
    this.trace(`calm: down ${[...down].join(",") || "none"}`);
    for (const n of this.nodes) {
      n.restartGen++;
      n.pausedUntil = 0;
      n.setRate(this.now, 0.95 + this.rng.next() * 0.1);
      if (down.has(n.id)) this.crash(n);
    }
    for (const n of this.nodes) {
      if (down.has(n.id)) continue;
      if (!n.alive) this.start(n);
      else this.step(n, null);
    }
    this.push({ t: this.now + CALM_MAX_MS, kind: "phase" });
  }

  private endCalm(): void {
    this.maxRecoveryMs = Math.max(this.maxRecoveryMs, this.now - this.calmStart);
    this.trace(`calm recovered in ${(this.now - this.calmStart).toFixed(1)}ms`);
    this.checkLogMatching();
    this.cycle++;
    if (this.cycle >= this.opts.cycles) {
      this.finished = true;
      return;
    }
    this.phase = "chaos";
    for (const n of this.nodes) {
      if (!n.alive) {
        this.push({
          t: this.now + this.rng.next() * 200,
          kind: "restart",
          node: n.id,
          gen: ++n.restartGen,
        });
      }
    }
    this.push({ t: this.now + CHAOS_MS, kind: "phase" });
  }

  private livenessFailure(): string {
    const states = this.nodes.map((n) =>
      n.alive
        ? `${n.id}:${n.core!.role}@${n.core!.epoch} hwm ${
          n.core!.highWatermark
        } leo ${n.log.endOffset}`
        : `${n.id}:down`
    );
    return `no leader committed a new record within ${CALM_MAX_MS}ms of calm ` +
      `(target ${this.calmTarget}; ${states.join("; ")})`;
  }

  // --- workload -----------------------------------------------------------------------

  private client(): void {
    const leaders = this.nodes.filter((n) =>
      n.alive && n.pausedUntil <= this.now && n.core!.role === "leader"
    );
    if (leaders.length === 0) return;
    const n = this.rng.pick(leaders);
    const values: string[] = [];
    const count = this.rng.int(1, 3);
    for (let i = 0; i < count; i++) values.push(`v${++this.valueSeq}`);
    const bytes = values.map((v) => Uint8Array.from(v, (c) => c.charCodeAt(0)));
    const res = n.core!.append(bytes, n.local(this.now));
    if (!res.ok) return;
    this.pendingAppends.push({
      node: n.id,
      incarnation: n.incarnation,
      epoch: res.epoch,
      baseOffset: res.baseOffset,
      lastOffset: res.lastOffset,
      values,
      calm: this.phase === "calm",
    });
    this.step(n, null);
  }

  private snapshot(): void {
    const live = this.nodes.filter((n) => n.alive && n.pausedUntil <= this.now);
    if (live.length === 0) return;
    const n = this.rng.pick(live);
    const latest = n.snapshots.latest()?.endOffset ?? 0;
    if (n.applied - latest < 8) return;
    const values: Uint8Array[] = [];
    for (let o = 0; o < n.applied; o++) {
      values.push(Uint8Array.from(`${this.cEpoch[o]}|${this.cKey[o]}`, (c) => c.charCodeAt(0)));
    }
    const id = n.core!.createSnapshot(n.applied, values, n.local(this.now));
    if (id !== null) {
      this.snapshotsTaken++;
      this.trace(`snapshot ${n.id} at ${id.endOffset}@${id.epoch}`);
    }
    this.step(n, null);
  }

  // --- checks -------------------------------------------------------------------------

  private afterStep(n: SimNode): void {
    const core = n.core!;
    const role = core.role;
    const epoch = core.epoch;
    if (role === "leader") {
      const prev = this.leadersByEpoch.get(epoch);
      if (prev !== undefined && prev !== n.id) {
        throw new Violation(`two leaders in epoch ${epoch}: ${prev} and ${n.id}`);
      }
      if (prev === undefined) {
        this.leadersByEpoch.set(epoch, n.id);
        this.trace(`leader ${n.id} epoch ${epoch}`);
      }
    } else if (role === "follower") {
      const l = this.leadersByEpoch.get(epoch);
      if (l !== core.leaderId) {
        throw new Violation(
          `${n.id} follows ${core.leaderId} in epoch ${epoch}, whose leader is ${l}`,
        );
      }
    }
    const hwm = core.highWatermark;
    if (hwm < n.hwmSeen) {
      throw new Violation(`${n.id}: high watermark moved back from ${n.hwmSeen} to ${hwm}`);
    }
    n.hwmSeen = hwm;
    this.checkSnapshot(n);
    this.verifyCommitted(n);
    if (role === "leader" && (n.lastRole !== "leader" || n.lastEpoch !== epoch)) {
      this.checkLeaderCompleteness(n);
    }
    n.lastRole = role;
    n.lastEpoch = epoch;
    this.apply(n);
    this.checkDurability();
    this.checkAppends(n);
    if (this.phase === "calm") this.checkCalm();
  }

  /** A snapshot a node holds must be exactly the committed log below its end. */
  private checkSnapshot(n: SimNode): void {
    const id = n.snapshots.latest();
    if (id === null || (n.snapshotChecked?.endOffset === id.endOffset)) return;
    const size = n.snapshots.size(id);
    const values = parseSnapshot(n.snapshots.read(id, 0, size)!);
    if (values.length !== id.endOffset) {
      throw new Violation(`${n.id}: snapshot ${id.endOffset} holds ${values.length} entries`);
    }
    for (let o = 0; o < values.length; o++) {
      const s = String.fromCharCode(...values[o]);
      const bar = s.indexOf("|");
      this.commit(n, o, Number(s.slice(0, bar)), s.slice(bar + 1), "snapshot");
    }
    n.snapshotChecked = id;
  }

  /** Entry `o` is committed with (epoch, key): it must match, or extend, the committed log. */
  private commit(n: SimNode, o: number, epoch: number, key: string, where: string): void {
    if (o < this.cKey.length) {
      if (this.cKey[o] !== key || this.cEpoch[o] !== epoch) {
        throw new Violation(
          `${n.id}: committed entry ${o} changed in its ${where}: ` +
            `${this.cEpoch[o]}/${this.cKey[o]} became ${epoch}/${key}`,
        );
      }
    } else if (o === this.cKey.length) {
      this.cKey.push(key);
      this.cEpoch.push(epoch);
    } else {
      throw new Violation(`${n.id}: committed entry ${o} beyond a gap at ${this.cKey.length}`);
    }
  }

  /** Everything below a node's high watermark is committed: check it, learn it. */
  private verifyCommitted(n: SimNode): void {
    const hwm = n.core!.highWatermark;
    const log = n.log;
    let o = Math.max(n.verified, log.startOffset);
    if (n.verified < log.startOffset && (n.snapshotChecked?.endOffset ?? 0) < log.startOffset) {
      throw new Violation(`${n.id}: log starts at ${log.startOffset} without a checked snapshot`);
    }
    for (; o < hwm; o++) {
      const key = log.key(o);
      if (key === undefined) {
        throw new Violation(`${n.id}: high watermark ${hwm} beyond its log end ${log.endOffset}`);
      }
      this.commit(n, o, log.epochOf(o), key, "log");
    }
    if (o > n.verified) n.verified = o;
  }

  /** The state machine applies what the core hands out; it must be the committed log. */
  private apply(n: SimNode): void {
    const core = n.core!;
    for (;;) {
      const c = core.nextCommitted(n.applied);
      if (c === null) return;
      if (c.kind === "snapshot") {
        if (c.values.length !== c.id.endOffset) throw new Violation(`${n.id}: short snapshot`);
        for (let o = 0; o < c.values.length; o++) {
          const s = String.fromCharCode(...c.values[o]);
          if (s !== `${this.cEpoch[o]}|${this.cKey[o]}`) {
            throw new Violation(`${n.id}: snapshot entry ${o} is ${s}`);
          }
        }
        n.applied = c.id.endOffset;
      } else {
        for (const b of c.batches) {
          if (b.baseOffset !== n.applied) throw new Violation(`${n.id}: applied out of order`);
          const keys: string[] = [];
          entriesOf(b, keys);
          for (let i = 0; i < keys.length; i++) {
            const o = b.baseOffset + i;
            if (keys[i] !== this.cKey[o] || b.epoch !== this.cEpoch[o]) {
              throw new Violation(`${n.id}: applied ${b.epoch}/${keys[i]} at ${o}`);
            }
          }
          n.applied = b.lastOffset + 1;
        }
      }
    }
  }

  /** Every committed entry must be durable on a majority of voters. */
  private checkDurability(): void {
    if (this.opts.outcomesOnly) return;
    const c = this.cKey.length;
    const durable: number[] = [];
    for (const id of this.voterIds) {
      const n = this.node(id)!;
      const snap = n.snapshotChecked;
      if (snap !== null && n.durable < snap.endOffset) n.durable = snap.endOffset;
      const log = n.log;
      while (
        n.durable < c && n.durable < log.flushedOffset && n.durable >= log.startOffset &&
        log.key(n.durable) === this.cKey[n.durable] &&
        log.epochOf(n.durable) === this.cEpoch[n.durable]
      ) n.durable++;
      durable.push(n.durable);
    }
    durable.sort((a, b) => b - a);
    if (durable[this.majority - 1] < c) {
      throw new Violation(
        `committed entry ${durable[this.majority - 1]} (of ${c}) is durable on fewer than ` +
          `${this.majority} voters (durable prefixes ${durable.join(",")})`,
      );
    }
  }

  private checkLeaderCompleteness(n: SimNode): void {
    const log = n.log;
    const c = this.cKey.length;
    if (log.endOffset < c) {
      throw new Violation(
        `leader ${n.id} (epoch ${n.core!.epoch}) lacks committed entries ${log.endOffset}..${c}`,
      );
    }
    for (let o = log.startOffset; o < c; o++) {
      if (log.key(o) !== this.cKey[o] || log.epochOf(o) !== this.cEpoch[o]) {
        throw new Violation(`leader ${n.id} (epoch ${n.core!.epoch}) has a different entry ${o}`);
      }
    }
  }

  private checkAppends(n: SimNode): void {
    const core = n.core!;
    let w = 0;
    const list = this.pendingAppends;
    for (let i = 0; i < list.length; i++) {
      const p = list[i];
      let keep = true;
      if (p.node === n.id) {
        if (p.incarnation !== n.incarnation) keep = false;
        else {
          const st = core.appendStatus(p.epoch, p.lastOffset);
          if (st === "committed") {
            for (let k = 0; k < p.values.length; k++) {
              const o = p.baseOffset + k;
              if (this.cKey[o] !== p.values[k]) {
                throw new Violation(
                  `acknowledged ${p.values[k]} at ${o} but committed ${this.cKey[o]}`,
                );
              }
              this.acked.set(o, p.values[k]);
            }
            if (p.calm && this.phase === "calm" && this.calmTarget < p.lastOffset) {
              this.calmTarget = p.lastOffset;
            }
            keep = false;
          } else if (st === "lost" || st === "unknown") keep = false;
        }
      }
      if (keep) list[w++] = p;
    }
    list.length = w;
  }

  private checkCalm(): void {
    if (this.calmTarget < 0) return;
    for (const n of this.nodes) {
      if (!n.alive) continue;
      if (n.core!.highWatermark <= this.calmTarget) return;
    }
    this.endCalm();
  }

  /** Raft's log matching property between every two live logs. */
  private checkLogMatching(): void {
    const live = this.nodes.filter((n) => n.alive);
    for (let i = 0; i < live.length; i++) {
      for (let j = i + 1; j < live.length; j++) {
        const a = live[i].log;
        const b = live[j].log;
        const lo = Math.max(a.startOffset, b.startOffset);
        const hi = Math.min(a.endOffset, b.endOffset);
        let lastSame = -1;
        for (let o = hi - 1; o >= lo; o--) {
          if (a.epochOf(o) === b.epochOf(o)) {
            lastSame = o;
            break;
          }
        }
        for (let o = lo; o <= lastSame; o++) {
          if (a.epochOf(o) !== b.epochOf(o) || a.key(o) !== b.key(o)) {
            throw new Violation(
              `logs of ${live[i].id} and ${live[j].id} agree at ${lastSame} but differ at ${o}`,
            );
          }
        }
      }
    }
  }

  private finalChecks(): void {
    for (const [o, v] of this.acked) {
      if (this.cKey[o] !== v) throw new Violation(`acknowledged ${v} at ${o} is not committed`);
    }
    for (const n of this.nodes) {
      if (!n.alive) continue;
      const e = n.core!.epoch;
      if (e > 0 && this.leadersByEpoch.size === 0) throw new Violation("no leader ever");
    }
  }
}

function votedYes(body: unknown): boolean {
  const b = body as { topics: { partitions: { voteGranted: boolean }[] }[] };
  return b.topics[0]?.partitions[0]?.voteGranted === true;
}

function describe(m: RaftMessage): string {
  const b = JSON.stringify(m.body, (_k, v) => v instanceof Uint8Array ? `<${v.length}B>` : v);
  return `${m.kind} ${m.apiKey} ${m.from}->${m.to} #${m.correlationId} ${b.slice(0, 400)}`;
}

/** Sends a message through the codecs, as a TCP transport would. */
export function wireRoundTrip(m: RaftMessage): RaftMessage {
  if (m.kind === "request") {
    const frame = concat(encodeRaftRequest(m)).subarray(4);
    return decodeRaftRequest(frame, m.to, -1).msg;
  }
  const frame = concat(encodeRaftResponse(m)).subarray(4);
  return decodeRaftResponse(m.apiKey, frame, m.from, m.to);
}

// --- batches of runs --------------------------------------------------------------

export interface BatchSummary {
  runs: number;
  failures: SimResult[];
  events: number;
  committed: number;
  acked: number;
  leaderChanges: number;
  elections: number;
  snapshots: number;
  crashes: number;
  maxRecoveryMs: number;
  wallMs: number;
}

/** Runs seeds [from, from + runs); `shape` picks voters/observers/wire per seed. */
export function runBatch(
  from: number,
  runs: number,
  shape: (seed: number) => Omit<SimOptions, "seed">,
  stopAfterFailures = Infinity,
): BatchSummary {
  const start = performance.now();
  const s: BatchSummary = {
    runs: 0,
    failures: [],
    events: 0,
    committed: 0,
    acked: 0,
    leaderChanges: 0,
    elections: 0,
    snapshots: 0,
    crashes: 0,
    maxRecoveryMs: 0,
    wallMs: 0,
  };
  for (let seed = from; seed < from + runs; seed++) {
    const r = runSim({ seed, ...shape(seed) });
    s.runs++;
    s.events += r.events;
    s.committed += r.committed;
    s.acked += r.acked;
    s.leaderChanges += r.leaderChanges;
    s.elections += r.elections;
    s.snapshots += r.snapshots;
    s.crashes += r.crashes;
    s.maxRecoveryMs = Math.max(s.maxRecoveryMs, r.maxRecoveryMs);
    if (!r.ok) {
      s.failures.push(r);
      if (s.failures.length >= stopAfterFailures) break;
    }
  }
  s.wallMs = Math.round(performance.now() - start);
  return s;
}

export function replayCommand(seed: number, o: Omit<SimOptions, "seed">): string {
  return `deno task sim --seed ${seed} --runs 1 --voters ${o.voters} --observers ${o.observers}` +
    ` --cycles ${o.cycles}${o.wire ? " --wire" : ""}${o.canary ? ` --canary ${o.canary}` : ""}` +
    `${o.outcomesOnly ? " --outcomes-only" : ""} --trace`;
}

/** Shape used by CI and by default: observers on odd seeds, codecs on every 8th. */
export function defaultShape(
  voters: number,
  cycles = 2,
): (seed: number) => Omit<SimOptions, "seed"> {
  return (seed) => ({ voters, observers: seed % 2, wire: seed % 8 === 0, cycles });
}

function parseArgs(args: string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith("--")) throw new Error(`unexpected argument ${a}`);
    const next = args[i + 1];
    if (next === undefined || next.startsWith("--")) m.set(a.slice(2), "true");
    else {
      m.set(a.slice(2), next);
      i++;
    }
  }
  return m;
}

if (import.meta.main) {
  const a = parseArgs(Deno.args);
  const seed = Number(a.get("seed") ?? Date.now() % 1_000_000);
  const runs = Number(a.get("runs") ?? 100);
  const votersArg = a.get("voters") ?? "both";
  const cycles = Number(a.get("cycles") ?? 2);
  const canaryArg = a.get("canary");
  if (canaryArg !== undefined && !(canaries as readonly string[]).includes(canaryArg)) {
    throw new Error(`unknown canary ${canaryArg}; one of ${canaries.join(", ")}`);
  }
  const canary = canaryArg as Canary | undefined;
  const trace = a.has("trace");
  const voterSets = votersArg === "both" ? [3, 5] : [Number(votersArg)];
  let failed = 0;
  for (const voters of voterSets) {
    const shape = (s: number): Omit<SimOptions, "seed"> => ({
      voters,
      observers: a.has("observers") ? Number(a.get("observers")) : s % 2,
      wire: a.has("wire") || s % 8 === 0,
      cycles,
      canary,
      outcomesOnly: a.has("outcomes-only"),
      trace,
    });
    const summary = runBatch(seed, runs, shape);
    for (const f of summary.failures) {
      failed++;
      if (trace) console.log(f.trace.join("\n"));
      console.log(`FAIL seed ${f.seed} (${voters} voters): ${f.error}`);
      console.log(`  replay: ${replayCommand(f.seed, shape(f.seed))}`);
    }
    console.log(JSON.stringify({
      voters,
      seeds: `${seed}..${seed + runs - 1}`,
      runs: summary.runs,
      failures: summary.failures.length,
      events: summary.events,
      committed: summary.committed,
      acked: summary.acked,
      leaderChanges: summary.leaderChanges,
      elections: summary.elections,
      snapshots: summary.snapshots,
      crashes: summary.crashes,
      maxRecoveryMs: summary.maxRecoveryMs,
      wallMs: summary.wallMs,
    }));
  }
  if (failed > 0) Deno.exit(canary ? 0 : 1);
}
