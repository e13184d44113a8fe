/**
 * The admin requests: DescribeGroups, ListGroups, DeleteGroups and
 * OffsetDelete, and the removal of offsets and dead groups they (and offset
 * retention) share.
 */
import { ErrorCode } from "../protocol/errors.ts";
import { type Group, splitTpKey, tpKey } from "./group.ts";
import { groupWriteError, write } from "./persistence.ts";
import { encodeGroupKey, encodeOffsetKey } from "./records.ts";
import { cancelGroupTimers, EMPTY, type ShardState } from "./shard_state.ts";
import type {
  DeleteOffsetsResult,
  DescribedGroup,
  DescribedMember,
  ListedGroup,
  StoredRecord,
} from "./shard_types.ts";

// --- DescribeGroups / ListGroups ---------------------------------------------------

export function describe(s: ShardState, groupId: string, nowMs: number): DescribedGroup {
  s.now = nowMs;
  const base = {
    errorMessage: null,
    groupId,
    protocolType: "",
    protocolData: "",
    members: [] as DescribedMember[],
  };
  if (s.unloaded) return { ...base, errorCode: ErrorCode.NOT_COORDINATOR, state: "Dead" };
  if (groupId === "") return { ...base, errorCode: ErrorCode.INVALID_GROUP_ID, state: "Dead" };
  const group = s.groups.get(groupId);
  if (!group || group.is("Dead")) {
    return {
      ...base,
      errorCode: ErrorCode.GROUP_ID_NOT_FOUND,
      errorMessage: `Group ${groupId} not found.`,
      state: "Dead",
    };
  }
  const stable = group.is("Stable");
  return {
    ...base,
    errorCode: ErrorCode.NONE,
    state: group.state,
    protocolType: group.protocolType ?? "",
    protocolData: stable ? (group.protocolName ?? "") : "",
    members: [...group.members.values()].map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      metadata: stable ? m.metadata(group.protocolName) : EMPTY,
      assignment: stable ? m.assignment : EMPTY,
    })),
  };
}

export function list(s: ShardState): ListedGroup[] {
  if (s.unloaded) return [];
  return [...s.groups.values()].filter((g) => !g.is("Dead")).map((g) => ({
    groupId: g.groupId,
    protocolType: g.protocolType ?? "",
    state: g.state,
    type: "classic",
  }));
}

// --- DeleteGroups / OffsetDelete ---------------------------------------------------

/** Deletes empty groups and their offsets (tombstones); answers once they are stored. */
export function deleteGroups(
  s: ShardState,
  groupIds: string[],
  nowMs: number,
  respond: (r: { groupId: string; errorCode: number }[]) => void,
): void {
  s.now = nowMs;
  const results = groupIds.map((groupId) => ({ groupId, errorCode: ErrorCode.NONE as number }));
  const records: StoredRecord[] = [];
  const deleted: number[] = [];
  results.forEach((r, i) => {
    const group = s.groups.get(r.groupId);
    if (s.unloaded) r.errorCode = ErrorCode.NOT_COORDINATOR;
    else if (r.groupId === "") r.errorCode = ErrorCode.INVALID_GROUP_ID;
    else if (!group || group.is("Dead")) r.errorCode = ErrorCode.GROUP_ID_NOT_FOUND;
    else if (!group.is("Empty")) r.errorCode = ErrorCode.NON_EMPTY_GROUP;
    else {
      records.push(...removeGroup(s, group, [...group.offsets.keys()], true));
      deleted.push(i);
    }
  });
  if (records.length === 0) return respond(results);
  write(s, records, (code) => {
    const error = groupWriteError(code);
    for (const i of deleted) results[i].errorCode = error;
    respond(results);
  });
}

/**
 * Drops `keys` from a group's offsets; a group left empty with no offsets
 * (or any empty group, when `force`: DeleteGroups) dies. Returns the tombstones.
 */
export function removeGroup(
  s: ShardState,
  group: Group,
  keys: string[],
  force = false,
): StoredRecord[] {
  const records: StoredRecord[] = [];
  for (const k of keys) {
    if (!group.offsets.delete(k)) continue;
    const { topic, partition } = splitTpKey(k);
    records.push({ key: encodeOffsetKey(group.groupId, topic, partition), value: null });
  }
  if (group.is("Empty") && (force || !group.hasOffsets())) {
    group.transitionTo("Dead", s.now);
    s.groups.delete(group.groupId);
    cancelGroupTimers(s, group);
    records.push({ key: encodeGroupKey(group.groupId), value: null });
    s.log(`group ${group.groupId} deleted`);
  }
  return records;
}

/** OffsetDelete: drops offsets of topics the group does not consume (any when it is empty). */
export function deleteOffsets(
  s: ShardState,
  groupId: string,
  partitions: { topic: string; partition: number }[],
  nowMs: number,
  respond: (r: DeleteOffsetsResult) => void,
): void {
  s.now = nowMs;
  const fail = (errorCode: number) => respond({ errorCode, partitions: [] });
  if (s.unloaded) return fail(ErrorCode.NOT_COORDINATOR);
  if (groupId === "") return fail(ErrorCode.INVALID_GROUP_ID);
  const group = s.groups.get(groupId);
  if (!group || group.is("Dead")) return fail(ErrorCode.GROUP_ID_NOT_FOUND);
  let eligible: { topic: string; partition: number }[];
  const results = partitions.map((p) => ({ ...p, errorCode: ErrorCode.NONE as number }));
  if (group.is("Empty")) {
    eligible = partitions;
  } else if (group.protocolType === "consumer") {
    eligible = [];
    for (const r of results) {
      if (group.isSubscribedToTopic(r.topic)) r.errorCode = ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC;
      else eligible.push(r);
    }
  } else {
    return fail(ErrorCode.NON_EMPTY_GROUP);
  }
  const records = removeGroup(s, group, eligible.map((p) => tpKey(p.topic, p.partition)));
  if (records.length === 0) return respond({ errorCode: ErrorCode.NONE, partitions: results });
  write(s, records, (code) => {
    const error = groupWriteError(code);
    if (error !== ErrorCode.NONE) return fail(error);
    respond({ errorCode: ErrorCode.NONE, partitions: results });
  });
}
