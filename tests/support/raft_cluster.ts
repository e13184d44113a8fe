/**
 * A small deterministic cluster for the Raft unit tests: instant FIFO delivery,
 * a manual clock, isolatable nodes, crash and restart with durable stores, and
 * optionally every message through the Kafka codecs (recording which RPCs did).
 */
import { concat } from "../../src/protocol/messages.ts";
import {
  decodeRaftRequest,
  decodeRaftResponse,
  defaultQuorumConfig,
  encodeRaftRequest,
  encodeRaftResponse,
  MemoryElectionStore,
  MemoryRaftLog,
  MemorySnapshotStore,
  type QuorumConfig,
  type RaftMessage,
  RaftQuorum,
  SeededRandom,
} from "../../src/raft/mod.ts";

export interface TestNode {
  id: number;
  core: RaftQuorum;
  log: MemoryRaftLog;
  election: MemoryElectionStore;
  snapshots: MemorySnapshotStore;
  alive: boolean;
  deadline: number;
}

export const TEST_CONFIG: Partial<QuorumConfig> = {
  electionTimeoutMs: 100,
  electionBackoffMaxMs: 50,
  fetchTimeoutMs: 200,
  requestTimeoutMs: 80,
  fetchMaxWaitMs: 40,
};

export class TestCluster {
  now = 1000;
  readonly nodes = new Map<number, TestNode>();
  private queue: RaftMessage[] = [];
  /** Nodes cut off from everyone. */
  readonly isolated = new Set<number>();
  /** Messages sent, by "request <apiKey>" / "response <apiKey>", when `wire` is on. */
  readonly wireSeen = new Map<string, number>();
  sent = 0;
  /** Optional filter: return false to drop a message. */
  filter: (m: RaftMessage) => boolean = () => true;

  constructor(
    readonly voters: number[],
    readonly observers: number[] = [],
    readonly config: Partial<QuorumConfig> = TEST_CONFIG,
    readonly wire = false,
  ) {
    for (const id of [...voters, ...observers]) {
      const log = new MemoryRaftLog();
      const node: TestNode = {
        id,
        log,
        election: new MemoryElectionStore(),
        snapshots: new MemorySnapshotStore(),
        alive: false,
        deadline: Infinity,
        core: undefined as unknown as RaftQuorum,
      };
      this.nodes.set(id, node);
      this.start(id);
    }
  }

  node(id: number): TestNode {
    const n = this.nodes.get(id);
    if (n === undefined) throw new Error(`no node ${id}`);
    return n;
  }

  start(id: number): void {
    const n = this.node(id);
    n.core = new RaftQuorum(
      defaultQuorumConfig(id, this.voters, this.config),
      {
        log: n.log,
        election: n.election,
        snapshots: n.snapshots,
        random: new SeededRandom(id * 7919 + this.now),
      },
      this.now,
    );
    n.alive = true;
    this.step(n, null);
  }

  crash(id: number): void {
    this.node(id).alive = false;
  }

  private step(n: TestNode, msg: RaftMessage | null): void {
    const out = msg === null ? [] : n.core.handle(msg, this.now);
    n.deadline = n.core.poll(this.now);
    out.push(...n.core.drain());
    for (const m of out) this.send(m);
  }

  private send(m: RaftMessage): void {
    this.sent++;
    if (this.isolated.has(m.from) || this.isolated.has(m.to) || !this.filter(m)) return;
    if (this.wire) {
      const key = `${m.kind} ${m.apiKey}`;
      this.wireSeen.set(key, (this.wireSeen.get(key) ?? 0) + 1);
      if (m.kind === "request") {
        m = decodeRaftRequest(concat(encodeRaftRequest(m)).subarray(4), m.to, -1).msg;
      } else {
        m = decodeRaftResponse(m.apiKey, concat(encodeRaftResponse(m)).subarray(4), m.from, m.to);
      }
    }
    this.queue.push(m);
  }

  /** Delivers queued messages until none are left. */
  deliver(): void {
    for (let i = 0; i < 100_000 && this.queue.length > 0; i++) {
      const m = this.queue.shift()!;
      const n = this.nodes.get(m.to);
      if (n === undefined || !n.alive) continue;
      this.step(n, m);
    }
  }

  /** Polls a node now (after an append, a resign, a snapshot). */
  poke(id: number): void {
    this.step(this.node(id), null);
    this.deliver();
  }

  /** Advances the clock to the next deadline (at most `maxMs`) and fires it. */
  advance(maxMs: number): void {
    this.deliver();
    let next = this.now + maxMs;
    for (const n of this.nodes.values()) if (n.alive) next = Math.min(next, n.deadline);
    this.now = Math.max(this.now, next);
    for (const n of this.nodes.values()) {
      if (n.alive && n.deadline <= this.now) this.step(n, null);
    }
    this.deliver();
  }

  runFor(ms: number): void {
    const end = this.now + ms;
    while (this.now < end) this.advance(end - this.now);
  }

  /** Runs until `pred` holds; throws after `maxMs` of simulated time. */
  runUntil(pred: () => boolean, maxMs = 10_000, what = "condition"): void {
    const end = this.now + maxMs;
    this.deliver();
    while (!pred()) {
      if (this.now >= end) throw new Error(`${what} not reached within ${maxMs}ms`);
      this.advance(Math.min(50, end - this.now));
    }
  }

  leader(): number {
    const ls = [...this.nodes.values()].filter((n) => n.alive && n.core.role === "leader");
    if (ls.length === 0) return -1;
    ls.sort((a, b) => b.core.epoch - a.core.epoch);
    return ls[0].id;
  }

  /** A leader that every live, connected node follows. */
  settledLeader(): number {
    const l = this.leader();
    if (l < 0 || this.isolated.has(l)) return -1;
    const epoch = this.node(l).core.epoch;
    for (const n of this.nodes.values()) {
      if (!n.alive || this.isolated.has(n.id) || n.id === l) continue;
      if (n.core.leaderId !== l || n.core.epoch !== epoch) return -1;
    }
    return l;
  }

  append(id: number, ...values: string[]) {
    const r = this.node(id).core.append(values.map((v) => new TextEncoder().encode(v)), this.now);
    this.poke(id);
    return r;
  }
}
