import { assert, assertEquals } from "../../tests/support/raft_assert.ts";
import { TestCluster } from "../../tests/support/raft_cluster.ts";
import { ErrorCode } from "../protocol/errors.ts";
import { MemoryElectionStore, MemoryRaftLog, MemorySnapshotStore } from "./memory_log.ts";
import { FETCH } from "./messages.ts";
import { RaftQuorum } from "./quorum.ts";
import { SeededRandom } from "./random.ts";
import { forEachValue } from "./records.ts";
import { defaultQuorumConfig } from "./types.ts";

const enc = (s: string) => new TextEncoder().encode(s);

/** Data record values of the committed log of a node, read through nextCommitted. */
function committedValues(core: RaftQuorum): string[] {
  const out: string[] = [];
  let applied = 0;
  for (;;) {
    const c = core.nextCommitted(applied);
    if (c === null) return out;
    if (c.kind === "snapshot") {
      out.length = 0;
      for (const v of c.values) out.push(new TextDecoder().decode(v));
      applied = c.id.endOffset;
    } else {
      for (const b of c.batches) {
        forEachValue(b.bytes, (v) => out.push(new TextDecoder().decode(v)));
        applied = b.lastOffset + 1;
      }
    }
  }
}

Deno.test("a one-voter quorum leads at once and commits on its own flush", () => {
  const log = new MemoryRaftLog("deferred");
  const io = {
    log,
    election: new MemoryElectionStore(),
    snapshots: new MemorySnapshotStore(),
    random: new SeededRandom(1),
  };
  const q = new RaftQuorum(defaultQuorumConfig(1, [1]), io, 0);
  q.poll(0);
  assertEquals([q.role, q.epoch, q.leaderId], ["leader", 1, 1]);
  assertEquals(q.highWatermark, 0, "LeaderChange not flushed yet");
  log.completeFlush();
  q.poll(1);
  assertEquals(q.highWatermark, 1);
  const r = q.append([enc("a"), enc("b")], 2);
  assert(r.ok);
  assertEquals([r.baseOffset, r.lastOffset], [1, 2]);
  q.poll(2);
  assertEquals(q.appendStatus(r.epoch, r.lastOffset), "pending");
  log.completeFlush();
  q.poll(3);
  assertEquals(q.highWatermark, 3);
  assertEquals(q.appendStatus(r.epoch, r.lastOffset), "committed");
  assertEquals(committedValues(q), ["a", "b"]);
  assertEquals(q.drain(), [], "a lone voter sends nothing");

  // Restart: it resigns the old epoch and leads the next one at once.
  const q2 = new RaftQuorum(defaultQuorumConfig(1, [1]), io, 10);
  q2.poll(10);
  assertEquals([q2.role, q2.epoch], ["leader", 2]);
  log.completeFlush();
  q2.poll(11);
  assertEquals(committedValues(q2), ["a", "b"]);
});

Deno.test("three voters elect one leader and commit by majority; DescribeQuorum reports it", () => {
  const c = new TestCluster([1, 2, 3]);
  c.runUntil(() => c.settledLeader() > 0, 5000, "a leader");
  const l = c.settledLeader();
  const leader = c.node(l).core;
  const r = c.append(l, "x", "y");
  assert(r.ok);
  c.runUntil(() => [...c.nodes.values()].every((n) => n.core.highWatermark > r.lastOffset));
  for (const n of c.nodes.values()) assertEquals(committedValues(n.core), ["x", "y"]);

  const d = leader.describeQuorum().topics[0].partitions[0];
  assertEquals([d.errorCode, d.leaderId, d.leaderEpoch], [0, l, leader.epoch]);
  assertEquals(d.highWatermark, leader.highWatermark);
  assertEquals(d.currentVoters.map((v) => v.replicaId), [1, 2, 3]);
  assert(d.currentVoters.every((v) => v.logEndOffset === leader.logEndOffset), "voters caught up");

  const f = c.node(l === 1 ? 2 : 1).core.describeQuorum().topics[0].partitions[0];
  assertEquals([f.errorCode, f.leaderId], [ErrorCode.NOT_LEADER_OR_FOLLOWER, l]);
  for (const n of c.nodes.values()) assertEquals(n.core.metrics.leaderChanges, 1);
});

Deno.test("appends are pipelined: fifty in flight reach followers in a few fetches", () => {
  const c = new TestCluster([1, 2, 3]);
  c.runUntil(() => c.settledLeader() > 0);
  const l = c.settledLeader();
  const core = c.node(l).core;
  let fetches = 0;
  c.filter = (m) => {
    if (m.kind === "request" && m.apiKey === FETCH) fetches++;
    return true;
  };
  let last = -1;
  for (let i = 0; i < 50; i++) {
    // Each append is written as its own batch, without waiting for the one before.
    const r = core.append([enc(`v${i}`)], c.now);
    assert(r.ok);
    core.poll(c.now);
    last = r.lastOffset;
  }
  assertEquals(core.logEndOffset, last + 1, "all fifty written before any round trip");
  c.poke(l);
  c.runUntil(() => [...c.nodes.values()].every((n) => n.core.highWatermark > last));
  // Parked fetches answered, one carrying all fifty, one learning the commit: per follower.
  assert(fetches <= 8, `${fetches} fetches for 50 batches`);
});

Deno.test("a cut-off leader resigns; its uncommitted entries are truncated when it returns", () => {
  const c = new TestCluster([1, 2, 3]);
  c.runUntil(() => c.settledLeader() > 0);
  const old = c.settledLeader();
  const epoch = c.node(old).core.epoch;
  c.isolated.add(old);
  const lost = c.append(old, "lost");
  assert(lost.ok);
  c.runUntil(
    () => {
      const l = c.leader();
      return l > 0 && l !== old && c.node(l).core.epoch > epoch;
    },
    5000,
    "a new leader",
  );
  const l2 = c.leader();
  const kept = c.append(l2, "kept");
  assert(kept.ok);
  c.runUntil(() => c.node(l2).core.highWatermark > kept.lastOffset);
  c.runUntil(() => c.node(old).core.role !== "leader", 2000, "check quorum resignation");
  c.isolated.delete(old);
  c.runUntil(
    () => c.node(old).core.highWatermark > kept.lastOffset,
    5000,
    "old leader catching up",
  );
  const o = c.node(old).core;
  assertEquals(o.appendStatus(lost.epoch, lost.lastOffset), "lost");
  assert(o.metrics.truncations >= 1, "diverging entry truncated");
  assertEquals(committedValues(o), ["kept"]);
  assertEquals(committedValues(o), committedValues(c.node(l2).core));
});

Deno.test("pre-vote: a partitioned follower does not disturb the quorum when it returns", () => {
  const c = new TestCluster([1, 2, 3]);
  c.runUntil(() => c.settledLeader() > 0);
  const l = c.settledLeader();
  const epoch = c.node(l).core.epoch;
  const f = l === 3 ? 2 : 3;
  c.isolated.add(f);
  c.runFor(1500);
  assertEquals(c.node(f).core.epoch, epoch, "isolated follower never became a candidate");
  assert(c.node(f).core.metrics.preVotes > 0, "it did try");
  c.isolated.delete(f);
  c.runUntil(() => c.settledLeader() > 0);
  assertEquals([c.settledLeader(), c.node(l).core.epoch], [l, epoch]);
});

Deno.test("a follower behind the leader's log start installs its snapshot, in chunks", () => {
  const c = new TestCluster([1, 2, 3]);
  c.runUntil(() => c.settledLeader() > 0);
  const l = c.settledLeader();
  const f = l === 3 ? 2 : 3;
  c.crash(f);
  const big = "s".repeat(10_000);
  const values: string[] = [];
  for (let i = 0; i < 250; i++) {
    values.push(`${i}${big}`);
    assert(c.append(l, values[i]).ok);
  }
  const leader = c.node(l).core;
  c.runUntil(() => leader.highWatermark === leader.logEndOffset);
  const id = leader.createSnapshot(
    leader.highWatermark,
    values.map(enc),
    c.now,
  );
  assert(id !== null);
  assertEquals(leader.logStartOffset, id.endOffset);
  assert(c.append(l, "after").ok);
  c.start(f);
  const fc = c.node(f).core;
  c.runUntil(() => fc.highWatermark === leader.highWatermark, 10_000, "follower catching up");
  assertEquals(fc.metrics.snapshotsFetched, 1);
  assertEquals(fc.logStartOffset, id.endOffset);
  assertEquals(c.node(f).snapshots.size(id), c.node(l).snapshots.size(id));
  assert(c.node(f).snapshots.size(id) > 2 * 1024 * 1024, "several FetchSnapshot chunks");
  assertEquals(committedValues(fc), [...values, "after"]);
});

Deno.test("observers follow the log without voting and show in DescribeQuorum", () => {
  const c = new TestCluster([1, 2, 3], [4]);
  c.runUntil(() => c.settledLeader() > 0);
  const l = c.settledLeader();
  const r = c.append(l, "o");
  assert(r.ok);
  const obs = c.node(4).core;
  c.runUntil(() => obs.highWatermark > r.lastOffset);
  assertEquals([obs.isVoter, obs.role, obs.leaderId], [false, "follower", l]);
  const d = c.node(l).core.describeQuorum().topics[0].partitions[0];
  assertEquals(d.observers.map((o) => o.replicaId), [4]);
  c.crash(l);
  c.runUntil(() => c.leader() > 0 && c.leader() !== l, 5000, "new leader");
  const l2 = c.leader();
  const r2 = c.append(l2, "p");
  assert(r2.ok);
  c.runUntil(() => obs.highWatermark > r2.lastOffset, 5000, "observer on the new leader");
  assertEquals(obs.metrics.elections, 0);
  assertEquals(committedValues(obs), ["o", "p"]);
});

Deno.test("restart: votes and epochs persist, a restarted leader never leads its epoch again", () => {
  const c = new TestCluster([1, 2, 3]);
  c.runUntil(() => c.settledLeader() > 0);
  const l = c.settledLeader();
  const epoch = c.node(l).core.epoch;
  for (const n of c.nodes.values()) {
    const s = n.election.read()!;
    assertEquals([s.epoch, s.leaderId], [epoch, l]);
  }
  assertEquals(c.node(l).election.read()!.votedId, l);
  c.crash(l);
  c.start(l);
  assertEquals([c.node(l).core.role, c.node(l).core.epoch], ["resigned", epoch]);
  c.runUntil(() => c.settledLeader() > 0, 5000, "re-election");
  assert(c.node(c.settledLeader()).core.epoch > epoch, "a later epoch");
});

Deno.test("graceful resignation: the best placed voter takes over without a timeout", () => {
  const c = new TestCluster([1, 2, 3]);
  c.runUntil(() => c.settledLeader() > 0);
  const l = c.settledLeader();
  const start = c.now;
  c.node(l).core.resign(c.now);
  c.poke(l);
  c.runUntil(() => c.settledLeader() > 0 && c.settledLeader() !== l, 2000, "handover");
  assert(c.now - start < 100, `handover took ${c.now - start}ms, below an election timeout`);
});
