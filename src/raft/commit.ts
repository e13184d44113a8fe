/**
 * The application's view of what is committed: the batches (or snapshot) to
 * apply next below the high watermark, and the fate of an earlier append.
 * Pure functions over the log, the snapshots and the high watermark.
 */
import { assert } from "../base/assert.ts";
import { loadSnapshot } from "./snapshots.ts";
import type { LogBatch, RaftLog, SnapshotId, SnapshotStore } from "./types.ts";

/** What the state machine above the quorum applies next (see nextCommitted). */
export type Committed =
  | { kind: "snapshot"; id: SnapshotId; values: Uint8Array[] }
  | { kind: "batches"; batches: LogBatch[] };

/** Fate of an append, from the node that accepted it. */
export type AppendStatus = "committed" | "pending" | "lost" | "unknown";

/**
 * Whether an append (its epoch and last offset) committed, may still, or was
 * lost; `leadingEpoch` is whether this node leads `epoch` (and so may still
 * write what it buffered).
 */
export function appendStatus(
  log: RaftLog,
  hwm: number,
  epoch: number,
  lastOffset: number,
  leadingEpoch: () => boolean,
): AppendStatus {
  const e = log.epochAt(lastOffset);
  if (lastOffset < hwm) {
    if (e === epoch) return "committed";
    return e === -1 ? "unknown" : "lost";
  }
  if (e !== -1) return e === epoch ? "pending" : "lost";
  return leadingEpoch() ? "pending" : "lost";
}

/**
 * What the state machine should apply after `appliedOffset` (its next
 * offset): the snapshot when the log no longer reaches back there, else the
 * committed batches from there (control batches included), else null.
 */
export function nextCommitted(
  log: RaftLog,
  snapshots: SnapshotStore,
  hwm: number,
  appliedOffset: number,
  maxBytes: number,
): Committed | null {
  if (appliedOffset < log.startOffset) {
    const { id, values } = loadSnapshot(log, snapshots);
    return { kind: "snapshot", id, values };
  }
  if (appliedOffset >= hwm) return null;
  const batches = log.read(appliedOffset, maxBytes).filter((b) => b.lastOffset < hwm);
  if (batches.length === 0) return null;
  assert(
    batches[0].baseOffset === appliedOffset,
    `applied offset ${appliedOffset} inside a batch`,
  );
  return { kind: "batches", batches };
}
