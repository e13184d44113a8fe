/**
 * Kafka error codes: every code from -1 (UNKNOWN_SERVER_ERROR) to 133 (SHARE_SESSION_LIMIT_REACHED,
 * the highest in Kafka 4.1), with Kafka's name, whether Kafka treats it as retriable (its Java
 * exception extends RetriableException) and a short description.
 */

/** Error code by Kafka's UPPER_SNAKE name. */
export const ErrorCode = {
  UNKNOWN_SERVER_ERROR: -1,
  NONE: 0,
  OFFSET_OUT_OF_RANGE: 1,
  CORRUPT_MESSAGE: 2,
  UNKNOWN_TOPIC_OR_PARTITION: 3,
  INVALID_FETCH_SIZE: 4,
  LEADER_NOT_AVAILABLE: 5,
  NOT_LEADER_OR_FOLLOWER: 6,
  REQUEST_TIMED_OUT: 7,
  BROKER_NOT_AVAILABLE: 8,
  REPLICA_NOT_AVAILABLE: 9,
  MESSAGE_TOO_LARGE: 10,
  STALE_CONTROLLER_EPOCH: 11,
  OFFSET_METADATA_TOO_LARGE: 12,
  NETWORK_EXCEPTION: 13,
  COORDINATOR_LOAD_IN_PROGRESS: 14,
  COORDINATOR_NOT_AVAILABLE: 15,
  NOT_COORDINATOR: 16,
  INVALID_TOPIC_EXCEPTION: 17,
  RECORD_LIST_TOO_LARGE: 18,
  NOT_ENOUGH_REPLICAS: 19,
  NOT_ENOUGH_REPLICAS_AFTER_APPEND: 20,
  INVALID_REQUIRED_ACKS: 21,
  ILLEGAL_GENERATION: 22,
  INCONSISTENT_GROUP_PROTOCOL: 23,
  INVALID_GROUP_ID: 24,
  UNKNOWN_MEMBER_ID: 25,
  INVALID_SESSION_TIMEOUT: 26,
  REBALANCE_IN_PROGRESS: 27,
  INVALID_COMMIT_OFFSET_SIZE: 28,
  TOPIC_AUTHORIZATION_FAILED: 29,
  GROUP_AUTHORIZATION_FAILED: 30,
  CLUSTER_AUTHORIZATION_FAILED: 31,
  INVALID_TIMESTAMP: 32,
  UNSUPPORTED_SASL_MECHANISM: 33,
  ILLEGAL_SASL_STATE: 34,
  UNSUPPORTED_VERSION: 35,
  TOPIC_ALREADY_EXISTS: 36,
  INVALID_PARTITIONS: 37,
  INVALID_REPLICATION_FACTOR: 38,
  INVALID_REPLICA_ASSIGNMENT: 39,
  INVALID_CONFIG: 40,
  NOT_CONTROLLER: 41,
  INVALID_REQUEST: 42,
  UNSUPPORTED_FOR_MESSAGE_FORMAT: 43,
  POLICY_VIOLATION: 44,
  OUT_OF_ORDER_SEQUENCE_NUMBER: 45,
  DUPLICATE_SEQUENCE_NUMBER: 46,
  INVALID_PRODUCER_EPOCH: 47,
  INVALID_TXN_STATE: 48,
  INVALID_PRODUCER_ID_MAPPING: 49,
  INVALID_TRANSACTION_TIMEOUT: 50,
  CONCURRENT_TRANSACTIONS: 51,
  TRANSACTION_COORDINATOR_FENCED: 52,
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: 53,
  SECURITY_DISABLED: 54,
  OPERATION_NOT_ATTEMPTED: 55,
  KAFKA_STORAGE_ERROR: 56,
  LOG_DIR_NOT_FOUND: 57,
  SASL_AUTHENTICATION_FAILED: 58,
  UNKNOWN_PRODUCER_ID: 59,
  REASSIGNMENT_IN_PROGRESS: 60,
  DELEGATION_TOKEN_AUTH_DISABLED: 61,
  DELEGATION_TOKEN_NOT_FOUND: 62,
  DELEGATION_TOKEN_OWNER_MISMATCH: 63,
  DELEGATION_TOKEN_REQUEST_NOT_ALLOWED: 64,
  DELEGATION_TOKEN_AUTHORIZATION_FAILED: 65,
  DELEGATION_TOKEN_EXPIRED: 66,
  INVALID_PRINCIPAL_TYPE: 67,
  NON_EMPTY_GROUP: 68,
  GROUP_ID_NOT_FOUND: 69,
  FETCH_SESSION_ID_NOT_FOUND: 70,
  INVALID_FETCH_SESSION_EPOCH: 71,
  LISTENER_NOT_FOUND: 72,
  TOPIC_DELETION_DISABLED: 73,
  FENCED_LEADER_EPOCH: 74,
  UNKNOWN_LEADER_EPOCH: 75,
  UNSUPPORTED_COMPRESSION_TYPE: 76,
  STALE_BROKER_EPOCH: 77,
  OFFSET_NOT_AVAILABLE: 78,
  MEMBER_ID_REQUIRED: 79,
  PREFERRED_LEADER_NOT_AVAILABLE: 80,
  GROUP_MAX_SIZE_REACHED: 81,
  FENCED_INSTANCE_ID: 82,
  ELIGIBLE_LEADERS_NOT_AVAILABLE: 83,
  ELECTION_NOT_NEEDED: 84,
  NO_REASSIGNMENT_IN_PROGRESS: 85,
  GROUP_SUBSCRIBED_TO_TOPIC: 86,
  INVALID_RECORD: 87,
  UNSTABLE_OFFSET_COMMIT: 88,
  THROTTLING_QUOTA_EXCEEDED: 89,
  PRODUCER_FENCED: 90,
  RESOURCE_NOT_FOUND: 91,
  DUPLICATE_RESOURCE: 92,
  UNACCEPTABLE_CREDENTIAL: 93,
  INCONSISTENT_VOTER_SET: 94,
  INVALID_UPDATE_VERSION: 95,
  FEATURE_UPDATE_FAILED: 96,
  PRINCIPAL_DESERIALIZATION_FAILURE: 97,
  SNAPSHOT_NOT_FOUND: 98,
  POSITION_OUT_OF_RANGE: 99,
  UNKNOWN_TOPIC_ID: 100,
  DUPLICATE_BROKER_REGISTRATION: 101,
  BROKER_ID_NOT_REGISTERED: 102,
  INCONSISTENT_TOPIC_ID: 103,
  INCONSISTENT_CLUSTER_ID: 104,
  TRANSACTIONAL_ID_NOT_FOUND: 105,
  FETCH_SESSION_TOPIC_ID_ERROR: 106,
  INELIGIBLE_REPLICA: 107,
  NEW_LEADER_ELECTED: 108,
  OFFSET_MOVED_TO_TIERED_STORAGE: 109,
  FENCED_MEMBER_EPOCH: 110,
  UNRELEASED_INSTANCE_ID: 111,
  UNSUPPORTED_ASSIGNOR: 112,
  STALE_MEMBER_EPOCH: 113,
  MISMATCHED_ENDPOINT_TYPE: 114,
  UNSUPPORTED_ENDPOINT_TYPE: 115,
  UNKNOWN_CONTROLLER_ID: 116,
  UNKNOWN_SUBSCRIPTION_ID: 117,
  TELEMETRY_TOO_LARGE: 118,
  INVALID_REGISTRATION: 119,
  TRANSACTION_ABORTABLE: 120,
  INVALID_RECORD_STATE: 121,
  SHARE_SESSION_NOT_FOUND: 122,
  INVALID_SHARE_SESSION_EPOCH: 123,
  FENCED_STATE_EPOCH: 124,
  INVALID_VOTER_KEY: 125,
  DUPLICATE_VOTER: 126,
  VOTER_NOT_FOUND: 127,
  INVALID_REGULAR_EXPRESSION: 128,
  REBOOTSTRAP_REQUIRED: 129,
  STREAMS_INVALID_TOPOLOGY: 130,
  STREAMS_INVALID_TOPOLOGY_EPOCH: 131,
  STREAMS_TOPOLOGY_FENCED: 132,
  SHARE_SESSION_LIMIT_REACHED: 133,
} as const;

export type ErrorName = keyof typeof ErrorCode;
export type ErrorCodeValue = (typeof ErrorCode)[ErrorName];

export interface KafkaErrorInfo {
  code: number;
  name: string;
  retriable: boolean;
  message: string;
}

/** Retriable flag and description per error; the mapped type makes a missing entry a type error. */
const DETAILS: { readonly [K in ErrorName]: readonly [retriable: boolean, message: string] } = {
  UNKNOWN_SERVER_ERROR: [false, "The server hit an unexpected error while handling the request."],
  NONE: [false, "No error."],
  OFFSET_OUT_OF_RANGE: [
    false,
    "The requested offset is outside the range of offsets the partition holds.",
  ],
  CORRUPT_MESSAGE: [
    true,
    "A record failed its CRC check, is oversized, lacks a key on a compacted topic or is otherwise malformed.",
  ],
  UNKNOWN_TOPIC_OR_PARTITION: [true, "This broker has no such topic or partition."],
  INVALID_FETCH_SIZE: [false, "The fetch size in the request is not valid."],
  LEADER_NOT_AVAILABLE: [
    true,
    "The partition has no leader right now, for example during a leader election.",
  ],
  NOT_LEADER_OR_FOLLOWER: [
    true,
    "This broker is not the partition leader, or not a replica of the partition at all.",
  ],
  REQUEST_TIMED_OUT: [true, "The request did not complete in time."],
  BROKER_NOT_AVAILABLE: [false, "The broker is not available."],
  REPLICA_NOT_AVAILABLE: [true, "The replica for this partition is not available."],
  MESSAGE_TOO_LARGE: [false, "The record or batch exceeds the largest size the server accepts."],
  STALE_CONTROLLER_EPOCH: [
    false,
    "The request carried an outdated controller epoch; the controller has moved.",
  ],
  OFFSET_METADATA_TOO_LARGE: [false, "The metadata attached to the committed offset is too large."],
  NETWORK_EXCEPTION: [true, "The connection was closed before a response arrived."],
  COORDINATOR_LOAD_IN_PROGRESS: [
    true,
    "The coordinator is still loading its state and cannot serve the request yet.",
  ],
  COORDINATOR_NOT_AVAILABLE: [true, "The coordinator is not available."],
  NOT_COORDINATOR: [true, "This broker is not the coordinator for the group or transactional id."],
  INVALID_TOPIC_EXCEPTION: [
    false,
    "The topic name is invalid, or the operation is not allowed on this topic.",
  ],
  RECORD_LIST_TOO_LARGE: [false, "The record batch is larger than the log segment size allows."],
  NOT_ENOUGH_REPLICAS: [
    true,
    "Fewer in-sync replicas than required; the records were not written.",
  ],
  NOT_ENOUGH_REPLICAS_AFTER_APPEND: [
    true,
    "The records were written, but fewer in-sync replicas than required acknowledged them.",
  ],
  INVALID_REQUIRED_ACKS: [false, "The acks value in the produce request is not one of -1, 0 or 1."],
  ILLEGAL_GENERATION: [false, "The group generation id in the request is not the current one."],
  INCONSISTENT_GROUP_PROTOCOL: [
    false,
    "The member's protocol type or protocols do not match those of the group, or are empty.",
  ],
  INVALID_GROUP_ID: [false, "The group id is empty or otherwise invalid."],
  UNKNOWN_MEMBER_ID: [false, "The coordinator does not know this member id."],
  INVALID_SESSION_TIMEOUT: [false, "The session timeout is outside the range the broker allows."],
  REBALANCE_IN_PROGRESS: [false, "The group is rebalancing; the member must rejoin."],
  INVALID_COMMIT_OFFSET_SIZE: [false, "The size of the offset commit data is invalid."],
  TOPIC_AUTHORIZATION_FAILED: [false, "Not authorized to access the topic."],
  GROUP_AUTHORIZATION_FAILED: [false, "Not authorized to access the group."],
  CLUSTER_AUTHORIZATION_FAILED: [false, "Not authorized for this cluster-level operation."],
  INVALID_TIMESTAMP: [false, "A record timestamp is outside the accepted range."],
  UNSUPPORTED_SASL_MECHANISM: [false, "The broker does not enable the requested SASL mechanism."],
  ILLEGAL_SASL_STATE: [
    false,
    "The request is not valid in the current state of SASL authentication.",
  ],
  UNSUPPORTED_VERSION: [false, "The broker does not support this version of the API."],
  TOPIC_ALREADY_EXISTS: [false, "A topic with this name already exists."],
  INVALID_PARTITIONS: [false, "The number of partitions is invalid."],
  INVALID_REPLICATION_FACTOR: [
    false,
    "The replication factor is invalid or larger than the number of available brokers.",
  ],
  INVALID_REPLICA_ASSIGNMENT: [false, "The replica assignment is invalid."],
  INVALID_CONFIG: [false, "The configuration is invalid."],
  NOT_CONTROLLER: [true, "This node is not the active controller."],
  INVALID_REQUEST: [
    false,
    "The request is malformed or not valid for this broker; see the broker log.",
  ],
  UNSUPPORTED_FOR_MESSAGE_FORMAT: [
    false,
    "The request needs a newer message format than the one in use.",
  ],
  POLICY_VIOLATION: [false, "The request violates a configured policy."],
  OUT_OF_ORDER_SEQUENCE_NUMBER: [
    false,
    "The producer sequence number is not the next one expected.",
  ],
  DUPLICATE_SEQUENCE_NUMBER: [false, "The producer sequence number was already written."],
  INVALID_PRODUCER_EPOCH: [false, "The producer epoch is older than the current one."],
  INVALID_TXN_STATE: [
    false,
    "The transactional operation is not allowed in the current transaction state.",
  ],
  INVALID_PRODUCER_ID_MAPPING: [
    false,
    "The producer id is not the one assigned to this transactional id.",
  ],
  INVALID_TRANSACTION_TIMEOUT: [false, "The transaction timeout exceeds the broker's maximum."],
  CONCURRENT_TRANSACTIONS: [
    true,
    "Another operation on the same transaction is still in progress.",
  ],
  TRANSACTION_COORDINATOR_FENCED: [
    false,
    "The transaction coordinator that sent the marker is no longer the current one.",
  ],
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: [false, "Not authorized to use the transactional id."],
  SECURITY_DISABLED: [false, "Security features are turned off on this cluster."],
  OPERATION_NOT_ATTEMPTED: [
    false,
    "The broker skipped this operation because another part of the batch failed.",
  ],
  KAFKA_STORAGE_ERROR: [true, "A disk error occurred while accessing the log."],
  LOG_DIR_NOT_FOUND: [false, "The requested log directory is not configured on the broker."],
  SASL_AUTHENTICATION_FAILED: [false, "SASL authentication failed."],
  UNKNOWN_PRODUCER_ID: [
    false,
    "The broker has no state for this producer id, for example because its records expired.",
  ],
  REASSIGNMENT_IN_PROGRESS: [false, "A partition reassignment is in progress."],
  DELEGATION_TOKEN_AUTH_DISABLED: [false, "Delegation tokens are not enabled."],
  DELEGATION_TOKEN_NOT_FOUND: [false, "The delegation token does not exist."],
  DELEGATION_TOKEN_OWNER_MISMATCH: [
    false,
    "The principal is not the owner or a renewer of the delegation token.",
  ],
  DELEGATION_TOKEN_REQUEST_NOT_ALLOWED: [
    false,
    "Delegation token requests are not allowed on this kind of connection.",
  ],
  DELEGATION_TOKEN_AUTHORIZATION_FAILED: [
    false,
    "Not authorized for the delegation token operation.",
  ],
  DELEGATION_TOKEN_EXPIRED: [false, "The delegation token has expired."],
  INVALID_PRINCIPAL_TYPE: [false, "The principal type is not supported."],
  NON_EMPTY_GROUP: [false, "The group still has members."],
  GROUP_ID_NOT_FOUND: [false, "The group does not exist."],
  FETCH_SESSION_ID_NOT_FOUND: [true, "The fetch session id is unknown to the broker."],
  INVALID_FETCH_SESSION_EPOCH: [true, "The fetch session epoch is not the expected one."],
  LISTENER_NOT_FOUND: [
    true,
    "The leader has no listener matching the one the metadata request came in on.",
  ],
  TOPIC_DELETION_DISABLED: [false, "Topic deletion is turned off."],
  FENCED_LEADER_EPOCH: [true, "The leader epoch in the request is older than the broker's."],
  UNKNOWN_LEADER_EPOCH: [true, "The leader epoch in the request is newer than the broker's."],
  UNSUPPORTED_COMPRESSION_TYPE: [
    false,
    "The client cannot handle the compression type used by this partition.",
  ],
  STALE_BROKER_EPOCH: [false, "The broker epoch in the request is out of date."],
  OFFSET_NOT_AVAILABLE: [
    true,
    "The new leader's high watermark has not caught up yet, so the offset cannot be served.",
  ],
  MEMBER_ID_REQUIRED: [
    false,
    "The member must rejoin with the member id the coordinator assigned.",
  ],
  PREFERRED_LEADER_NOT_AVAILABLE: [true, "The preferred leader is not available."],
  GROUP_MAX_SIZE_REACHED: [false, "The group has reached its maximum number of members."],
  FENCED_INSTANCE_ID: [
    false,
    "Another member with the same group.instance.id has fenced this one.",
  ],
  ELIGIBLE_LEADERS_NOT_AVAILABLE: [true, "No eligible leader is available for the partition."],
  ELECTION_NOT_NEEDED: [
    true,
    "The partition already has the desired leader; no election is needed.",
  ],
  NO_REASSIGNMENT_IN_PROGRESS: [false, "No partition reassignment is in progress."],
  GROUP_SUBSCRIBED_TO_TOPIC: [
    false,
    "Offsets cannot be deleted for a topic the group is still subscribed to.",
  ],
  INVALID_RECORD: [false, "The broker rejected a record that failed validation."],
  UNSTABLE_OFFSET_COMMIT: [true, "Pending transactional offset commits must complete first."],
  THROTTLING_QUOTA_EXCEEDED: [true, "The request exceeded the throttling quota."],
  PRODUCER_FENCED: [false, "A newer producer with the same transactional id has fenced this one."],
  RESOURCE_NOT_FOUND: [false, "The referenced resource does not exist."],
  DUPLICATE_RESOURCE: [false, "The same resource appears more than once in the request."],
  UNACCEPTABLE_CREDENTIAL: [false, "The credential does not meet the acceptance criteria."],
  INCONSISTENT_VOTER_SET: [
    false,
    "The sender or receiver of a voter-only request is not an expected voter.",
  ],
  INVALID_UPDATE_VERSION: [false, "The update version is invalid."],
  FEATURE_UPDATE_FAILED: [
    false,
    "The finalized features could not be updated because of a server error.",
  ],
  PRINCIPAL_DESERIALIZATION_FAILURE: [
    false,
    "The forwarded request principal could not be deserialized.",
  ],
  SNAPSHOT_NOT_FOUND: [false, "The requested snapshot does not exist."],
  POSITION_OUT_OF_RANGE: [
    false,
    "The requested position is negative or beyond the end of the snapshot.",
  ],
  UNKNOWN_TOPIC_ID: [true, "This broker has no topic with this topic id."],
  DUPLICATE_BROKER_REGISTRATION: [false, "Another broker already registered with this broker id."],
  BROKER_ID_NOT_REGISTERED: [false, "No broker is registered with this broker id."],
  INCONSISTENT_TOPIC_ID: [true, "The topic id in the request does not match the one in the log."],
  INCONSISTENT_CLUSTER_ID: [false, "The cluster id in the request does not match this cluster's."],
  TRANSACTIONAL_ID_NOT_FOUND: [false, "The transactional id does not exist."],
  FETCH_SESSION_TOPIC_ID_ERROR: [
    true,
    "The fetch session mixed up topic ids, or used them inconsistently.",
  ],
  INELIGIBLE_REPLICA: [false, "The proposed ISR contains a replica that is not eligible."],
  NEW_LEADER_ELECTED: [
    false,
    "The partition state was updated, but a new leader has been elected.",
  ],
  OFFSET_MOVED_TO_TIERED_STORAGE: [false, "The requested offset now lives in tiered storage."],
  FENCED_MEMBER_EPOCH: [
    false,
    "The member epoch is fenced; the member must give up its partitions and rejoin.",
  ],
  UNRELEASED_INSTANCE_ID: [
    false,
    "Another member still holds this instance id and must leave first.",
  ],
  UNSUPPORTED_ASSIGNOR: [false, "The group does not support the requested assignor or version."],
  STALE_MEMBER_EPOCH: [
    false,
    "The member epoch is stale; retry after the heartbeat returns the current epoch.",
  ],
  MISMATCHED_ENDPOINT_TYPE: [false, "The request was sent to the wrong kind of endpoint."],
  UNSUPPORTED_ENDPOINT_TYPE: [false, "This kind of endpoint is not supported yet."],
  UNKNOWN_CONTROLLER_ID: [false, "No controller with this id is known."],
  UNKNOWN_SUBSCRIPTION_ID: [false, "The telemetry subscription id is unknown or out of date."],
  TELEMETRY_TOO_LARGE: [false, "The telemetry payload exceeds the size the broker accepts."],
  INVALID_REGISTRATION: [false, "The controller considers the broker registration invalid."],
  TRANSACTION_ABORTABLE: [
    false,
    "The transaction hit an error; abort it to keep using the transactional id.",
  ],
  INVALID_RECORD_STATE: [
    false,
    "The record is in a state that does not allow this acknowledgement.",
  ],
  SHARE_SESSION_NOT_FOUND: [true, "The share session does not exist."],
  INVALID_SHARE_SESSION_EPOCH: [true, "The share session epoch is not the expected one."],
  FENCED_STATE_EPOCH: [
    false,
    "The share-group state epoch does not match the share coordinator's.",
  ],
  INVALID_VOTER_KEY: [false, "The voter key does not match the receiving replica."],
  DUPLICATE_VOTER: [false, "The voter is already in the voter set."],
  VOTER_NOT_FOUND: [false, "The voter is not in the voter set."],
  INVALID_REGULAR_EXPRESSION: [false, "The regular expression is invalid."],
  REBOOTSTRAP_REQUIRED: [
    false,
    "The client's metadata is stale; it must rebootstrap from the bootstrap servers.",
  ],
  STREAMS_INVALID_TOPOLOGY: [false, "The Streams topology is invalid."],
  STREAMS_INVALID_TOPOLOGY_EPOCH: [false, "The Streams topology epoch is invalid."],
  STREAMS_TOPOLOGY_FENCED: [false, "The Streams topology epoch is out of date."],
  SHARE_SESSION_LIMIT_REACHED: [true, "The broker has reached its limit of share sessions."],
};

const BY_CODE: ReadonlyMap<number, KafkaErrorInfo> = new Map(
  (Object.keys(ErrorCode) as ErrorName[]).map((name) => {
    const [retriable, message] = DETAILS[name];
    const info: KafkaErrorInfo = Object.freeze({ code: ErrorCode[name], name, retriable, message });
    return [info.code, info] as const;
  }),
);

/** Every known error, ordered by code. */
export const ALL_ERRORS: readonly KafkaErrorInfo[] = [...BY_CODE.values()].sort((a, b) =>
  a.code - b.code
);

/** Details of an error code, or undefined when Kafka 4.1 defines no such code. */
export function errorInfo(code: number): KafkaErrorInfo | undefined {
  return BY_CODE.get(code);
}

/** Kafka's name for an error code; "UNKNOWN(<code>)" for codes it does not define. */
export function errorName(code: number): string {
  return BY_CODE.get(code)?.name ?? `UNKNOWN(${code})`;
}

/** Whether a client may retry after this error (false for unknown codes). */
export function isRetriable(code: number): boolean {
  return BY_CODE.get(code)?.retriable ?? false;
}
