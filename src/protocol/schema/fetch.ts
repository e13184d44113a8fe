/** Fetch (1): reads record batches from partitions for consumers and followers (KIP-74, KIP-227 sessions, KIP-320, KIP-392, KIP-595, KIP-516 topic ids, KIP-903, KIP-951, KIP-853, KIP-1166). */
import { api, array, field, struct } from "./dsl.ts";

export const schema = api({
  key: 1,
  name: "Fetch",
  listeners: ["broker", "controller"],
  request: {
    versions: "0-18",
    flexible: "12+",
    fields: [
      field("clusterId", "string", "12+", {
        nullable: "12+",
        tagged: "12+",
        tag: 0,
        default: null,
      }),
      field("replicaId", "int32", "0-14", { default: -1 }),
      field(
        "replicaState",
        struct("ReplicaState", [
          field("replicaId", "int32", "15+", { default: -1 }),
          field("replicaEpoch", "int64", "15+", { default: -1 }),
        ]),
        "15+",
        { tagged: "15+", tag: 1 },
      ),
      field("maxWaitMs", "int32", "0+"),
      field("minBytes", "int32", "0+"),
      field("maxBytes", "int32", "3+", { default: 0x7fffffff }),
      field("isolationLevel", "int8", "4+", { default: 0 }),
      field("sessionId", "int32", "7+", { default: 0 }),
      field("sessionEpoch", "int32", "7+", { default: -1 }),
      field(
        "topics",
        array(struct("FetchTopic", [
          field("topic", "string", "0-12"),
          field("topicId", "uuid", "13+"),
          field(
            "partitions",
            array(struct("FetchPartition", [
              field("partition", "int32", "0+"),
              field("currentLeaderEpoch", "int32", "9+", { default: -1 }),
              field("fetchOffset", "int64", "0+"),
              field("lastFetchedEpoch", "int32", "12+", { default: -1 }),
              field("logStartOffset", "int64", "5+", { default: -1 }),
              field("partitionMaxBytes", "int32", "0+"),
              field("replicaDirectoryId", "uuid", "17+", { tagged: "17+", tag: 0 }),
              // Kafka's default is Long.MAX_VALUE (9223372036854775807), which a JS number
              // cannot hold exactly: 2 ** 63 is the nearest. Only followers send this field.
              field("highWatermark", "int64", "18+", { tagged: "18+", tag: 1, default: 2 ** 63 }),
            ])),
            "0+",
          ),
        ])),
        "0+",
      ),
      field(
        "forgottenTopicsData",
        array(struct("ForgottenTopic", [
          field("topic", "string", "7-12"),
          field("topicId", "uuid", "13+"),
          field("partitions", array("int32"), "7+"),
        ])),
        "7+",
      ),
      field("rackId", "string", "11+", { default: "" }),
    ],
  },
  response: {
    versions: "0-18",
    flexible: "12+",
    fields: [
      field("throttleTimeMs", "int32", "1+"),
      field("errorCode", "int16", "7+"),
      field("sessionId", "int32", "7+", { default: 0 }),
      field(
        "responses",
        array(struct("FetchableTopicResponse", [
          field("topic", "string", "0-12"),
          field("topicId", "uuid", "13+"),
          field(
            "partitions",
            array(struct("PartitionData", [
              field("partitionIndex", "int32", "0+"),
              field("errorCode", "int16", "0+"),
              field("highWatermark", "int64", "0+"),
              field("lastStableOffset", "int64", "4+", { default: -1 }),
              field("logStartOffset", "int64", "5+", { default: -1 }),
              field(
                "divergingEpoch",
                struct("EpochEndOffset", [
                  field("epoch", "int32", "12+", { default: -1 }),
                  field("endOffset", "int64", "12+", { default: -1 }),
                ]),
                "12+",
                { tagged: "12+", tag: 0 },
              ),
              field(
                "currentLeader",
                struct("LeaderIdAndEpoch", [
                  field("leaderId", "int32", "12+", { default: -1 }),
                  field("leaderEpoch", "int32", "12+", { default: -1 }),
                ]),
                "12+",
                { tagged: "12+", tag: 1 },
              ),
              field(
                "snapshotId",
                struct("SnapshotId", [
                  field("endOffset", "int64", "0+", { default: -1 }),
                  field("epoch", "int32", "0+", { default: -1 }),
                ]),
                "12+",
                { tagged: "12+", tag: 2 },
              ),
              field(
                "abortedTransactions",
                array(struct("AbortedTransaction", [
                  field("producerId", "int64", "4+"),
                  field("firstOffset", "int64", "4+"),
                ])),
                "4+",
                { nullable: "4+" },
              ),
              field("preferredReadReplica", "int32", "11+", { default: -1 }),
              field("records", "records", "0+", { nullable: "0+" }),
            ])),
            "0+",
          ),
        ])),
        "0+",
      ),
      field(
        "nodeEndpoints",
        array(struct("NodeEndpoint", [
          field("nodeId", "int32", "16+"),
          field("host", "string", "16+"),
          field("port", "int32", "16+"),
          field("rack", "string", "16+", { nullable: "16+", default: null }),
        ])),
        "16+",
        { tagged: "16+", tag: 0 },
      ),
    ],
  },
});
