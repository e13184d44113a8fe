/**
 * Records of `__consumer_offsets`, in Kafka's layout (so Kafka's tools could
 * read our internal topic): key = int16 key version + key struct, value =
 * int16 value version + value struct, null value = tombstone.
 *
 * - Key v0/v1 OffsetCommitKey {group, topic, partition} (we write v1).
 * - Key v2 GroupMetadataKey {group}.
 * - OffsetCommitValue v0 {offset, metadata, commitTimestamp}, v1 adds
 *   expireTimestamp (written only when a commit carried a retention time),
 *   v2 = v0, v3 inserts leaderEpoch after offset (the default we write), v4 is
 *   the flexible form of v3 (read only).
 * - GroupMetadataValue v0-v4: protocolType, generation, protocol, leader,
 *   currentStateTimestamp (v2+), members {memberId, groupInstanceId (v3+),
 *   clientId, clientHost, rebalanceTimeout (v1+), sessionTimeout,
 *   subscription, assignment}. We write v3; v4 (flexible) is read only.
 * Keys 3+ (KIP-848 consumer groups) are not ours and are skipped on load.
 */
import { DecodeError } from "../protocol/decode_error.ts";
import { Reader, Writer } from "../protocol/wire.ts";

export interface OffsetKey {
  type: "offset";
  group: string;
  topic: string;
  partition: number;
}

export interface GroupKey {
  type: "group";
  group: string;
}

export type CoordinatorKey = OffsetKey | GroupKey;

export interface OffsetValue {
  offset: number;
  /** -1 when unknown. */
  leaderEpoch: number;
  metadata: string;
  commitTimestamp: number;
  /** Set only by commits with an explicit retention (OffsetCommit v2-4 / v1 timestamps). */
  expireTimestamp: number | null;
}

export interface GroupMemberValue {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  rebalanceTimeoutMs: number;
  sessionTimeoutMs: number;
  subscription: Uint8Array;
  assignment: Uint8Array;
}

export interface GroupValue {
  protocolType: string;
  generation: number;
  protocol: string | null;
  leader: string | null;
  currentStateTimestamp: number;
  members: GroupMemberValue[];
}

export function encodeOffsetKey(group: string, topic: string, partition: number): Uint8Array {
  const w = new Writer(16 + group.length + topic.length);
  w.int16(1);
  w.string(group);
  w.string(topic);
  w.int32(partition);
  return w.finish();
}

export function encodeGroupKey(group: string): Uint8Array {
  const w = new Writer(8 + group.length);
  w.int16(2);
  w.string(group);
  return w.finish();
}

export function encodeOffsetValue(v: OffsetValue): Uint8Array {
  const w = new Writer(32 + v.metadata.length);
  if (v.expireTimestamp !== null) {
    w.int16(1);
    w.int64(v.offset);
    w.string(v.metadata);
    w.int64(v.commitTimestamp);
    w.int64(v.expireTimestamp);
  } else {
    w.int16(3);
    w.int64(v.offset);
    w.int32(v.leaderEpoch);
    w.string(v.metadata);
    w.int64(v.commitTimestamp);
  }
  return w.finish();
}

export function encodeGroupValue(v: GroupValue): Uint8Array {
  const w = new Writer(256);
  w.int16(3);
  w.string(v.protocolType);
  w.int32(v.generation);
  w.nullableString(v.protocol);
  w.nullableString(v.leader);
  w.int64(v.currentStateTimestamp);
  w.int32(v.members.length);
  for (const m of v.members) {
    w.string(m.memberId);
    w.nullableString(m.groupInstanceId);
    w.string(m.clientId);
    w.string(m.clientHost);
    w.int32(m.rebalanceTimeoutMs);
    w.int32(m.sessionTimeoutMs);
    w.bytes(m.subscription);
    w.bytes(m.assignment);
  }
  return w.finish();
}

/** The key of a stored record; null for record types that are not ours (KIP-848 keys). */
export function decodeKey(bytes: Uint8Array): CoordinatorKey | null {
  const r = new Reader(bytes);
  const version = r.int16();
  if (version === 0 || version === 1) {
    const group = r.string();
    const topic = r.string();
    const partition = r.int32();
    return { type: "offset", group, topic, partition };
  }
  if (version === 2) return { type: "group", group: r.string() };
  if (version >= 3 && version <= 16) return null;
  throw new DecodeError("corrupt", `unknown __consumer_offsets key version ${version}`);
}

export function decodeOffsetValue(bytes: Uint8Array): OffsetValue {
  const r = new Reader(bytes);
  const version = r.int16();
  if (version < 0 || version > 4) {
    throw new DecodeError("corrupt", `unknown offset commit value version ${version}`);
  }
  const flexible = version >= 4;
  const offset = r.int64();
  const leaderEpoch = version >= 3 ? r.int32() : -1;
  const metadata = flexible ? r.compactString() : r.string();
  const commitTimestamp = r.int64();
  const expireTimestamp = version === 1 ? r.int64() : null;
  if (flexible) r.skipTags();
  return { offset, leaderEpoch, metadata, commitTimestamp, expireTimestamp };
}

export function decodeGroupValue(bytes: Uint8Array): GroupValue {
  const r = new Reader(bytes);
  const version = r.int16();
  if (version < 0 || version > 4) {
    throw new DecodeError("corrupt", `unknown group metadata value version ${version}`);
  }
  const flex = version >= 4;
  const str = () => flex ? r.compactString() : r.string();
  const nstr = () => flex ? r.compactNullableString() : r.nullableString();
  const bytesField = () => flex ? r.compactBytes() : r.bytes();
  const protocolType = str();
  const generation = r.int32();
  const protocol = nstr();
  const leader = nstr();
  const currentStateTimestamp = version >= 2 ? r.int64() : -1;
  const count = flex ? r.compactArrayLength() : r.arrayLength();
  const members: GroupMemberValue[] = [];
  for (let i = 0; i < count; i++) {
    const memberId = str();
    const groupInstanceId = version >= 3 ? nstr() : null;
    const clientId = str();
    const clientHost = str();
    const rebalanceTimeoutMs = version >= 1 ? r.int32() : -1;
    const sessionTimeoutMs = r.int32();
    const subscription = bytesField().slice();
    const assignment = bytesField().slice();
    if (flex) r.skipTags();
    members.push({
      memberId,
      groupInstanceId,
      clientId,
      clientHost,
      rebalanceTimeoutMs: rebalanceTimeoutMs < 0 ? sessionTimeoutMs : rebalanceTimeoutMs,
      sessionTimeoutMs,
      subscription,
      assignment,
    });
  }
  if (flex) r.skipTags();
  return { protocolType, generation, protocol, leader, currentStateTimestamp, members };
}
