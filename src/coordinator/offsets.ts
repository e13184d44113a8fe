/**
 * OffsetCommit, OffsetFetch and offset retention (expiry of old offsets and of
 * the empty groups they leave behind).
 */
import { ErrorCode } from "../protocol/errors.ts";
import { Group, type OffsetEntry, splitTpKey, tpKey } from "./group.ts";
import { removeGroup } from "./admin.ts";
import { commitWriteError, write } from "./persistence.ts";
import { scheduleHeartbeat } from "./rebalance.ts";
import { encodeOffsetKey, encodeOffsetValue, type OffsetValue } from "./records.ts";
import { dropIfUnused, type ShardState } from "./shard_state.ts";
import type { CommitRequest, FetchOffsetsResult, StoredRecord } from "./shard_types.ts";

const utf8 = new TextEncoder();

// --- OffsetCommit ----------------------------------------------------------------

export function commitOffsets(
  s: ShardState,
  req: CommitRequest,
  nowMs: number,
  respond: (errorCodes: number[]) => void,
): void {
  s.now = nowMs;
  const all = (code: number) => respond(req.partitions.map(() => code));
  if (s.unloaded) return all(ErrorCode.NOT_COORDINATOR);
  if (req.groupId === "") return all(ErrorCode.INVALID_GROUP_ID);
  let group = s.groups.get(req.groupId);
  if (!group) {
    if (req.generationId >= 0) {
      return all(
        req.groupIdNotFoundError ? ErrorCode.GROUP_ID_NOT_FOUND : ErrorCode.ILLEGAL_GENERATION,
      );
    }
    // A "simple" group: offsets stored for a consumer that assigns partitions itself.
    group = new Group(req.groupId, "Empty", nowMs);
    s.groups.set(req.groupId, group);
  }
  const invalid = validateOffsetCommit(group, req);
  if (invalid !== ErrorCode.NONE) {
    dropIfUnused(s, group);
    return all(invalid);
  }
  if ((group.is("Stable") || group.is("PreparingRebalance")) && group.has(req.memberId)) {
    const m = group.get(req.memberId);
    scheduleHeartbeat(s, group, m, m.sessionTimeoutMs);
  }
  const codes = req.partitions.map((): number => ErrorCode.NONE);
  const records: StoredRecord[] = [];
  const stored: { index: number; key: string; value: OffsetValue }[] = [];
  const expireTimestamp = req.retentionTimeMs === -1 ? null : nowMs + req.retentionTimeMs;
  req.partitions.forEach((p, index) => {
    const metadata = p.metadata ?? "";
    if (utf8.encode(metadata).length > s.config.offsetMetadataMaxBytes) {
      codes[index] = ErrorCode.OFFSET_METADATA_TOO_LARGE;
      return;
    }
    const value: OffsetValue = {
      offset: p.offset,
      leaderEpoch: p.leaderEpoch,
      metadata,
      commitTimestamp: p.commitTimestamp === -1 ? nowMs : p.commitTimestamp,
      expireTimestamp,
    };
    records.push({
      key: encodeOffsetKey(req.groupId, p.topic, p.partition),
      value: encodeOffsetValue(value),
    });
    stored.push({ index, key: tpKey(p.topic, p.partition), value });
  });
  if (records.length === 0) {
    dropIfUnused(s, group);
    return respond(codes);
  }
  const g = group;
  for (const s of stored) {
    g.pendingCommits.set(s.key, (g.pendingCommits.get(s.key) ?? 0) + 1);
    g.pendingCommitCount++;
  }
  write(s, records, (code, logOffset) => {
    const error = commitWriteError(code);
    for (const s of stored) {
      const n = g.pendingCommits.get(s.key)! - 1;
      if (n === 0) g.pendingCommits.delete(s.key);
      else g.pendingCommits.set(s.key, n);
      g.pendingCommitCount--;
      if (error === ErrorCode.NONE && !g.is("Dead")) {
        // Later writes win; within one write (same log offset) the later entry does.
        const prev = g.offsets.get(s.key);
        if (prev === undefined || prev.logOffset <= logOffset) {
          g.offsets.set(s.key, { ...s.value, logOffset });
        }
      }
      codes[s.index] = error;
    }
    if (g.pendingCommitCount === 0 && g.stableWaiters.length > 0) {
      const waiters = g.stableWaiters;
      g.stableWaiters = [];
      for (const w of waiters) w();
    }
    if (s.groups.get(g.groupId) === g) dropIfUnused(s, g);
    respond(codes);
  });
}

/** Kafka 4.x ClassicGroup.validateOffsetCommit (non-transactional). */
function validateOffsetCommit(group: Group, req: CommitRequest): number {
  if (group.is("Dead")) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
  // Admin clients and assign-only consumers commit with generation -1 to an empty group.
  if (req.generationId < 0 && group.is("Empty")) return ErrorCode.NONE;
  if (req.generationId >= 0 || req.memberId !== "" || req.groupInstanceId !== null) {
    if (req.groupInstanceId !== null) {
      const current = group.staticMembers.get(req.groupInstanceId);
      if (current === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
      if (current !== req.memberId) return ErrorCode.FENCED_INSTANCE_ID;
    }
    if (!group.has(req.memberId)) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (req.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
  } else if (!group.is("Empty")) {
    // Only members may commit to a group that has members.
    return ErrorCode.UNKNOWN_MEMBER_ID;
  }
  if (group.is("CompletingRebalance")) return ErrorCode.REBALANCE_IN_PROGRESS;
  return ErrorCode.NONE;
}

// --- OffsetFetch -----------------------------------------------------------------

/**
 * Committed offsets (-1 where none). With `requireStable` the answer waits
 * for the group's in-flight commits, so it includes every acknowledged one.
 */
export function fetchOffsets(
  s: ShardState,
  groupId: string,
  partitions: { topic: string; partition: number }[] | null,
  requireStable: boolean,
  nowMs: number,
  respond: (r: FetchOffsetsResult) => void,
): void {
  s.now = nowMs;
  if (s.unloaded) return respond({ errorCode: ErrorCode.NOT_COORDINATOR, offsets: [] });
  if (groupId === "") return respond({ errorCode: ErrorCode.INVALID_GROUP_ID, offsets: [] });
  const group = s.groups.get(groupId);
  const answer = () => {
    if (s.unloaded) return respond({ errorCode: ErrorCode.NOT_COORDINATOR, offsets: [] });
    const live = group !== undefined && s.groups.get(groupId) === group && !group.is("Dead");
    const wanted = partitions ??
      (live ? [...group.offsets.keys()].sort().map(splitTpKey) : []);
    respond({
      errorCode: ErrorCode.NONE,
      offsets: wanted.map(({ topic, partition }) => {
        const o = live ? group.offsets.get(tpKey(topic, partition)) : undefined;
        return {
          topic,
          partition,
          offset: o?.offset ?? -1,
          leaderEpoch: o?.leaderEpoch ?? -1,
          metadata: o?.metadata ?? "",
          errorCode: ErrorCode.NONE,
        };
      }),
    });
  };
  if (requireStable && group !== undefined && group.pendingCommitCount > 0) {
    group.stableWaiters.push(answer);
  } else {
    answer();
  }
}

// --- retention -------------------------------------------------------------------

export function scheduleRetention(s: ShardState): void {
  s.timers.set("retention", s.now + s.config.offsetsRetentionCheckIntervalMs, () => {
    expireOffsets(s);
    scheduleRetention(s);
  });
}

/**
 * offsets.retention.minutes (KIP-211): an empty group's offsets expire that
 * long after it became empty; a stable consumer group's offsets of topics
 * it no longer subscribes to, that long after their commit; a simple group's,
 * that long after their commit; an explicit expire timestamp (OffsetCommit
 * v1-4 retention) wins. Empty groups left without offsets are deleted.
 */
function expireOffsets(s: ShardState): void {
  const now = s.now;
  const retention = s.config.offsetsRetentionMs;
  const records: StoredRecord[] = [];
  for (const group of [...s.groups.values()]) {
    let base: ((o: OffsetEntry) => number) | null = null;
    let keep: Set<string> | null = null;
    if (group.protocolType !== null && group.is("Empty")) {
      base = () => group.stateTimestamp;
    } else if (
      group.protocolType === "consumer" && group.subscribedTopics !== null && group.is("Stable")
    ) {
      base = (o) => o.commitTimestamp;
      keep = group.subscribedTopics;
    } else if (group.protocolType === null) {
      base = (o) => o.commitTimestamp;
    }
    if (base === null) continue;
    const expired: string[] = [];
    for (const [k, o] of group.offsets) {
      if (group.pendingCommits.has(k)) continue;
      if (keep !== null && keep.has(splitTpKey(k).topic)) continue;
      const due = o.expireTimestamp !== null
        ? now >= o.expireTimestamp
        : now - base(o) >= retention;
      if (due) expired.push(k);
    }
    if (expired.length > 0) {
      s.log(`group ${group.groupId}: ${expired.length} offsets expired`);
    }
    if (expired.length > 0 || (group.is("Empty") && !group.hasOffsets())) {
      records.push(...removeGroup(s, group, expired));
    }
  }
  if (records.length > 0) {
    write(s, records, (code) => {
      if (code !== ErrorCode.NONE) s.log(`storing expired offsets failed (error ${code})`);
    });
  }
}
