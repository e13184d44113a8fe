/**
 * A classic group's state as the coordinator keeps it in memory: members
 * (dynamic and static), pending members (given an id by MEMBER_ID_REQUIRED,
 * not yet rejoined), the generation, the chosen protocol, committed offsets
 * and offsets whose write is in flight. The state machine that drives it is
 * shard.ts; this file holds the data and the small rules that only read it
 * (protocol support and selection, Kafka's valid state transitions).
 */
import { assert } from "../base/assert.ts";
import { CONSUMER_PROTOCOL_TYPE, decodeSubscription } from "./consumer_protocol.ts";
import type { OffsetValue } from "./records.ts";

export type GroupState = "Empty" | "PreparingRebalance" | "CompletingRebalance" | "Stable" | "Dead";

export const GROUP_STATES: readonly GroupState[] = [
  "Empty",
  "PreparingRebalance",
  "CompletingRebalance",
  "Stable",
  "Dead",
];

/** Kafka's ClassicGroupState.validPreviousStates. */
const validPrevious: Record<GroupState, readonly GroupState[]> = {
  Empty: ["PreparingRebalance"],
  PreparingRebalance: ["Stable", "CompletingRebalance", "Empty"],
  CompletingRebalance: ["PreparingRebalance"],
  Stable: ["CompletingRebalance"],
  Dead: ["Empty", "PreparingRebalance", "CompletingRebalance", "Stable", "Dead"],
};

export interface Protocol {
  name: string;
  metadata: Uint8Array;
}

export interface JoinResult {
  errorCode: number;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leader: string;
  skipAssignment: boolean;
  memberId: string;
  members: { memberId: string; groupInstanceId: string | null; metadata: Uint8Array }[];
}

export interface SyncResult {
  errorCode: number;
  protocolType: string | null;
  protocolName: string | null;
  assignment: Uint8Array;
}

export class Member {
  assignment: Uint8Array = new Uint8Array(0);
  /** The parked JoinGroup, answered when the join phase completes. */
  awaitingJoin: ((r: JoinResult) => void) | null = null;
  /** The parked SyncGroup, answered when the leader's assignment is stored. */
  awaitingSync: ((r: SyncResult) => void) | null = null;
  /** Joined but no JoinGroup answered yet: expires on the new-member join timeout. */
  isNew = false;

  constructor(
    public memberId: string,
    readonly groupInstanceId: string | null,
    readonly clientId: string,
    readonly clientHost: string,
    public rebalanceTimeoutMs: number,
    public sessionTimeoutMs: number,
    readonly protocolType: string,
    public protocols: Protocol[],
  ) {}

  get isStatic(): boolean {
    return this.groupInstanceId !== null;
  }

  /** The metadata this member gave for `protocol` (empty if it gave none). */
  metadata(protocol: string | null): Uint8Array {
    return this.protocols.find((p) => p.name === protocol)?.metadata ?? new Uint8Array(0);
  }

  /** Same protocols, in the same order, with the same metadata bytes. */
  matches(protocols: readonly Protocol[]): boolean {
    if (protocols.length !== this.protocols.length) return false;
    return protocols.every((p, i) =>
      p.name === this.protocols[i].name && bytesEqual(p.metadata, this.protocols[i].metadata)
    );
  }

  /** This member's choice among `candidates`: the first of its own protocols that is one. */
  vote(candidates: ReadonlySet<string>): string {
    const p = this.protocols.find((x) => candidates.has(x.name));
    assert(p !== undefined, `member ${this.memberId} supports none of the candidate protocols`);
    return p.name;
  }
}

export interface OffsetEntry extends OffsetValue {
  /** Log offset of the record that stored it (a later write wins). */
  logOffset: number;
}

/** Which join-phase timer runs: the initial delay (never completes early) or the rebalance timeout. */
export type JoinPhase =
  | { kind: "initial"; delayMs: number; remainingMs: number }
  | { kind: "rebalance" };

export function tpKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

export function splitTpKey(key: string): { topic: string; partition: number } {
  const at = key.lastIndexOf("\u0000");
  return { topic: key.slice(0, at), partition: Number(key.slice(at + 1)) };
}

export class Group {
  state: GroupState;
  stateTimestamp: number;
  protocolType: string | null = null;
  protocolName: string | null = null;
  generationId = 0;
  leaderId: string | null = null;
  /** Members by id, in the order they joined. */
  readonly members = new Map<string, Member>();
  /** group.instance.id -> member id. */
  readonly staticMembers = new Map<string, string>();
  /** Ids handed out with MEMBER_ID_REQUIRED, waiting for the member's second JoinGroup. */
  readonly pendingMembers = new Set<string>();
  /** Members that have not sent SyncGroup since the join phase completed. */
  readonly pendingSyncMembers = new Set<string>();
  numAwaitingJoin = 0;
  /** A member joined during the initial delay, which therefore extends. */
  newMemberAdded = false;
  joinPhase: JoinPhase | null = null;
  /** How many members support each protocol name. */
  private readonly supported = new Map<string, number>();
  /** Topics the members subscribe to ("consumer" protocol); null when unknown. */
  subscribedTopics: Set<string> | null = null;
  readonly offsets = new Map<string, OffsetEntry>();
  /** Offset writes in flight, by topic-partition. */
  readonly pendingCommits = new Map<string, number>();
  pendingCommitCount = 0;
  /** OffsetFetch(require_stable) calls waiting for the in-flight commits. */
  stableWaiters: (() => void)[] = [];

  constructor(readonly groupId: string, state: GroupState, nowMs: number) {
    this.state = state;
    this.stateTimestamp = nowMs;
  }

  is(state: GroupState): boolean {
    return this.state === state;
  }

  transitionTo(to: GroupState, nowMs: number): void {
    assert(
      validPrevious[to].includes(this.state),
      `group ${this.groupId}: illegal transition ${this.state} -> ${to}`,
    );
    this.state = to;
    this.stateTimestamp = nowMs;
  }

  get size(): number {
    return this.members.size;
  }

  has(memberId: string): boolean {
    return this.members.has(memberId);
  }

  get(memberId: string): Member {
    const m = this.members.get(memberId);
    assert(m !== undefined, `group ${this.groupId} has no member ${memberId}`);
    return m;
  }

  isLeader(memberId: string): boolean {
    return this.leaderId === memberId;
  }

  /** The largest rebalance timeout of the members (0 with none). */
  get rebalanceTimeoutMs(): number {
    let t = 0;
    for (const m of this.members.values()) t = Math.max(t, m.rebalanceTimeoutMs);
    return t;
  }

  /** A static member's id differs from the one its instance id is bound to. */
  isStaticMemberFenced(groupInstanceId: string | null, memberId: string): boolean {
    if (groupInstanceId === null) return false;
    const current = this.staticMembers.get(groupInstanceId);
    return current !== undefined && current !== memberId;
  }

  hasAllMembersJoined(): boolean {
    return this.members.size === this.numAwaitingJoin && this.pendingMembers.size === 0;
  }

  hasOffsets(): boolean {
    return this.offsets.size > 0 || this.pendingCommitCount > 0;
  }

  /** Kafka's supportsProtocols: can a member with these protocols join? */
  supportsProtocols(protocolType: string, names: readonly string[]): boolean {
    if (this.is("Empty")) return protocolType !== "" && names.length > 0;
    return this.protocolType === protocolType &&
      names.some((n) => (this.supported.get(n) ?? 0) === this.members.size);
  }

  /** Protocols every member supports. */
  candidateProtocols(): Set<string> {
    const out = new Set<string>();
    for (const [name, n] of this.supported) if (n === this.members.size) out.add(name);
    return out;
  }

  /** Each member votes for its first candidate; most votes win, ties go to the earliest voter. */
  selectProtocol(): string {
    assert(this.members.size > 0, `cannot select a protocol for empty group ${this.groupId}`);
    const candidates = this.candidateProtocols();
    const votes = new Map<string, number>();
    for (const m of this.members.values()) {
      const v = m.vote(candidates);
      votes.set(v, (votes.get(v) ?? 0) + 1);
    }
    let best = "";
    let most = -1;
    for (const [name, n] of votes) {
      if (n > most) {
        best = name;
        most = n;
      }
    }
    return best;
  }

  add(member: Member, awaitingJoin: ((r: JoinResult) => void) | null): void {
    if (member.groupInstanceId !== null) {
      assert(
        !this.staticMembers.has(member.groupInstanceId),
        `static member ${member.groupInstanceId} is already in group ${this.groupId}`,
      );
      this.staticMembers.set(member.groupInstanceId, member.memberId);
    }
    if (this.members.size === 0) this.protocolType = member.protocolType;
    assert(
      this.protocolType === member.protocolType,
      "member protocol type differs from the group's",
    );
    if (this.leaderId === null) this.leaderId = member.memberId;
    this.members.set(member.memberId, member);
    this.countProtocols(member, 1);
    member.awaitingJoin = awaitingJoin;
    if (awaitingJoin !== null) this.numAwaitingJoin++;
    this.pendingMembers.delete(member.memberId);
  }

  /** Removes a member (no callbacks are answered here); the next one in line leads. */
  remove(memberId: string): void {
    const m = this.members.get(memberId);
    if (m !== undefined) {
      this.members.delete(memberId);
      this.countProtocols(m, -1);
      if (m.awaitingJoin !== null) this.numAwaitingJoin--;
      if (m.groupInstanceId !== null) this.staticMembers.delete(m.groupInstanceId);
    }
    if (this.isLeader(memberId)) {
      const next = this.members.keys().next();
      this.leaderId = next.done ? null : next.value;
    }
    this.pendingMembers.delete(memberId);
    this.pendingSyncMembers.delete(memberId);
  }

  /** Changes a member's protocols and timeouts, and its parked JoinGroup. */
  updateMember(
    member: Member,
    protocols: Protocol[],
    rebalanceTimeoutMs: number,
    sessionTimeoutMs: number,
    awaitingJoin: ((r: JoinResult) => void) | null,
  ): void {
    this.countProtocols(member, -1);
    member.protocols = protocols;
    this.countProtocols(member, 1);
    member.rebalanceTimeoutMs = rebalanceTimeoutMs;
    member.sessionTimeoutMs = sessionTimeoutMs;
    if (awaitingJoin !== null && member.awaitingJoin === null) this.numAwaitingJoin++;
    else if (awaitingJoin === null && member.awaitingJoin !== null) this.numAwaitingJoin--;
    member.awaitingJoin = awaitingJoin;
  }

  /** Answers and clears a member's parked JoinGroup, if any. */
  invokeJoin(member: Member, result: JoinResult): void {
    const cb = member.awaitingJoin;
    if (cb === null) return;
    member.awaitingJoin = null;
    this.numAwaitingJoin--;
    cb(result);
  }

  /** Answers and clears a member's parked SyncGroup, if any. */
  invokeSync(member: Member, result: SyncResult): boolean {
    const cb = member.awaitingSync;
    if (cb === null) return false;
    member.awaitingSync = null;
    cb(result);
    return true;
  }

  /** Re-keys a static member under a new id (the old one is fenced). */
  replaceStaticMember(groupInstanceId: string, oldId: string, newId: string): Member {
    const m = this.get(oldId);
    this.members.delete(oldId);
    m.memberId = newId;
    this.members.set(newId, m);
    if (this.isLeader(oldId)) this.leaderId = newId;
    this.staticMembers.set(groupInstanceId, newId);
    if (this.pendingSyncMembers.delete(oldId)) this.pendingSyncMembers.add(newId);
    return m;
  }

  /** The member list the leader receives in its JoinGroup response. */
  currentMemberMetadata(): JoinResult["members"] {
    assert(
      !this.is("Dead") && !this.is("PreparingRebalance"),
      `member metadata of group ${this.groupId} in state ${this.state}`,
    );
    return [...this.members.values()].map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      metadata: m.metadata(this.protocolName),
    }));
  }

  /** Recomputes the subscribed topics from the members' "consumer" subscriptions. */
  computeSubscribedTopics(): void {
    if (this.protocolType !== CONSUMER_PROTOCOL_TYPE) {
      this.subscribedTopics = null;
      return;
    }
    if (this.members.size === 0 || this.protocolName === null) {
      this.subscribedTopics = this.members.size === 0 ? new Set() : null;
      return;
    }
    const topics = new Set<string>();
    try {
      for (const m of this.members.values()) {
        for (const t of decodeSubscription(m.metadata(this.protocolName)).topics) topics.add(t);
      }
      this.subscribedTopics = topics;
    } catch {
      this.subscribedTopics = null;
    }
  }

  isSubscribedToTopic(topic: string): boolean {
    return this.subscribedTopics === null || this.subscribedTopics.has(topic);
  }

  private countProtocols(member: Member, delta: number): void {
    for (const p of member.protocols) {
      const n = (this.supported.get(p.name) ?? 0) + delta;
      if (n === 0) this.supported.delete(p.name);
      else this.supported.set(p.name, n);
    }
  }
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
