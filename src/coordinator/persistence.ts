/**
 * Group metadata and offset writes: records leave as write effects
 * (`ShardState.writes`) and `done` runs once the driver reports them stored,
 * with append errors mapped the way Kafka maps them for the client.
 */
import { ErrorCode } from "../protocol/errors.ts";
import type { Group } from "./group.ts";
import { encodeGroupKey, encodeGroupValue, type GroupValue } from "./records.ts";
import { EMPTY, type ShardState, type WriteDone } from "./shard_state.ts";
import type { StoredRecord } from "./shard_types.ts";

/** Kafka's mapping of append errors for group metadata writes. */
export function groupWriteError(code: number): number {
  switch (code) {
    case ErrorCode.NONE:
      return ErrorCode.NONE;
    case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
    case ErrorCode.NOT_ENOUGH_REPLICAS:
    case ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    case ErrorCode.REQUEST_TIMED_OUT:
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    case ErrorCode.NOT_LEADER_OR_FOLLOWER:
    case ErrorCode.KAFKA_STORAGE_ERROR:
      return ErrorCode.NOT_COORDINATOR;
    case ErrorCode.MESSAGE_TOO_LARGE:
    case ErrorCode.RECORD_LIST_TOO_LARGE:
    case ErrorCode.INVALID_FETCH_SIZE:
      return ErrorCode.UNKNOWN_SERVER_ERROR;
    default:
      return code;
  }
}

/** Kafka's mapping of append errors for offset commits. */
export function commitWriteError(code: number): number {
  switch (code) {
    case ErrorCode.MESSAGE_TOO_LARGE:
    case ErrorCode.RECORD_LIST_TOO_LARGE:
    case ErrorCode.INVALID_FETCH_SIZE:
      return ErrorCode.INVALID_COMMIT_OFFSET_SIZE;
    default:
      return groupWriteError(code);
  }
}

export function write(s: ShardState, records: StoredRecord[], done: WriteDone): void {
  const id = s.nextWriteId++;
  s.writes.push({ id, records });
  s.writeDone.set(id, done);
}

function groupRecord(
  group: Group,
  assignment: ReadonlyMap<string, Uint8Array>,
): StoredRecord {
  const value: GroupValue = {
    protocolType: group.protocolType ?? "",
    generation: group.generationId,
    protocol: group.protocolName,
    leader: group.size > 0 ? group.leaderId : null,
    currentStateTimestamp: group.stateTimestamp,
    members: [...group.members.values()].map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      rebalanceTimeoutMs: m.rebalanceTimeoutMs,
      sessionTimeoutMs: m.sessionTimeoutMs,
      subscription: m.metadata(group.protocolName),
      assignment: assignment.get(m.memberId) ?? EMPTY,
    })),
  };
  return { key: encodeGroupKey(group.groupId), value: encodeGroupValue(value) };
}

export function storeGroup(
  s: ShardState,
  group: Group,
  assignment: ReadonlyMap<string, Uint8Array>,
  done: (errorCode: number) => void,
): void {
  write(s, [groupRecord(group, assignment)], (code) => done(groupWriteError(code)));
}
