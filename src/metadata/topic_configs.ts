/**
 * Topic-level configs under Kafka's names: type, default, the broker property
 * that supplies the cluster-wide default (its synonym), and validation. The
 * controller validates with this; DescribeConfigs reports from it.
 */
import { InvalidConfigError, NEVER, parseLogConfig } from "../storage/config.ts";

export type ConfigType =
  | "long"
  | "int"
  | "double"
  | "string"
  | "boolean"
  | "list"
  | "password"
  | "class";

export interface TopicConfigDef {
  readonly name: string;
  readonly type: ConfigType;
  /** Kafka's default, as DescribeConfigs reports it. */
  readonly defaultValue: string | null;
  /** The broker property whose value is the default for every topic. */
  readonly brokerSynonym?: string;
  /** An error message for a bad value, or null. */
  readonly validate?: (value: string) => string | null;
}

const LONG_MAX = "9223372036854775807";

function long(min: number): (v: string) => string | null {
  return (v) => {
    if (!/^-?\d+$/.test(v.trim())) return `not a long: ${v}`;
    return Number(v) < min ? `value ${v} is below the minimum ${min}` : null;
  };
}
function int(min: number, max = 2147483647): (v: string) => string | null {
  return (v) => {
    if (!/^-?\d+$/.test(v.trim())) return `not an int: ${v}`;
    const n = Number(v);
    return n < min || n > max ? `value ${v} is outside [${min}, ${max}]` : null;
  };
}
function oneOf(...allowed: string[]): (v: string) => string | null {
  return (v) => allowed.includes(v) ? null : `must be one of ${allowed.join(", ")}`;
}
function ratio(v: string): string | null {
  const n = Number(v);
  return Number.isFinite(n) && n >= 0 && n <= 1 ? null : `not a ratio in [0, 1]: ${v}`;
}
function bool(v: string): string | null {
  return v === "true" || v === "false" ? null : `not a boolean: ${v}`;
}
function policy(v: string): string | null {
  try {
    parseLogConfig({ "cleanup.policy": v });
    return null;
  } catch (e) {
    return e instanceof InvalidConfigError ? e.message : String(e);
  }
}

export const topicConfigDefs: readonly TopicConfigDef[] = [
  {
    name: "cleanup.policy",
    type: "list",
    defaultValue: "delete",
    brokerSynonym: "log.cleanup.policy",
    validate: policy,
  },
  {
    name: "compression.type",
    type: "string",
    defaultValue: "producer",
    brokerSynonym: "compression.type",
    validate: oneOf("uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"),
  },
  {
    name: "delete.retention.ms",
    type: "long",
    defaultValue: "86400000",
    brokerSynonym: "log.cleaner.delete.retention.ms",
    validate: long(0),
  },
  {
    name: "file.delete.delay.ms",
    type: "long",
    defaultValue: "60000",
    brokerSynonym: "log.segment.delete.delay.ms",
    validate: long(0),
  },
  {
    name: "flush.messages",
    type: "long",
    defaultValue: LONG_MAX,
    brokerSynonym: "log.flush.interval.messages",
    validate: long(1),
  },
  {
    name: "flush.ms",
    type: "long",
    defaultValue: LONG_MAX,
    brokerSynonym: "log.flush.interval.ms",
    validate: long(0),
  },
  {
    name: "index.interval.bytes",
    type: "int",
    defaultValue: "4096",
    brokerSynonym: "log.index.interval.bytes",
    validate: int(0),
  },
  {
    name: "max.compaction.lag.ms",
    type: "long",
    defaultValue: LONG_MAX,
    brokerSynonym: "log.cleaner.max.compaction.lag.ms",
    validate: long(1),
  },
  {
    name: "max.message.bytes",
    type: "int",
    defaultValue: "1048588",
    brokerSynonym: "message.max.bytes",
    validate: int(0),
  },
  {
    name: "message.timestamp.after.max.ms",
    type: "long",
    defaultValue: "3600000",
    brokerSynonym: "log.message.timestamp.after.max.ms",
    validate: long(0),
  },
  {
    name: "message.timestamp.before.max.ms",
    type: "long",
    defaultValue: LONG_MAX,
    brokerSynonym: "log.message.timestamp.before.max.ms",
    validate: long(0),
  },
  {
    name: "message.timestamp.type",
    type: "string",
    defaultValue: "CreateTime",
    brokerSynonym: "log.message.timestamp.type",
    validate: oneOf("CreateTime", "LogAppendTime"),
  },
  {
    name: "min.cleanable.dirty.ratio",
    type: "double",
    defaultValue: "0.5",
    brokerSynonym: "log.cleaner.min.cleanable.ratio",
    validate: ratio,
  },
  {
    name: "min.compaction.lag.ms",
    type: "long",
    defaultValue: "0",
    brokerSynonym: "log.cleaner.min.compaction.lag.ms",
    validate: long(0),
  },
  {
    name: "min.insync.replicas",
    type: "int",
    defaultValue: "1",
    brokerSynonym: "min.insync.replicas",
    validate: int(1),
  },
  {
    name: "preallocate",
    type: "boolean",
    defaultValue: "false",
    brokerSynonym: "log.preallocate",
    validate: bool,
  },
  {
    name: "retention.bytes",
    type: "long",
    defaultValue: "-1",
    brokerSynonym: "log.retention.bytes",
    validate: long(-1),
  },
  {
    name: "retention.ms",
    type: "long",
    defaultValue: "604800000",
    brokerSynonym: "log.retention.ms",
    validate: long(-1),
  },
  {
    name: "segment.bytes",
    type: "int",
    defaultValue: "1073741824",
    brokerSynonym: "log.segment.bytes",
    validate: int(14),
  },
  {
    name: "segment.index.bytes",
    type: "int",
    defaultValue: "10485760",
    brokerSynonym: "log.index.size.max.bytes",
    validate: int(4),
  },
  {
    name: "segment.jitter.ms",
    type: "long",
    defaultValue: "0",
    brokerSynonym: "log.roll.jitter.ms",
    validate: long(0),
  },
  {
    name: "segment.ms",
    type: "long",
    defaultValue: "604800000",
    brokerSynonym: "log.roll.ms",
    validate: long(1),
  },
  {
    name: "unclean.leader.election.enable",
    type: "boolean",
    defaultValue: "false",
    brokerSynonym: "unclean.leader.election.enable",
    validate: bool,
  },
];

const byName = new Map(topicConfigDefs.map((d) => [d.name, d]));

export function topicConfigDef(name: string): TopicConfigDef | undefined {
  return byName.get(name);
}

/** Checks one topic config: null when fine, else the INVALID_CONFIG message. */
export function validateTopicConfig(name: string, value: string | null): string | null {
  const def = byName.get(name);
  if (!def) return `Unknown topic config name: ${name}`;
  if (value === null) return null;
  return def.validate ? def.validate(value) : null;
}

/** Largest number we keep exactly; configs above it mean "never". */
export { NEVER };
