/**
 * The state a GroupShard's modules share, and the small helpers they all use
 * (error answers, timer keys, forgetting unused groups). The shard owns one
 * `ShardState`; the modules are functions over it.
 */
import type { GroupCoordinatorConfig } from "./config.ts";
import type { Group, JoinResult, SyncResult } from "./group.ts";
import type { PendingWrite, ShardOptions } from "./shard_types.ts";
import { Timers } from "./timers.ts";

export type WriteDone = (errorCode: number, logOffset: number) => void;

export const EMPTY = new Uint8Array(0);

export function joinError(memberId: string, errorCode: number): JoinResult {
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

export function syncError(errorCode: number): SyncResult {
  return { errorCode, protocolType: null, protocolName: null, assignment: EMPTY };
}

export interface ShardState {
  readonly groups: Map<string, Group>;
  readonly timers: Timers;
  /** Write effects not yet taken by the driver. */
  writes: PendingWrite[];
  readonly writeDone: Map<number, WriteDone>;
  nextWriteId: number;
  /** The `nowMs` of the latest call; deadlines are set relative to it. */
  now: number;
  /** unload() was called: every request answers NOT_COORDINATOR. */
  unloaded: boolean;
  readonly config: GroupCoordinatorConfig;
  readonly newId: () => string;
  readonly log: (msg: string) => void;
}

export function newShardState(opts: ShardOptions): ShardState {
  return {
    groups: new Map(),
    timers: new Timers(),
    writes: [],
    writeDone: new Map(),
    nextWriteId: 1,
    now: 0,
    unloaded: false,
    config: opts.config,
    newId: opts.newId,
    log: opts.log ?? (() => {}),
  };
}

// --- timer keys ------------------------------------------------------------------

export function heartbeatKey(group: Group, memberId: string): string {
  return `hb\u0000${group.groupId}\u0000${memberId}`;
}
export function pendingKey(group: Group, memberId: string): string {
  return `pending\u0000${group.groupId}\u0000${memberId}`;
}
export function joinKey(group: Group): string {
  return `join\u0000${group.groupId}`;
}
export function syncKey(group: Group): string {
  return `sync\u0000${group.groupId}`;
}

export function cancelGroupTimers(s: ShardState, group: Group): void {
  s.timers.cancel(joinKey(group));
  s.timers.cancel(syncKey(group));
  for (const id of group.members.keys()) s.timers.cancel(heartbeatKey(group, id));
  for (const id of group.pendingMembers) s.timers.cancel(pendingKey(group, id));
}

/** A group created by a JoinGroup that came to nothing is forgotten (nothing was stored). */
export function dropIfUnused(s: ShardState, group: Group): void {
  if (
    group.is("Empty") && group.generationId === 0 && group.size === 0 &&
    group.pendingMembers.size === 0 && !group.hasOffsets() && group.protocolType === null &&
    s.groups.get(group.groupId) === group
  ) {
    s.groups.delete(group.groupId);
  }
}
