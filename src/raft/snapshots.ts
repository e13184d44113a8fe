/**
 * Snapshots: reconciling the log with the newest snapshot at start, writing
 * and loading snapshots for the state machine, serving FetchSnapshot chunks
 * (leader) and assembling them (follower). Pure helpers over the injected
 * RaftLog and SnapshotStore.
 */
import { assert } from "../base/assert.ts";
import { raftSnapshotBytesMax, raftSnapshotChunkBytes } from "../base/limits.ts";
import { DecodeError } from "../protocol/decode_error.ts";
import { ErrorCode } from "../protocol/errors.ts";
import type {
  FetchSnapshotRequest,
  FetchSnapshotRequestPartitionSnapshot,
  FetchSnapshotResponse,
  FetchSnapshotResponsePartitionSnapshot,
} from "../protocol/generated/fetch_snapshot.ts";
import { ZERO_UUID } from "../protocol/uuid.ts";
import {
  buildSnapshot,
  joinRecords,
  METADATA_PARTITION,
  METADATA_TOPIC,
  parseSnapshot,
} from "./records.ts";
import type { RaftLog, SnapshotId, SnapshotStore } from "./types.ts";

/** A snapshot being fetched from the leader, chunk by chunk. */
export interface SnapshotFetch {
  id: SnapshotId;
  position: number;
  size: number;
  chunks: Uint8Array[];
}

/** Makes the log agree with the newest snapshot after a crash between the two writes. */
export function reconcileSnapshot(log: RaftLog, snapshots: SnapshotStore): void {
  const snap = snapshots.latest();
  if (snap === null || snap.endOffset <= log.startOffset) return;
  const aligned = snap.endOffset < log.endOffset &&
    log.read(snap.endOffset, 1)[0]?.baseOffset === snap.endOffset;
  if (snap.endOffset === log.endOffset || aligned) {
    log.deleteBefore(snap.endOffset, snap.epoch);
  } else {
    log.resetTo(snap.endOffset, snap.epoch);
  }
}

/** The newest snapshot's values, which must cover the log start. */
export function loadSnapshot(
  log: RaftLog,
  snapshots: SnapshotStore,
): { id: SnapshotId; values: Uint8Array[] } {
  const id = snapshots.latest();
  assert(id !== null && id.endOffset >= log.startOffset, "log start without a snapshot");
  const size = snapshots.size(id);
  const bytes = snapshots.read(id, 0, size);
  assert(bytes !== null && bytes.length === size, "snapshot vanished while loading");
  return { id, values: parseSnapshot(bytes) };
}

/**
 * Writes a snapshot of the state at `endOffset` and drops the log below it;
 * null when there is nothing new to snapshot.
 */
export function writeSnapshot(
  log: RaftLog,
  snapshots: SnapshotStore,
  endOffset: number,
  hwm: number,
  values: readonly Uint8Array[],
  nowMs: number,
): SnapshotId | null {
  assert(endOffset <= hwm, `snapshot at ${endOffset} above high watermark ${hwm}`);
  const latest = snapshots.latest();
  if (latest !== null && latest.endOffset >= endOffset) return null;
  if (endOffset <= log.startOffset) return null;
  const epoch = log.epochAt(endOffset - 1);
  assert(epoch >= 0, `no entry below snapshot offset ${endOffset}`);
  const id = { endOffset, epoch };
  snapshots.write(id, buildSnapshot(id, values, nowMs));
  log.deleteBefore(endOffset, epoch);
  return id;
}

export function fetchSnapshotRequest(
  clusterId: string | null,
  nodeId: number,
  epoch: number,
  s: SnapshotFetch,
): FetchSnapshotRequest {
  return {
    clusterId,
    replicaId: nodeId,
    maxBytes: raftSnapshotChunkBytes,
    topics: [{
      name: METADATA_TOPIC,
      partitions: [{
        partition: METADATA_PARTITION,
        currentLeaderEpoch: epoch,
        snapshotId: { endOffset: s.id.endOffset, epoch: s.id.epoch },
        position: s.position,
        replicaDirectoryId: ZERO_UUID,
      }],
    }],
  };
}

export function fetchSnapshotResponse(
  leaderId: number,
  epoch: number,
  errorCode: number,
  fill?: (p: FetchSnapshotResponsePartitionSnapshot) => void,
  top = 0,
): FetchSnapshotResponse {
  const part: FetchSnapshotResponsePartitionSnapshot = {
    index: METADATA_PARTITION,
    errorCode,
    snapshotId: { endOffset: -1, epoch: -1 },
    currentLeader: { leaderId, leaderEpoch: epoch },
    size: 0,
    position: 0,
    unalignedRecords: new Uint8Array(0),
  };
  fill?.(part);
  return {
    throttleTimeMs: 0,
    errorCode: top,
    topics: [{ name: METADATA_TOPIC, partitions: [part] }],
    nodeEndpoints: [],
  };
}

/**
 * Reads the chunk a FetchSnapshot asks for (leader side): an error code, or
 * how to fill the answer's partition with the chunk.
 */
export function readSnapshotChunk(
  snapshots: SnapshotStore,
  p: FetchSnapshotRequestPartitionSnapshot,
  maxBytes: number,
): number | ((part: FetchSnapshotResponsePartitionSnapshot) => void) {
  const id = { endOffset: p.snapshotId.endOffset, epoch: p.snapshotId.epoch };
  const size = snapshots.size(id);
  if (size < 0) return ErrorCode.SNAPSHOT_NOT_FOUND;
  if (p.position < 0 || p.position > size) return ErrorCode.POSITION_OUT_OF_RANGE;
  const max = Math.max(1, Math.min(maxBytes, raftSnapshotChunkBytes));
  const chunk = snapshots.read(id, p.position, max);
  if (chunk === null) return ErrorCode.SNAPSHOT_NOT_FOUND;
  return (part) => {
    part.snapshotId = { endOffset: id.endOffset, epoch: id.epoch };
    part.size = size;
    part.position = p.position;
    part.unalignedRecords = chunk;
  };
}

/**
 * Takes one FetchSnapshot chunk into `s`: "abandon" when it does not continue
 * the snapshot being fetched (or the whole does not parse), "more" while
 * incomplete, else the complete snapshot's bytes.
 */
export function acceptSnapshotChunk(
  s: SnapshotFetch,
  part: FetchSnapshotResponsePartitionSnapshot,
): "abandon" | "more" | { bytes: Uint8Array } {
  const chunk = joinRecords(part.unalignedRecords);
  if (
    part.snapshotId.endOffset !== s.id.endOffset || part.snapshotId.epoch !== s.id.epoch ||
    part.position !== s.position || part.size > raftSnapshotBytesMax ||
    s.position + chunk.length > part.size || (chunk.length === 0 && s.position < part.size)
  ) {
    return "abandon";
  }
  s.chunks.push(chunk.slice());
  s.position += chunk.length;
  s.size = part.size;
  if (s.position < s.size) return "more";
  const bytes = joinRecords(s.chunks);
  try {
    parseSnapshot(bytes);
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    return "abandon";
  }
  return { bytes };
}
