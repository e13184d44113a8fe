/**
 * The classic group state machine driven directly (no network, no clock):
 * every state transition and every error a request can get, including
 * SyncGroup before and after the leader, members timing out mid-rebalance,
 * static membership, persistence and reload, offsets retention.
 */
import { assert, assertEquals } from "../../tests/support/storage_assert.ts";
import { ErrorCode } from "../protocol/errors.ts";
import { defaultGroupCoordinatorConfig, type GroupCoordinatorConfig } from "./config.ts";
import { decodeAssignment, encodeAssignment, encodeSubscription } from "./consumer_protocol.ts";
import { decodeGroupValue, decodeKey, decodeOffsetValue } from "./records.ts";
import {
  type CommitPartition,
  type DeleteOffsetsResult,
  type FetchOffsetsResult,
  GroupShard,
  type JoinResult,
  type Protocol,
  type StoredRecord,
  type SyncResult,
} from "./shard.ts";

const E = ErrorCode;
const T0 = 1_700_000_000_000;

/** A pending answer: `value` is set once the shard responds. */
class Ticket<T> {
  value: T | undefined;
  count = 0;
  readonly cb = (v: T) => {
    this.value = v;
    this.count++;
  };
  get done(): boolean {
    return this.count > 0;
  }
  get(): T {
    assert(this.count === 1, `expected exactly one answer, got ${this.count}`);
    return this.value!;
  }
}

interface JoinOpts {
  member?: string;
  instance?: string | null;
  version?: number;
  protocols?: Protocol[];
  protocolType?: string;
  session?: number;
  rebalance?: number;
  client?: string;
}

function sub(...topics: string[]): Uint8Array {
  return encodeSubscription(topics);
}

function proto(name: string, ...topics: string[]): Protocol {
  return { name, metadata: sub(...(topics.length ? topics : ["t"])) };
}

class Harness {
  now = T0;
  shard: GroupShard;
  /** Every record written and acknowledged, in order (the partition's log). */
  readonly stored: { offset: number; rec: StoredRecord }[] = [];
  private nextOffset = 0;
  private ids = 0;
  readonly config: GroupCoordinatorConfig;

  constructor(overrides: Partial<GroupCoordinatorConfig> = {}, load: Harness | null = null) {
    this.config = {
      ...defaultGroupCoordinatorConfig,
      groupInitialRebalanceDelayMs: 0,
      ...overrides,
    };
    this.shard = this.newShard();
    if (load) {
      this.now = load.now;
      for (const s of load.stored) this.shard.replay(s.rec.key, s.rec.value, s.offset);
      this.stored.push(...load.stored);
      this.nextOffset = load.nextOffset;
    }
    this.shard.finishLoading(this.now);
  }

  private newShard(): GroupShard {
    return new GroupShard(0, { config: this.config, newId: () => `u${++this.ids}` });
  }

  /** Completes every queued write (as durable, or with `error`); returns how many. */
  flush(error: number = E.NONE): number {
    let n = 0;
    for (;;) {
      const writes = this.shard.takeWrites();
      if (writes.length === 0) return n;
      for (const w of writes) {
        n++;
        let last = -1;
        if (error === E.NONE) {
          for (const rec of w.records) this.stored.push({ offset: last = this.nextOffset++, rec });
        }
        this.shard.completeWrite(w.id, error, last, this.now);
      }
    }
  }

  advance(ms: number): void {
    this.now += ms;
    this.shard.poll(this.now);
  }

  join(group: string, o: JoinOpts = {}): Ticket<JoinResult> {
    const t = new Ticket<JoinResult>();
    const version = o.version ?? 5;
    const instance = o.instance ?? null;
    this.shard.join(
      {
        groupId: group,
        memberId: o.member ?? "",
        groupInstanceId: instance,
        requireKnownMemberId: version >= 4 && instance === null,
        supportSkippingAssignment: version >= 9,
        clientId: o.client ?? "client",
        clientHost: "/127.0.0.1",
        rebalanceTimeoutMs: o.rebalance ?? 30_000,
        sessionTimeoutMs: o.session ?? 10_000,
        protocolType: o.protocolType ?? "consumer",
        protocols: o.protocols ?? [proto("range")],
      },
      this.now,
      t.cb,
    );
    return t;
  }

  /** A dynamic member's two-step join (MEMBER_ID_REQUIRED, then with the id); returns the parked ticket. */
  joinNew(group: string, o: JoinOpts = {}): { id: string; t: Ticket<JoinResult> } {
    const first = this.join(group, o).get();
    assertEquals(first.errorCode, E.MEMBER_ID_REQUIRED);
    assert(first.memberId.startsWith(`${o.client ?? "client"}-`), first.memberId);
    return { id: first.memberId, t: this.join(group, { ...o, member: first.memberId }) };
  }

  sync(
    group: string,
    member: string,
    generation: number,
    assignments: { memberId: string; assignment: Uint8Array }[] = [],
    o: { instance?: string | null; protocolType?: string | null; protocolName?: string | null } =
      {},
  ): Ticket<SyncResult> {
    const t = new Ticket<SyncResult>();
    this.shard.sync(
      {
        groupId: group,
        generationId: generation,
        memberId: member,
        groupInstanceId: o.instance ?? null,
        protocolType: o.protocolType ?? null,
        protocolName: o.protocolName ?? null,
        assignments,
      },
      this.now,
      t.cb,
    );
    return t;
  }

  heartbeat(group: string, member: string, generation: number, instance: string | null = null) {
    return this.shard.heartbeat(
      { groupId: group, generationId: generation, memberId: member, groupInstanceId: instance },
      this.now,
    );
  }

  commit(
    group: string,
    parts: Partial<CommitPartition>[],
    o: {
      generation?: number;
      member?: string;
      instance?: string | null;
      retention?: number;
      v9?: boolean;
    } = {},
  ): Ticket<number[]> {
    const t = new Ticket<number[]>();
    this.shard.commitOffsets(
      {
        groupId: group,
        generationId: o.generation ?? -1,
        memberId: o.member ?? "",
        groupInstanceId: o.instance ?? null,
        retentionTimeMs: o.retention ?? -1,
        groupIdNotFoundError: o.v9 ?? false,
        partitions: parts.map((p) => ({
          topic: "t",
          partition: 0,
          offset: 0,
          leaderEpoch: -1,
          metadata: null,
          commitTimestamp: -1,
          ...p,
        })),
      },
      this.now,
      t.cb,
    );
    return t;
  }

  fetch(
    group: string,
    parts: { topic: string; partition: number }[] | null,
    requireStable = false,
  ): Ticket<FetchOffsetsResult> {
    const t = new Ticket<FetchOffsetsResult>();
    this.shard.fetchOffsets(group, parts, requireStable, this.now, t.cb);
    return t;
  }

  offsets(group: string): Record<string, number> {
    const out: Record<string, number> = {};
    for (const o of this.fetch(group, null).get().offsets) {
      out[`${o.topic}-${o.partition}`] = o.offset;
    }
    return out;
  }

  state(group: string): string {
    return this.shard.group(group)?.state ?? "(none)";
  }

  /** Brings a group of dynamic members to Stable; returns ids (leader first) and the generation. */
  stable(group: string, n: number, o: JoinOpts = {}): { ids: string[]; gen: number } {
    const joins = [];
    for (let i = 0; i < n; i++) joins.push(this.joinNew(group, o));
    this.advance(0);
    for (const j of joins) assertEquals(j.t.get().errorCode, E.NONE, "join");
    const gen = joins[0].t.get().generationId;
    const ids = joins.map((j) => j.id);
    const leader = joins[0].t.get().leader;
    const syncs = ids.map((id) =>
      this.sync(
        group,
        id,
        gen,
        id === leader
          ? ids.map((m, i) => ({
            memberId: m,
            assignment: encodeAssignment([{ topic: "t", partitions: [i] }]),
          }))
          : [],
      )
    );
    this.flush();
    for (const s of syncs) assertEquals(s.get().errorCode, E.NONE, "sync");
    assertEquals(this.state(group), "Stable");
    return { ids: [leader, ...ids.filter((x) => x !== leader)], gen };
  }
}

// --- joining and the first generation ------------------------------------------------------

Deno.test("first join: MEMBER_ID_REQUIRED (v4+), initial delay, Empty -> PreparingRebalance -> CompletingRebalance -> Stable", () => {
  const h = new Harness({ groupInitialRebalanceDelayMs: 3000 });
  const first = h.join("g").get();
  assertEquals(first.errorCode, E.MEMBER_ID_REQUIRED);
  assertEquals(first.generationId, -1);
  assertEquals(h.state("g"), "Empty", "a pending member does not start a rebalance");
  const a = h.join("g", { member: first.memberId });
  assertEquals(h.state("g"), "PreparingRebalance");
  h.advance(2999);
  assert(!a.done, "answered before the initial rebalance delay");
  h.advance(1);
  const r = a.get();
  assertEquals(
    [r.errorCode, r.generationId, r.leader, r.memberId, r.protocolName, r.protocolType],
    [
      E.NONE,
      1,
      first.memberId,
      first.memberId,
      "range",
      "consumer",
    ],
  );
  assertEquals(r.members.map((m) => m.memberId), [first.memberId], "the leader gets the members");
  assertEquals(h.state("g"), "CompletingRebalance");
  const asg = encodeAssignment([{ topic: "t", partitions: [0, 1] }]);
  const s = h.sync("g", first.memberId, 1, [{ memberId: first.memberId, assignment: asg }]);
  assert(!s.done, "the leader's SyncGroup is answered only once the assignment is stored");
  assertEquals(h.state("g"), "CompletingRebalance");
  assertEquals(h.flush(), 1);
  assertEquals(s.get().errorCode, E.NONE);
  assertEquals(decodeAssignment(s.get().assignment), [{ topic: "t", partitions: [0, 1] }]);
  assertEquals(h.state("g"), "Stable");
  // The stored group metadata uses Kafka's key 2 / value v3 layout.
  const rec = h.stored.at(-1)!.rec;
  assertEquals(decodeKey(rec.key), { type: "group", group: "g" });
  const v = decodeGroupValue(rec.value!);
  assertEquals([v.protocolType, v.generation, v.protocol, v.leader], [
    "consumer",
    1,
    "range",
    first.memberId,
  ]);
  assertEquals(v.members.map((m) => [m.memberId, m.clientId, m.clientHost, m.sessionTimeoutMs]), [[
    first.memberId,
    "client",
    "/127.0.0.1",
    10_000,
  ]]);
  assertEquals(decodeAssignment(v.members[0].assignment), [{ topic: "t", partitions: [0, 1] }]);
});

Deno.test("JoinGroup v0-3 admit a member straight away (no MEMBER_ID_REQUIRED)", () => {
  const h = new Harness();
  const t = h.join("g", { version: 3 });
  h.advance(0);
  const r = t.get();
  assertEquals(r.errorCode, E.NONE);
  assert(r.memberId.startsWith("client-"), r.memberId);
  assertEquals(r.generationId, 1);
});

Deno.test("the initial delay extends while members keep arriving, within the rebalance timeout", () => {
  const h = new Harness({ groupInitialRebalanceDelayMs: 1000 });
  const a = h.joinNew("g", { rebalance: 2500 });
  h.advance(900);
  const b = h.joinNew("g", { rebalance: 2500 });
  h.advance(100); // first delay over; b arrived during it: extend by another delay
  assert(!a.t.done && !b.t.done, "completed although a member arrived during the delay");
  h.advance(999);
  assert(!a.t.done);
  h.advance(1);
  assertEquals([a.t.get().errorCode, b.t.get().errorCode], [E.NONE, E.NONE]);
  assertEquals(a.t.get().generationId, 1);
  assertEquals(a.t.get().members.length, 2);
  assertEquals(b.t.get().members.length, 0, "followers get no member list");
});

Deno.test("JoinGroup errors", () => {
  const h = new Harness({ groupMaxSize: 2 });
  assertEquals(h.join("").get().errorCode, E.INVALID_GROUP_ID);
  assertEquals(h.join("g", { session: 5999 }).get().errorCode, E.INVALID_SESSION_TIMEOUT);
  assertEquals(h.join("g", { session: 1_800_001 }).get().errorCode, E.INVALID_SESSION_TIMEOUT);
  assertEquals(h.join("nope", { member: "ghost" }).get().errorCode, E.UNKNOWN_MEMBER_ID);
  assertEquals(h.state("nope"), "(none)", "no group is created for an unknown member");
  assertEquals(h.join("g", { protocolType: "" }).get().errorCode, E.INCONSISTENT_GROUP_PROTOCOL);
  assertEquals(h.join("g", { protocols: [] }).get().errorCode, E.INCONSISTENT_GROUP_PROTOCOL);
  assertEquals(h.state("g"), "(none)", "a failed first join leaves no group behind");
  h.stable("one", 1);
  assertEquals(
    h.join("one", { protocolType: "connect", version: 3 }).get().errorCode,
    E.INCONSISTENT_GROUP_PROTOCOL,
  );
  assertEquals(
    h.join("one", { protocols: [proto("roundrobin")], version: 3 }).get().errorCode,
    E.INCONSISTENT_GROUP_PROTOCOL,
    "no protocol in common with the members",
  );
  assertEquals(h.join("one", { member: "ghost" }).get().errorCode, E.UNKNOWN_MEMBER_ID);
  assertEquals(h.state("one"), "Stable");
  const { ids } = h.stable("g", 2);
  // Full: even an unknown id is refused for the size first (Kafka checks the size first).
  assertEquals(h.join("g", { member: "ghost" }).get().errorCode, E.GROUP_MAX_SIZE_REACHED);
  assertEquals(h.join("g", { version: 3 }).get().errorCode, E.GROUP_MAX_SIZE_REACHED);
  assertEquals(h.state("g"), "Stable", "a refused member does not rebalance the group");
  assertEquals(h.heartbeat("g", ids[0], 1), E.NONE);
});

Deno.test("protocol selection: only protocols every member supports; most votes win", () => {
  const h = new Harness();
  const a = h.joinNew("g", { protocols: [proto("roundrobin"), proto("range")] });
  const b = h.joinNew("g", { protocols: [proto("roundrobin"), proto("range")] });
  const c = h.joinNew("g", { protocols: [proto("range"), proto("roundrobin")] });
  h.advance(0);
  assertEquals(a.t.get().protocolName, "roundrobin");
  assertEquals([b.t.get().protocolName, c.t.get().protocolName], ["roundrobin", "roundrobin"]);
  const h2 = new Harness();
  const x = h2.joinNew("g", { protocols: [proto("sticky"), proto("range")] });
  const y = h2.joinNew("g", { protocols: [proto("range")] });
  h2.advance(0);
  assertEquals([x.t.get().protocolName, y.t.get().protocolName], ["range", "range"]);
  // The leader receives each member's metadata for the chosen protocol.
  assertEquals(x.t.get().members.map((m) => m.memberId), [x.id, y.id]);
});

// --- SyncGroup --------------------------------------------------------------------------

Deno.test("SyncGroup: followers before and after the leader all get their own assignment", () => {
  const h = new Harness();
  const a = h.joinNew("g"), b = h.joinNew("g"), c = h.joinNew("g");
  h.advance(0);
  const gen = a.t.get().generationId;
  const leader = a.t.get().leader;
  assertEquals(leader, a.id);
  const early = h.sync("g", b.id, gen);
  assert(!early.done, "a follower before the leader waits");
  assertEquals(h.state("g"), "CompletingRebalance");
  const mk = (p: number) => encodeAssignment([{ topic: "t", partitions: [p] }]);
  // The leader leaves c out: c gets empty bytes.
  const ls = h.sync("g", a.id, gen, [{ memberId: a.id, assignment: mk(0) }, {
    memberId: b.id,
    assignment: mk(1),
  }, {
    memberId: "not-a-member",
    assignment: mk(9),
  }]);
  assert(!ls.done && !early.done, "nothing is answered before the assignment is stored");
  const between = h.sync("g", c.id, gen);
  assert(!between.done, "a follower after the leader but before the write completes waits too");
  h.flush();
  assertEquals(decodeAssignment(ls.get().assignment), [{ topic: "t", partitions: [0] }]);
  assertEquals(decodeAssignment(early.get().assignment), [{ topic: "t", partitions: [1] }]);
  assertEquals(between.get().assignment.length, 0);
  assertEquals(early.get().protocolName, "range");
  assertEquals(h.state("g"), "Stable");
  const late = h.sync("g", b.id, gen);
  assertEquals(
    decodeAssignment(late.get().assignment),
    [{ topic: "t", partitions: [1] }],
    "after Stable: at once",
  );
});

Deno.test("SyncGroup errors", () => {
  const h = new Harness();
  assertEquals(h.sync("", "m", 1).get().errorCode, E.INVALID_GROUP_ID);
  assertEquals(h.sync("nope", "m", 1).get().errorCode, E.UNKNOWN_MEMBER_ID);
  const a = h.joinNew("g"), b = h.joinNew("g");
  h.advance(0);
  assertEquals(h.sync("g", "ghost", 1).get().errorCode, E.UNKNOWN_MEMBER_ID);
  assertEquals(h.sync("g", a.id, 2).get().errorCode, E.ILLEGAL_GENERATION);
  assertEquals(
    h.sync("g", a.id, 1, [], { protocolType: "connect", protocolName: "range" }).get().errorCode,
    E.INCONSISTENT_GROUP_PROTOCOL,
  );
  assertEquals(
    h.sync("g", a.id, 1, [], { protocolType: "consumer", protocolName: "roundrobin" }).get()
      .errorCode,
    E.INCONSISTENT_GROUP_PROTOCOL,
  );
  // A follower parked in CompletingRebalance is told to rejoin when a rebalance starts.
  const parked = h.sync("g", b.id, 1, [], { protocolType: "consumer", protocolName: "range" });
  assert(!parked.done);
  const c = h.joinNew("g");
  assertEquals(h.state("g"), "PreparingRebalance");
  assertEquals(parked.get().errorCode, E.REBALANCE_IN_PROGRESS);
  assertEquals(h.sync("g", a.id, 1).get().errorCode, E.REBALANCE_IN_PROGRESS);
  assert(!c.t.done);
});

Deno.test("a failed assignment write answers the parked members and rebalances", () => {
  const h = new Harness();
  const a = h.joinNew("g"), b = h.joinNew("g");
  h.advance(0);
  const fs = h.sync("g", b.id, 1);
  const ls = h.sync("g", a.id, 1, [{ memberId: a.id, assignment: new Uint8Array([1]) }]);
  h.flush(E.KAFKA_STORAGE_ERROR);
  assertEquals([ls.get().errorCode, fs.get().errorCode], [E.NOT_COORDINATOR, E.NOT_COORDINATOR]);
  assertEquals(h.state("g"), "PreparingRebalance");
});

// --- heartbeats, rebalances, timeouts --------------------------------------------------------

Deno.test("Heartbeat answers by state, and errors", () => {
  const h = new Harness();
  assertEquals(h.heartbeat("", "m", 1), E.INVALID_GROUP_ID);
  assertEquals(h.heartbeat("nope", "m", 1), E.UNKNOWN_MEMBER_ID);
  const a = h.joinNew("g");
  h.advance(0);
  assertEquals(h.heartbeat("g", a.id, 1), E.NONE, "CompletingRebalance: heartbeats are fine");
  assertEquals(h.heartbeat("g", a.id, 0), E.ILLEGAL_GENERATION);
  assertEquals(h.heartbeat("g", "ghost", 1), E.UNKNOWN_MEMBER_ID);
  h.sync("g", a.id, 1, []);
  h.flush();
  assertEquals(h.heartbeat("g", a.id, 1), E.NONE, "Stable");
  h.joinNew("g");
  assertEquals(h.heartbeat("g", a.id, 1), E.REBALANCE_IN_PROGRESS, "PreparingRebalance");
});

Deno.test("a new member rebalances a stable group; rejoining members complete it at once", () => {
  const h = new Harness();
  const { ids: [a, b] } = h.stable("g", 2);
  const c = h.joinNew("g");
  assertEquals(h.state("g"), "PreparingRebalance");
  assertEquals(h.heartbeat("g", b, 1), E.REBALANCE_IN_PROGRESS);
  const ra = h.join("g", { member: a });
  assert(!ra.done);
  const rb = h.join("g", { member: b });
  // Everyone rejoined: no need to wait for the rebalance timeout.
  for (const t of [ra, rb, c.t]) assertEquals(t.get().generationId, 2);
  assertEquals(ra.get().leader, a, "the leader stays while it is a member");
  assertEquals(ra.get().members.map((m) => m.memberId), [a, b, c.id]);
  assertEquals(h.state("g"), "CompletingRebalance");
});

Deno.test("a member that does not rejoin in time is dropped mid-rebalance", () => {
  const h = new Harness();
  const { ids: [a, b] } = h.stable("g", 2, { rebalance: 20_000, session: 30_000 });
  const c = h.joinNew("g", { rebalance: 20_000, session: 30_000 });
  const ra = h.join("g", { member: a, rebalance: 20_000, session: 30_000 });
  h.advance(10_000);
  assertEquals(h.heartbeat("g", b, 1), E.REBALANCE_IN_PROGRESS, "b is alive but does not rejoin");
  h.advance(9_999);
  assert(!ra.done && !c.t.done);
  h.advance(1);
  assertEquals(ra.get().generationId, 2);
  assertEquals(ra.get().members.map((m) => m.memberId).sort(), [a, c.id].sort());
  assertEquals(h.heartbeat("g", b, 1), E.UNKNOWN_MEMBER_ID, "b was removed");
  assertEquals(h.join("g", { member: b }).get().errorCode, E.UNKNOWN_MEMBER_ID);
});

Deno.test("a member whose session expires during the rebalance is removed and the rebalance completes", () => {
  const h = new Harness();
  const { ids: [a, b] } = h.stable("g", 2, { session: 10_000, rebalance: 60_000 });
  const c = h.joinNew("g", { session: 10_000, rebalance: 60_000 });
  const ra = h.join("g", { member: a, session: 10_000, rebalance: 60_000 });
  h.advance(9_999);
  assert(!ra.done);
  h.advance(1); // b's session: b neither heartbeats nor rejoins
  assertEquals(
    ra.get().generationId,
    2,
    "completed once b was gone, long before the rebalance timeout",
  );
  assertEquals(c.t.get().generationId, 2);
  assertEquals(h.heartbeat("g", b, 1), E.UNKNOWN_MEMBER_ID);
});

Deno.test("members waiting in JoinGroup or SyncGroup do not expire by session", () => {
  const h = new Harness();
  const { ids: [a, b] } = h.stable("g", 2, { session: 6_000, rebalance: 60_000 });
  const c = h.joinNew("g", { session: 6_000, rebalance: 60_000 });
  const ra = h.join("g", { member: a, session: 6_000, rebalance: 60_000 });
  h.advance(5_000);
  assertEquals(h.heartbeat("g", b, 1), E.REBALANCE_IN_PROGRESS);
  h.advance(5_000); // a and c have waited 10 s > their session: still members
  assert(!ra.done && !c.t.done);
  h.join("g", { member: b, session: 6_000, rebalance: 60_000 });
  assertEquals(ra.get().members.length, 3);
});

Deno.test("session timeout in Stable removes the member and rebalances", () => {
  const h = new Harness();
  const { ids: [a, b] } = h.stable("g", 2, { session: 6_000 });
  h.advance(5_000);
  assertEquals(h.heartbeat("g", a, 1), E.NONE);
  h.advance(1_000); // b silent for 6 s
  assertEquals(h.state("g"), "PreparingRebalance");
  assertEquals(h.heartbeat("g", b, 1), E.UNKNOWN_MEMBER_ID);
  assertEquals(h.heartbeat("g", a, 1), E.REBALANCE_IN_PROGRESS);
  const ra = h.join("g", { member: a, session: 6_000 });
  assertEquals(ra.get().generationId, 2);
  assertEquals(ra.get().members.map((m) => m.memberId), [a]);
});

Deno.test("a member that never sends SyncGroup is removed after the rebalance timeout", () => {
  const h = new Harness();
  const a = h.joinNew("g", { rebalance: 15_000 }), b = h.joinNew("g", { rebalance: 15_000 });
  h.advance(0);
  h.sync("g", a.id, 1, [{ memberId: a.id, assignment: new Uint8Array([1]) }]);
  h.flush();
  assertEquals(h.state("g"), "Stable");
  h.advance(8_000);
  assertEquals(h.heartbeat("g", a.id, 1), E.NONE);
  assertEquals(h.heartbeat("g", b.id, 1), E.NONE, "b heartbeats but never syncs");
  h.advance(7_000);
  assertEquals(h.state("g"), "PreparingRebalance");
  assertEquals(h.heartbeat("g", b.id, 1), E.UNKNOWN_MEMBER_ID);
});

Deno.test("a pending member blocks completion until it rejoins or expires", () => {
  const h = new Harness();
  const { ids: [a] } = h.stable("g", 1);
  const c = h.joinNew("g");
  const ra = h.join("g", { member: a });
  assertEquals(ra.get().generationId, 2);
  // d got an id but never comes back: the next rebalance waits for it only one session.
  const d = h.join("g", { session: 7_000 }).get();
  assertEquals(d.errorCode, E.MEMBER_ID_REQUIRED);
  const ls = h.sync("g", a, 2, []);
  h.flush();
  assertEquals(ls.get().errorCode, E.NONE);
  const e = h.joinNew("g"); // rebalance 3
  const ra3 = h.join("g", { member: a });
  h.join("g", { member: c.id });
  assert(!ra3.done, "waiting for the pending member");
  h.advance(7_000);
  assertEquals(ra3.get().generationId, 3);
  assertEquals(ra3.get().members.length, 3);
  assert(e.t.done);
});

Deno.test("a new member's parked JoinGroup times out after 5 minutes; absent static members are kept", () => {
  const h = new Harness();
  const s = h.join("g", { instance: "static-a", session: 1_800_000, rebalance: 600_000 });
  h.advance(0);
  const a = s.get().memberId;
  h.sync("g", a, 1, []);
  h.flush();
  const b = h.join("g", { version: 3, session: 10_000, rebalance: 10_000 });
  assertEquals(h.state("g"), "PreparingRebalance");
  for (let i = 0; i < 299; i++) {
    h.advance(1000);
    assertEquals(h.heartbeat("g", a, 1, "static-a"), E.REBALANCE_IN_PROGRESS);
  }
  assert(!b.done);
  h.advance(1000);
  assertEquals(b.get().errorCode, E.UNKNOWN_MEMBER_ID, "the new member's join timed out");
  h.advance(300_000); // the rebalance timeout: the static member has not rejoined but stays
  assertEquals(h.state("g"), "PreparingRebalance");
  assertEquals(h.shard.group("g")!.size, 1);
  const back = h.join("g", {
    member: a,
    instance: "static-a",
    session: 1_800_000,
    rebalance: 600_000,
  });
  assertEquals(back.get().generationId, 2);
});

// --- LeaveGroup ---------------------------------------------------------------------------

Deno.test("LeaveGroup: the leader leaves, the next member leads; the last one leaves -> Empty", () => {
  const h = new Harness();
  const { ids: [a, b] } = h.stable("g", 2);
  const r = h.shard.leave("g", [{ memberId: a, groupInstanceId: null }], h.now);
  assertEquals(r, {
    errorCode: E.NONE,
    members: [{ memberId: a, groupInstanceId: null, errorCode: E.NONE }],
  });
  assertEquals(h.state("g"), "PreparingRebalance");
  const rb = h.join("g", { member: b });
  assertEquals([rb.get().generationId, rb.get().leader], [2, b]);
  h.sync("g", b, 2, []);
  h.flush();
  h.shard.leave("g", [{ memberId: b, groupInstanceId: null }], h.now);
  assertEquals(h.state("g"), "Empty");
  assertEquals(h.shard.group("g")!.generationId, 3, "the empty generation is a generation too");
  h.flush();
  const v = decodeGroupValue(h.stored.at(-1)!.rec.value!);
  assertEquals([v.generation, v.members.length, v.protocol, v.leader], [3, 0, null, null]);
  assertEquals(h.heartbeat("g", b, 3), E.UNKNOWN_MEMBER_ID);
  assertEquals(h.sync("g", b, 3).get().errorCode, E.UNKNOWN_MEMBER_ID);
});

Deno.test("LeaveGroup batch: known, unknown, pending, static by instance id, fenced", () => {
  const h = new Harness();
  const { ids: [a] } = h.stable("g", 1);
  const s = h.join("g", { instance: "inst" });
  h.join("g", { member: a });
  const sid = s.get().memberId;
  h.sync("g", a, 2, []);
  h.flush();
  const pending = h.join("g").get().memberId;
  const r = h.shard.leave("g", [
    { memberId: "ghost", groupInstanceId: null },
    { memberId: pending, groupInstanceId: null },
    { memberId: "old-id", groupInstanceId: "inst" },
    { memberId: "", groupInstanceId: "inst" },
    { memberId: "", groupInstanceId: "nobody" },
    { memberId: a, groupInstanceId: null },
  ], h.now);
  assertEquals(r.members.map((m) => m.errorCode), [
    E.UNKNOWN_MEMBER_ID,
    E.NONE,
    E.FENCED_INSTANCE_ID,
    E.NONE,
    E.UNKNOWN_MEMBER_ID,
    E.NONE,
  ]);
  assert(!h.shard.group("g")!.has(sid));
  assertEquals(h.state("g"), "Empty");
  assertEquals(
    h.shard.leave("nope", [{ memberId: "x", groupInstanceId: null }], h.now).members[0].errorCode,
    E.UNKNOWN_MEMBER_ID,
  );
});

// --- rejoining ---------------------------------------------------------------------------

Deno.test("rejoins: follower with same metadata keeps the generation, the leader or changed metadata rebalance", () => {
  const h = new Harness();
  const { ids: [a, b] } = h.stable("g", 2);
  const fb = h.join("g", { member: b }).get();
  assertEquals([fb.errorCode, fb.generationId, fb.members.length, fb.leader], [E.NONE, 1, 0, a]);
  assertEquals(h.state("g"), "Stable");
  h.join("g", { member: b, protocols: [proto("range", "t", "u")] });
  assertEquals(h.state("g"), "PreparingRebalance", "changed subscription");
  h.join("g", { member: a });
  assertEquals(h.state("g"), "CompletingRebalance");
  // CompletingRebalance: a lost answer is given again, a changed one rebalances.
  const again = h.join("g", { member: a }).get();
  assertEquals([again.generationId, again.members.length], [2, 2]);
  h.sync("g", a, 2, []);
  h.flush();
  const { ids: [l2] } = { ids: [a] };
  h.join("g", { member: l2 });
  assertEquals(h.state("g"), "PreparingRebalance", "the leader rejoining forces a rebalance");
});

Deno.test("a second JoinGroup from a parked member answers the first with REBALANCE_IN_PROGRESS", () => {
  const h = new Harness();
  const { ids: [a, b] } = h.stable("g", 2);
  h.joinNew("g");
  const first = h.join("g", { member: a });
  const second = h.join("g", { member: a });
  assertEquals(first.get().errorCode, E.REBALANCE_IN_PROGRESS);
  assert(!second.done);
  h.join("g", { member: b });
  assertEquals(second.get().errorCode, E.NONE);
});

// --- static membership ----------------------------------------------------------------------

Deno.test("static member restart: new id without a rebalance, the old id is fenced", () => {
  const h = new Harness();
  const a1 = h.join("g", { instance: "ia" });
  const b1 = h.join("g", { instance: "ib" });
  h.advance(0);
  assertEquals(
    [a1.get().errorCode, b1.get().errorCode],
    [E.NONE, E.NONE],
    "static members never get MEMBER_ID_REQUIRED",
  );
  const a = a1.get().memberId, b = b1.get().memberId;
  assert(a.startsWith("ia-"), a);
  h.sync("g", a, 1, [{ memberId: a, assignment: new Uint8Array([7]) }, {
    memberId: b,
    assignment: new Uint8Array([8]),
  }]);
  h.sync("g", b, 1, []);
  h.flush();
  // b restarts (unknown member id, same instance id) while the group is Stable.
  const b2 = h.join("g", { instance: "ib" });
  assert(!b2.done, "answered once the new member id is stored");
  h.flush();
  const r = b2.get();
  assertEquals([r.errorCode, r.generationId, r.leader, r.members.length, r.skipAssignment], [
    E.NONE,
    1,
    a,
    0,
    false,
  ]);
  assert(r.memberId !== b && r.memberId.startsWith("ib-"));
  assertEquals(h.state("g"), "Stable", "no rebalance");
  assertEquals(
    h.sync("g", r.memberId, 1, [], { instance: "ib" }).get().assignment,
    new Uint8Array([8]),
  );
  assertEquals(h.heartbeat("g", b, 1, "ib"), E.FENCED_INSTANCE_ID);
  assertEquals(h.sync("g", b, 1, [], { instance: "ib" }).get().errorCode, E.FENCED_INSTANCE_ID);
  assertEquals(h.join("g", { member: b, instance: "ib" }).get().errorCode, E.FENCED_INSTANCE_ID);
  assertEquals(h.commit("g", [{}], { generation: 1, member: b, instance: "ib" }).get(), [
    E.FENCED_INSTANCE_ID,
  ]);
  assertEquals(h.heartbeat("g", r.memberId, 1, "ib"), E.NONE);
  assertEquals(
    h.join("g", { member: "x", instance: "unknown-inst" }).get().errorCode,
    E.UNKNOWN_MEMBER_ID,
  );
});

Deno.test("static leader rejoining with JoinGroup v9 skips the assignment; a protocol change rebalances", () => {
  const h = new Harness();
  const a1 = h.join("g", { instance: "ia", version: 9 });
  h.advance(0);
  const a = a1.get().memberId;
  h.sync("g", a, 1, []);
  h.flush();
  const again = h.join("g", { instance: "ia", version: 9 });
  h.flush();
  const r = again.get();
  assertEquals([r.skipAssignment, r.leader === r.memberId, r.members.length], [true, true, 1]);
  assertEquals(h.state("g"), "Stable");
  // The same instance now preferring another protocol: the group must choose again.
  const changed = h.join("g", { instance: "ia", protocols: [proto("roundrobin"), proto("range")] });
  // Its only member has rejoined, so the new generation completes at once.
  assertEquals(h.state("g"), "CompletingRebalance");
  assertEquals([changed.get().protocolName, changed.get().generationId], ["roundrobin", 2]);
  // A protocol the member itself no longer shares with the group is refused.
  assertEquals(
    h.join("g", { instance: "ia", protocols: [proto("sticky")] }).get().errorCode,
    E.INCONSISTENT_GROUP_PROTOCOL,
  );
});

Deno.test("static member rejoining while CompletingRebalance fences the old id and rebalances", () => {
  const h = new Harness();
  const a = h.join("g", { instance: "ia" }), b = h.join("g", { instance: "ib" });
  h.advance(0);
  const bOld = b.get().memberId;
  const parked = h.sync("g", bOld, 1, [], { instance: "ib" });
  h.join("g", { instance: "ib" });
  assertEquals(parked.get().errorCode, E.FENCED_INSTANCE_ID);
  assertEquals(h.state("g"), "PreparingRebalance");
  assert(a.done);
});

// --- offsets ---------------------------------------------------------------------------

Deno.test("simple commits: acknowledged only once stored, visible only then; OffsetFetch forms", () => {
  const h = new Harness();
  const c = h.commit("s", [{ topic: "t", partition: 0, offset: 5, metadata: "m", leaderEpoch: 3 }, {
    topic: "u",
    partition: 2,
    offset: 9,
  }]);
  assert(!c.done, "answered before the commit was durable");
  assertEquals(h.offsets("s"), {}, "not visible before it is stored");
  assertEquals(h.state("s"), "Empty");
  h.flush();
  assertEquals(c.get(), [E.NONE, E.NONE]);
  const all = h.fetch("s", null).get();
  assertEquals(
    all.offsets.map((o) => [o.topic, o.partition, o.offset, o.leaderEpoch, o.metadata]),
    [
      ["t", 0, 5, 3, "m"],
      ["u", 2, 9, -1, ""],
    ],
  );
  const some = h.fetch("s", [{ topic: "t", partition: 0 }, { topic: "t", partition: 1 }]).get();
  assertEquals(some.offsets.map((o) => o.offset), [5, -1]);
  assertEquals(h.fetch("nope", [{ topic: "t", partition: 0 }]).get().offsets[0].offset, -1);
  assertEquals(h.fetch("", null).get().errorCode, E.INVALID_GROUP_ID);
  // Kafka's OffsetCommit key v1 / value v3 layout.
  const rec = h.stored[0].rec;
  assertEquals(decodeKey(rec.key), { type: "offset", group: "s", topic: "t", partition: 0 });
  assertEquals(decodeOffsetValue(rec.value!), {
    offset: 5,
    leaderEpoch: 3,
    metadata: "m",
    commitTimestamp: T0,
    expireTimestamp: null,
  });
});

Deno.test("OffsetFetch with require_stable waits for the commits in flight", () => {
  const h = new Harness();
  h.commit("s", [{ offset: 1 }]);
  h.flush();
  h.commit("s", [{ offset: 2 }]);
  const unstable = h.fetch("s", [{ topic: "t", partition: 0 }], false).get();
  assertEquals(unstable.offsets[0].offset, 1);
  const stable = h.fetch("s", [{ topic: "t", partition: 0 }], true);
  assert(!stable.done);
  h.flush();
  assertEquals(stable.get().offsets[0].offset, 2);
});

Deno.test("OffsetCommit validation by group state, generation and member", () => {
  const h = new Harness({ offsetMetadataMaxBytes: 10 });
  assertEquals(h.commit("", [{}]).get(), [E.INVALID_GROUP_ID]);
  assertEquals(h.commit("nope", [{}], { generation: 1, member: "m" }).get(), [
    E.ILLEGAL_GENERATION,
  ]);
  assertEquals(h.commit("nope", [{}], { generation: 1, member: "m", v9: true }).get(), [
    E.GROUP_ID_NOT_FOUND,
  ]);
  assertEquals(h.state("nope"), "(none)");
  const a = h.joinNew("g"), b = h.joinNew("g");
  h.advance(0);
  assertEquals(h.commit("g", [{}], { generation: 1, member: a.id }).get(), [
    E.REBALANCE_IN_PROGRESS,
  ], "CompletingRebalance");
  h.sync("g", a.id, 1, []);
  h.flush();
  assertEquals(
    h.commit("g", [{}]).get(),
    [E.UNKNOWN_MEMBER_ID],
    "simple commit to a group with members",
  );
  assertEquals(h.commit("g", [{}], { generation: 1, member: "ghost" }).get(), [
    E.UNKNOWN_MEMBER_ID,
  ]);
  assertEquals(h.commit("g", [{}], { generation: 0, member: a.id }).get(), [E.ILLEGAL_GENERATION]);
  const big = h.commit("g", [{ offset: 4 }, { partition: 1, metadata: "x".repeat(11) }], {
    generation: 1,
    member: a.id,
  });
  h.flush();
  assertEquals(big.get(), [E.NONE, E.OFFSET_METADATA_TOO_LARGE]);
  // During PreparingRebalance the previous generation may still commit.
  h.joinNew("g");
  assertEquals(h.state("g"), "PreparingRebalance");
  const during = h.commit("g", [{ offset: 6 }], { generation: 1, member: b.id });
  h.flush();
  assertEquals(during.get(), [E.NONE]);
  assertEquals(h.offsets("g"), { "t-0": 6 });
});

Deno.test("a failed commit write reports the mapped error and stores nothing", () => {
  const h = new Harness();
  const c = h.commit("s", [{ offset: 3 }]);
  h.flush(E.RECORD_LIST_TOO_LARGE);
  assertEquals(c.get(), [E.INVALID_COMMIT_OFFSET_SIZE]);
  const d = h.commit("s", [{ offset: 3 }]);
  h.flush(E.KAFKA_STORAGE_ERROR);
  assertEquals(d.get(), [E.NOT_COORDINATOR]);
  assertEquals(h.offsets("s"), {});
  // The same partition twice in one request: the later entry wins, as in Kafka.
  const twice = h.commit("s", [{ offset: 8 }, { offset: 9 }]);
  h.flush();
  assertEquals(twice.get(), [E.NONE, E.NONE]);
  assertEquals(h.offsets("s"), { "t-0": 9 });
});

// --- admin: describe, list, delete ---------------------------------------------------------

Deno.test("DescribeGroups and ListGroups", () => {
  const h = new Harness();
  const nf = h.shard.describe("nope", h.now);
  assertEquals([nf.errorCode, nf.state, nf.members.length], [E.GROUP_ID_NOT_FOUND, "Dead", 0]);
  const a = h.joinNew("g", { client: "cli-a" });
  h.advance(0);
  const during = h.shard.describe("g", h.now);
  assertEquals([during.state, during.protocolData, during.members[0].metadata.length], [
    "CompletingRebalance",
    "",
    0,
  ]);
  h.sync("g", a.id, 1, [{ memberId: a.id, assignment: new Uint8Array([1, 2]) }]);
  h.flush();
  h.commit("s", [{}]);
  h.flush();
  const d = h.shard.describe("g", h.now);
  assertEquals([d.errorCode, d.state, d.protocolType, d.protocolData], [
    E.NONE,
    "Stable",
    "consumer",
    "range",
  ]);
  assertEquals(d.members.map((m) => [m.memberId, m.clientId, m.clientHost, m.assignment]), [[
    a.id,
    "cli-a",
    "/127.0.0.1",
    new Uint8Array([1, 2]),
  ]]);
  assertEquals(d.members[0].metadata, sub("t"));
  assertEquals(h.shard.list().map((g) => [g.groupId, g.protocolType, g.state, g.type]), [
    ["g", "consumer", "Stable", "classic"],
    ["s", "", "Empty", "classic"],
  ]);
});

Deno.test("DeleteGroups: NON_EMPTY_GROUP, GROUP_ID_NOT_FOUND, tombstones for an empty group", () => {
  const h = new Harness();
  const { ids: [a] } = h.stable("g", 1);
  h.commit("g", [{ offset: 1 }], { generation: 1, member: a });
  h.commit("s", [{ offset: 2 }, { partition: 1, offset: 3 }]);
  h.flush();
  const t = new Ticket<{ groupId: string; errorCode: number }[]>();
  h.shard.deleteGroups(["g", "s", "nope", ""], h.now, t.cb);
  assert(!t.done, "answered once the tombstones are stored");
  assertEquals(h.state("s"), "(none)");
  h.flush();
  assertEquals(t.get().map((r) => r.errorCode), [
    E.NON_EMPTY_GROUP,
    E.NONE,
    E.GROUP_ID_NOT_FOUND,
    E.INVALID_GROUP_ID,
  ]);
  const tombstones = h.stored.filter((s) => s.rec.value === null).map((s) => decodeKey(s.rec.key));
  assertEquals(tombstones, [
    { type: "offset", group: "s", topic: "t", partition: 0 },
    { type: "offset", group: "s", topic: "t", partition: 1 },
    { type: "group", group: "s" },
  ]);
  assertEquals(h.offsets("s"), {});
  assertEquals(h.offsets("g"), { "t-0": 1 });
});

Deno.test("OffsetDelete: any offset of an empty group, only unsubscribed topics of a live one", () => {
  const h = new Harness();
  const { ids: [a] } = h.stable("g", 1, { protocols: [proto("range", "t")] });
  h.commit("g", [{ topic: "t", offset: 1 }, { topic: "old", offset: 2 }], {
    generation: 1,
    member: a,
  });
  h.flush();
  const t = new Ticket<DeleteOffsetsResult>();
  h.shard.deleteOffsets(
    "g",
    [{ topic: "t", partition: 0 }, { topic: "old", partition: 0 }],
    h.now,
    t.cb,
  );
  h.flush();
  assertEquals(t.get().partitions.map((p) => p.errorCode), [E.GROUP_SUBSCRIBED_TO_TOPIC, E.NONE]);
  assertEquals(h.offsets("g"), { "t-0": 1 });
  const nf = new Ticket<DeleteOffsetsResult>();
  h.shard.deleteOffsets("nope", [], h.now, nf.cb);
  assertEquals(nf.get().errorCode, E.GROUP_ID_NOT_FOUND);
  h.commit("s", [{ offset: 5 }]);
  h.flush();
  const s = new Ticket<DeleteOffsetsResult>();
  h.shard.deleteOffsets("s", [{ topic: "t", partition: 0 }], h.now, s.cb);
  h.flush();
  assertEquals(s.get(), {
    errorCode: E.NONE,
    partitions: [{ topic: "t", partition: 0, errorCode: E.NONE }],
  });
  assertEquals(h.state("s"), "(none)", "an empty group left without offsets is deleted");
});

// --- retention -------------------------------------------------------------------------

Deno.test("offsets retention: simple and empty groups expire, stable groups keep subscribed topics", () => {
  const retention = 60_000;
  const h = new Harness({ offsetsRetentionMs: retention, offsetsRetentionCheckIntervalMs: 1_000 });
  const { ids: [a] } = h.stable("live", 1, {
    session: 1_800_000,
    protocols: [proto("range", "t")],
  });
  h.commit("live", [{ topic: "t", offset: 1 }, { topic: "gone", offset: 2 }], {
    generation: 1,
    member: a,
  });
  h.commit("simple", [{ offset: 3 }]);
  h.commit("explicit", [{ offset: 4 }], { retention: 5_000 });
  const { ids: [b] } = h.stable("emptied", 1, { session: 1_800_000 });
  h.commit("emptied", [{ offset: 5 }], { generation: 1, member: b });
  h.flush();
  h.advance(30_000);
  h.shard.leave("emptied", [{ memberId: b, groupInstanceId: null }], h.now);
  h.flush();
  assertEquals(h.state("emptied"), "Empty");
  assertEquals(h.offsets("explicit"), {}, "expired at its own expire timestamp");
  h.advance(30_000);
  h.flush();
  assertEquals(h.offsets("simple"), {}, "retention passed since the commit");
  assertEquals(h.state("simple"), "(none)");
  assertEquals(h.offsets("live"), { "t-0": 1 }, "subscribed topics are kept while stable");
  assertEquals(h.offsets("emptied"), { "t-0": 5 }, "empty for 30 s only");
  h.advance(30_000);
  h.flush();
  assertEquals(h.state("emptied"), "(none)", "empty for the retention: offsets and group removed");
  assert(h.heartbeat("live", a, 1) === E.NONE);
  const tombs = h.stored.filter((s) => s.rec.value === null).map((s) => decodeKey(s.rec.key));
  assert(tombs.some((k) => k?.type === "group" && k.group === "emptied"), "group tombstone");
  assert(tombs.some((k) => k?.type === "offset" && k.group === "live" && k.topic === "gone"));
});

// --- persistence -------------------------------------------------------------------------

Deno.test("reload from the stored records: stable groups, members and offsets survive", () => {
  const h = new Harness();
  const { ids: [a, b], gen } = h.stable("g", 2, { session: 20_000 });
  h.commit("g", [{ offset: 10 }, { partition: 1, offset: 20 }], { generation: gen, member: a });
  h.commit("s", [{ offset: 7 }]);
  h.commit("d", [{ offset: 1 }]);
  h.flush();
  h.commit("g", [{ offset: 11 }], { generation: gen, member: b });
  h.flush();
  const del = new Ticket<unknown>();
  h.shard.deleteGroups(["d"], h.now, del.cb);
  h.flush();
  h.advance(1_000);

  const r = new Harness({}, h);
  assertEquals(r.state("g"), "Stable");
  assertEquals(r.state("s"), "Empty");
  assertEquals(r.state("d"), "(none)", "tombstones are honoured");
  assertEquals(r.offsets("g"), { "t-0": 11, "t-1": 20 });
  assertEquals(r.offsets("s"), { "t-0": 7 });
  assertEquals(r.heartbeat("g", a, gen), E.NONE, "members continue without rejoining");
  assertEquals(decodeAssignment(r.sync("g", b, gen).get().assignment), [{
    topic: "t",
    partitions: [1],
  }]);
  assertEquals(r.shard.describe("g", r.now).members.map((m) => m.memberId), [a, b]);
  // Sessions restart at load: b stays silent and expires 20 s later.
  r.advance(19_000);
  assertEquals(r.heartbeat("g", a, gen), E.NONE);
  r.advance(1_000);
  assertEquals(r.state("g"), "PreparingRebalance");
});

Deno.test("unload answers every parked request with NOT_COORDINATOR", () => {
  const h = new Harness({ groupInitialRebalanceDelayMs: 5_000 });
  const a = h.joinNew("g");
  h.commit("s", [{ offset: 1 }]);
  const stable = h.fetch("s", null, true);
  h.shard.unload();
  assertEquals(a.t.get().errorCode, E.NOT_COORDINATOR);
  assertEquals(stable.get().errorCode, E.NOT_COORDINATOR);
  assertEquals(h.heartbeat("g", a.id, 1), E.NOT_COORDINATOR);
  assertEquals(h.join("g").get().errorCode, E.NOT_COORDINATOR);
  assertEquals(h.shard.nextDeadlineMs(), null, "no timers left");
});

Deno.test("group.max.size while rebalancing counts waiting members: late rejoiners are left out", () => {
  const h = new Harness({ groupMaxSize: 2 });
  const { ids: [a, b] } = h.stable("g", 2);
  h.shard.leave("g", [{ memberId: b, groupInstanceId: null }], h.now);
  assertEquals(h.state("g"), "PreparingRebalance");
  const c = h.joinNew("g");
  const d = h.join("g", { version: 3 });
  assert(!c.t.done && !d.done, "two waiting members: at the limit");
  assertEquals(h.join("g", { version: 3 }).get().errorCode, E.GROUP_MAX_SIZE_REACHED);
  // a has not rejoined yet: it is the one that does not fit, and with it gone the join completes.
  assertEquals(h.join("g", { member: a }).get().errorCode, E.GROUP_MAX_SIZE_REACHED);
  assertEquals(c.t.get().generationId, 2);
  assertEquals(h.shard.group("g")!.size, 2);
  assertEquals(h.heartbeat("g", a, 1), E.UNKNOWN_MEMBER_ID);
});
