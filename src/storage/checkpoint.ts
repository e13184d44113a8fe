/**
 * Kafka's checkpoint text files, always replaced atomically (writeFileAtomic):
 * - per log dir: `recovery-point-offset-checkpoint`,
 *   `log-start-offset-checkpoint` and `replication-offset-checkpoint` (high
 *   watermarks), lines "topic partition offset";
 * - per partition: `leader-epoch-checkpoint`, lines "epoch startOffset".
 * Each starts with a version line ("0") and a count line.
 */
import type { FsLayer } from "./fs.ts";
import { isNotFound, joinPath, writeFileAtomic } from "./fs.ts";

export const RECOVERY_POINT_CHECKPOINT = "recovery-point-offset-checkpoint";
export const LOG_START_OFFSET_CHECKPOINT = "log-start-offset-checkpoint";
/** High watermarks (Kafka's name for this file). */
export const HIGH_WATERMARK_CHECKPOINT = "replication-offset-checkpoint";
export const LEADER_EPOCH_CHECKPOINT = "leader-epoch-checkpoint";
/** Present only while the log dir was shut down cleanly (Kafka's marker name). */
export const CLEAN_SHUTDOWN_FILE = ".kafka_cleanshutdown";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Partition key used across storage: "<topic>-<partition>", also the directory name. */
export function partitionKey(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

/** Splits a "<topic>-<partition>" directory name; null when it is not one. */
export function parsePartitionKey(name: string): { topic: string; partition: number } | null {
  const m = /^(.+)-(\d+)$/.exec(name);
  if (m === null) return null;
  return { topic: m[1], partition: Number(m[2]) };
}

function encodeLines(lines: string[]): Uint8Array {
  return encoder.encode(`0\n${lines.length}\n${lines.map((l) => l + "\n").join("")}`);
}

/** Parses version/count/lines; null when the file is malformed. */
function decodeLines(bytes: Uint8Array, fields: number): string[][] | null {
  const lines = decoder.decode(bytes).split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  if (lines.length < 2 || lines[0] !== "0") return null;
  const count = Number(lines[1]);
  if (!Number.isInteger(count) || count !== lines.length - 2) return null;
  const out: string[][] = [];
  for (const l of lines.slice(2)) {
    const parts = l.split(" ");
    if (parts.length !== fields) return null;
    out.push(parts);
  }
  return out;
}

export function encodeOffsetCheckpoint(offsets: ReadonlyMap<string, number>): Uint8Array {
  const lines: string[] = [];
  for (const [key, offset] of [...offsets].sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0)) {
    const tp = parsePartitionKey(key);
    if (tp !== null) lines.push(`${tp.topic} ${tp.partition} ${offset}`);
  }
  return encodeLines(lines);
}

/** Offsets by partition key; null when the file is malformed. */
export function decodeOffsetCheckpoint(bytes: Uint8Array): Map<string, number> | null {
  const rows = decodeLines(bytes, 3);
  if (rows === null) return null;
  const out = new Map<string, number>();
  for (const [topic, partition, offset] of rows) {
    const p = Number(partition);
    const o = Number(offset);
    if (!Number.isSafeInteger(p) || !Number.isSafeInteger(o) || p < 0 || o < 0) return null;
    out.set(partitionKey(topic, p), o);
  }
  return out;
}

export interface EpochEntry {
  epoch: number;
  startOffset: number;
}

export function encodeEpochCheckpoint(entries: readonly EpochEntry[]): Uint8Array {
  return encodeLines(entries.map((e) => `${e.epoch} ${e.startOffset}`));
}

export function decodeEpochCheckpoint(bytes: Uint8Array): EpochEntry[] | null {
  const rows = decodeLines(bytes, 2);
  if (rows === null) return null;
  const out: EpochEntry[] = [];
  for (const [e, s] of rows) {
    const epoch = Number(e);
    const startOffset = Number(s);
    if (!Number.isSafeInteger(epoch) || !Number.isSafeInteger(startOffset)) return null;
    out.push({ epoch, startOffset });
  }
  return out;
}

/** Reads a checkpoint file; null when missing. */
export function readCheckpointFile(fs: FsLayer, dir: string, name: string): Uint8Array | null {
  try {
    return fs.readFile(joinPath(dir, name));
  } catch (e) {
    if (isNotFound(e)) return null;
    throw e;
  }
}

export function writeCheckpointFile(
  fs: FsLayer,
  dir: string,
  name: string,
  bytes: Uint8Array,
): Promise<void> {
  return writeFileAtomic(fs, dir, name, bytes);
}
