/**
 * Loading a shard: stored records are replayed in log order into `Replayed`
 * (later records win, tombstones delete), then turned into live groups once
 * the partition has been read to its end.
 */
import { Group, Member, type OffsetEntry, tpKey } from "./group.ts";
import { scheduleRetention } from "./offsets.ts";
import { prepareRebalance, scheduleHeartbeat } from "./rebalance.ts";
import { decodeGroupValue, decodeKey, decodeOffsetValue, type GroupValue } from "./records.ts";
import type { ShardState } from "./shard_state.ts";

/** Replay state, until finishLoading. */
export interface Replayed {
  offsets: Map<string, Map<string, OffsetEntry>>;
  groups: Map<string, GroupValue>;
}

export function newReplayed(): Replayed {
  return { offsets: new Map(), groups: new Map() };
}

/** Replays one stored record (in log order) while loading. */
export function replayRecord(
  l: Replayed,
  key: Uint8Array,
  value: Uint8Array | null,
  logOffset: number,
): void {
  const k = decodeKey(key);
  if (k === null) return;
  if (k.type === "offset") {
    let offsets = l.offsets.get(k.group);
    if (value === null) {
      offsets?.delete(tpKey(k.topic, k.partition));
      return;
    }
    if (!offsets) l.offsets.set(k.group, offsets = new Map());
    offsets.set(tpKey(k.topic, k.partition), { ...decodeOffsetValue(value), logOffset });
  } else if (value === null) {
    l.groups.delete(k.group);
  } else {
    l.groups.set(k.group, decodeGroupValue(value));
  }
}

/**
 * Builds the groups from what was replayed: a group with members is Stable
 * (its members' sessions restart now), one without is Empty, offsets with no
 * group make a simple group. Starts the retention check.
 */
export function buildGroups(s: ShardState, l: Replayed, nowMs: number): void {
  for (const [groupId, value] of l.groups) {
    const g = new Group(groupId, value.members.length > 0 ? "Stable" : "Empty", nowMs);
    g.protocolType = value.protocolType === "" ? null : value.protocolType;
    g.generationId = value.generation;
    g.protocolName = value.protocol;
    if (value.currentStateTimestamp >= 0) g.stateTimestamp = value.currentStateTimestamp;
    for (const mv of value.members) {
      const m = new Member(
        mv.memberId,
        mv.groupInstanceId,
        mv.clientId,
        mv.clientHost,
        mv.rebalanceTimeoutMs,
        mv.sessionTimeoutMs,
        g.protocolType ?? "",
        [{ name: value.protocol ?? "", metadata: mv.subscription }],
      );
      m.assignment = mv.assignment;
      g.add(m, null);
    }
    g.leaderId = value.leader !== null && g.has(value.leader)
      ? value.leader
      : (g.members.keys().next().value ?? null);
    g.computeSubscribedTopics();
    s.groups.set(groupId, g);
  }
  for (const [groupId, offsets] of l.offsets) {
    if (offsets.size === 0) continue;
    let g = s.groups.get(groupId);
    if (!g) s.groups.set(groupId, g = new Group(groupId, "Empty", nowMs));
    for (const [k, v] of offsets) g.offsets.set(k, v);
  }
  for (const g of s.groups.values()) {
    for (const m of g.members.values()) scheduleHeartbeat(s, g, m, m.sessionTimeoutMs);
    if (g.size > s.config.groupMaxSize) {
      prepareRebalance(s, g, "group is over group.max.size");
    }
  }
  scheduleRetention(s);
}
