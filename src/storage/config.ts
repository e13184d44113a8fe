/**
 * Per-topic log configuration under Kafka's names and defaults. Fields are the
 * camelCase of the Kafka property (segment.bytes -> segmentBytes) so the
 * mapping stays mechanical; `parseLogConfig` takes the dotted names.
 */
import { indexEntriesMax } from "../base/limits.ts";

export type CleanupPolicy = "delete" | "compact" | "compact,delete";

/** Kafka stores "never" as Long.MAX_VALUE; the largest integer we represent exactly. */
export const NEVER = Number.MAX_SAFE_INTEGER;

export interface LogConfig {
  /** segment.bytes: roll the active segment before it would exceed this. */
  segmentBytes: number;
  /** segment.ms: roll a non-empty active segment this long after it was created. */
  segmentMs: number;
  /** segment.index.bytes: roll when the offset index reaches this size (8 bytes per entry). */
  segmentIndexBytes: number;
  /** index.interval.bytes: bytes between sparse index entries. */
  indexIntervalBytes: number;
  /** flush.messages: fsync once this many messages are unflushed. */
  flushMessages: number;
  /** flush.ms: fsync once data has been unflushed this long. */
  flushMs: number;
  /** retention.ms: delete segments whose newest record is older (-1: keep forever). */
  retentionMs: number;
  /** retention.bytes: delete oldest segments while the log exceeds this (-1: no bound). */
  retentionBytes: number;
  /** cleanup.policy */
  cleanupPolicy: CleanupPolicy;
  /** delete.retention.ms: how long compaction keeps tombstones. */
  deleteRetentionMs: number;
  /** min.compaction.lag.ms: records younger than this are not compacted. */
  minCompactionLagMs: number;
  /** file.delete.delay.ms: wait between renaming a segment to .deleted and removing it. */
  fileDeleteDelayMs: number;
}

export const defaultLogConfig: Readonly<LogConfig> = Object.freeze({
  segmentBytes: 1024 * 1024 * 1024,
  segmentMs: 7 * 24 * 3600 * 1000,
  segmentIndexBytes: 10 * 1024 * 1024,
  indexIntervalBytes: 4096,
  flushMessages: NEVER,
  flushMs: NEVER,
  retentionMs: 7 * 24 * 3600 * 1000,
  retentionBytes: -1,
  cleanupPolicy: "delete",
  deleteRetentionMs: 24 * 3600 * 1000,
  minCompactionLagMs: 0,
  fileDeleteDelayMs: 60_000,
});

const kafkaNames: Record<string, keyof LogConfig> = {
  "segment.bytes": "segmentBytes",
  "segment.ms": "segmentMs",
  "segment.index.bytes": "segmentIndexBytes",
  "index.interval.bytes": "indexIntervalBytes",
  "flush.messages": "flushMessages",
  "flush.ms": "flushMs",
  "retention.ms": "retentionMs",
  "retention.bytes": "retentionBytes",
  "cleanup.policy": "cleanupPolicy",
  "delete.retention.ms": "deleteRetentionMs",
  "min.compaction.lag.ms": "minCompactionLagMs",
  "file.delete.delay.ms": "fileDeleteDelayMs",
};

/** Kafka property names this module understands. */
export const logConfigNames: readonly string[] = Object.keys(kafkaNames);

export class InvalidConfigError extends Error {
  override name = "InvalidConfigError";
}

function parseLong(name: string, v: string, min: number): number {
  if (!/^-?\d+$/.test(v.trim())) throw new InvalidConfigError(`${name}=${v} is not an integer`);
  // Long.MAX_VALUE and friends mean "never"; clamp instead of losing precision.
  const n = Math.min(Number(v), NEVER);
  if (n < min) throw new InvalidConfigError(`${name}=${v} is below ${min}`);
  return n;
}

function parsePolicy(v: string): CleanupPolicy {
  const parts = v.split(",").map((p) => p.trim()).filter((p) => p.length > 0).sort();
  const key = parts.join(",");
  if (key === "delete" || key === "compact" || key === "compact,delete") return key;
  throw new InvalidConfigError(`cleanup.policy=${v} is not delete, compact or both`);
}

/**
 * Applies Kafka-named properties over `base`. Unknown names are ignored (other
 * layers own them); bad values throw InvalidConfigError.
 */
export function parseLogConfig(
  props: Record<string, string>,
  base: Readonly<LogConfig> = defaultLogConfig,
): LogConfig {
  const out: LogConfig = { ...base };
  for (const [name, raw] of Object.entries(props)) {
    const field = kafkaNames[name];
    if (field === undefined) continue;
    switch (field) {
      case "cleanupPolicy":
        out.cleanupPolicy = parsePolicy(raw);
        break;
      case "segmentBytes":
        out.segmentBytes = parseLong(name, raw, 14); // Kafka's minimum: one batch header
        break;
      case "segmentIndexBytes":
        out.segmentIndexBytes = parseLong(name, raw, 8);
        break;
      case "retentionMs":
      case "retentionBytes":
        out[field] = parseLong(name, raw, -1);
        break;
      case "flushMessages":
        out.flushMessages = parseLong(name, raw, 1);
        break;
      case "segmentMs":
        out.segmentMs = parseLong(name, raw, 1);
        break;
      default:
        out[field] = parseLong(name, raw, 0);
    }
  }
  return out;
}

export function isCompacted(c: LogConfig): boolean {
  return c.cleanupPolicy !== "delete";
}

export function isDeleteRetained(c: LogConfig): boolean {
  return c.cleanupPolicy !== "compact";
}

/** Offset index capacity a config allows, capped by the limits module. */
export function offsetIndexEntriesMax(c: LogConfig): number {
  return Math.max(1, Math.min(indexEntriesMax, Math.floor(c.segmentIndexBytes / 8)));
}

/** Time index capacity a config allows (12 bytes per entry), capped by the limits module. */
export function timeIndexEntriesMax(c: LogConfig): number {
  return Math.max(1, Math.min(indexEntriesMax, Math.floor(c.segmentIndexBytes / 12)));
}
