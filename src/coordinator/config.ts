/**
 * Group coordinator settings under Kafka's broker property names, with
 * Kafka's defaults. Read from the broker's properties (server.properties and
 * --override), so tests shorten the initial rebalance delay or the retention
 * check without code.
 */

export interface GroupCoordinatorConfig {
  /** offsets.topic.num.partitions: partitions of __consumer_offsets when we create it. */
  offsetsTopicPartitions: number;
  /** offsets.topic.replication.factor (capped at the live brokers when the topic is created). */
  offsetsTopicReplicationFactor: number;
  /** offsets.topic.segment.bytes */
  offsetsTopicSegmentBytes: number;
  /** offsets.retention.minutes, in ms. */
  offsetsRetentionMs: number;
  /** offsets.retention.check.interval.ms */
  offsetsRetentionCheckIntervalMs: number;
  /** offset.metadata.max.bytes */
  offsetMetadataMaxBytes: number;
  /** group.min.session.timeout.ms */
  groupMinSessionTimeoutMs: number;
  /** group.max.session.timeout.ms */
  groupMaxSessionTimeoutMs: number;
  /** group.initial.rebalance.delay.ms */
  groupInitialRebalanceDelayMs: number;
  /** group.max.size */
  groupMaxSize: number;
}

export const defaultGroupCoordinatorConfig: GroupCoordinatorConfig = {
  offsetsTopicPartitions: 50,
  offsetsTopicReplicationFactor: 3,
  offsetsTopicSegmentBytes: 104_857_600,
  offsetsRetentionMs: 10_080 * 60_000,
  offsetsRetentionCheckIntervalMs: 600_000,
  offsetMetadataMaxBytes: 4096,
  groupMinSessionTimeoutMs: 6000,
  groupMaxSessionTimeoutMs: 1_800_000,
  groupInitialRebalanceDelayMs: 3000,
  groupMaxSize: 2_147_483_647,
};

export class GroupConfigError extends Error {
  override name = "GroupConfigError";
}

function int(props: ReadonlyMap<string, string>, name: string, dflt: number, min: number): number {
  const v = props.get(name);
  if (v === undefined) return dflt;
  if (!/^-?\d+$/.test(v.trim())) throw new GroupConfigError(`${name}=${v} is not an integer`);
  const n = Number(v);
  if (n < min) throw new GroupConfigError(`${name}=${v} is below ${min}`);
  return n;
}

/** The coordinator's settings from broker properties; throws GroupConfigError on a bad value. */
export function groupCoordinatorConfig(
  props: ReadonlyMap<string, string>,
): GroupCoordinatorConfig {
  const d = defaultGroupCoordinatorConfig;
  const c: GroupCoordinatorConfig = {
    offsetsTopicPartitions: int(props, "offsets.topic.num.partitions", d.offsetsTopicPartitions, 1),
    offsetsTopicReplicationFactor: int(
      props,
      "offsets.topic.replication.factor",
      d.offsetsTopicReplicationFactor,
      1,
    ),
    offsetsTopicSegmentBytes: int(
      props,
      "offsets.topic.segment.bytes",
      d.offsetsTopicSegmentBytes,
      1024,
    ),
    offsetsRetentionMs: int(props, "offsets.retention.minutes", 10_080, 1) * 60_000,
    offsetsRetentionCheckIntervalMs: int(
      props,
      "offsets.retention.check.interval.ms",
      d.offsetsRetentionCheckIntervalMs,
      1,
    ),
    offsetMetadataMaxBytes: int(props, "offset.metadata.max.bytes", d.offsetMetadataMaxBytes, 0),
    groupMinSessionTimeoutMs: int(
      props,
      "group.min.session.timeout.ms",
      d.groupMinSessionTimeoutMs,
      0,
    ),
    groupMaxSessionTimeoutMs: int(
      props,
      "group.max.session.timeout.ms",
      d.groupMaxSessionTimeoutMs,
      0,
    ),
    groupInitialRebalanceDelayMs: int(
      props,
      "group.initial.rebalance.delay.ms",
      d.groupInitialRebalanceDelayMs,
      0,
    ),
    groupMaxSize: int(props, "group.max.size", d.groupMaxSize, 1),
  };
  if (c.groupMaxSessionTimeoutMs < c.groupMinSessionTimeoutMs) {
    throw new GroupConfigError(
      "group.max.session.timeout.ms must not be below group.min.session.timeout.ms",
    );
  }
  return c;
}
