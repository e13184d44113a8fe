/**
 * Authorized-operation bit sets (Kafka's AclOperation codes) for Metadata,
 * DescribeCluster and DescribeTopicPartitions. There are no ACLs yet, so when
 * asked everything is allowed; when not asked Kafka reports INT32_MIN.
 */
export const NO_OPS = -2147483648;
/** READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE, DESCRIBE_CONFIGS, ALTER_CONFIGS. */
export const TOPIC_OPS = (1 << 3) | (1 << 4) | (1 << 5) | (1 << 6) | (1 << 7) | (1 << 8) |
  (1 << 10) | (1 << 11);
/** CREATE, ALTER, DESCRIBE, CLUSTER_ACTION, DESCRIBE_CONFIGS, ALTER_CONFIGS, IDEMPOTENT_WRITE. */
export const CLUSTER_OPS = (1 << 5) | (1 << 7) | (1 << 8) | (1 << 9) | (1 << 10) | (1 << 11) |
  (1 << 12);
