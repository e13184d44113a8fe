/** DescribeTopicPartitions (75): pages through topic partition details, including eligible leader replicas, with a cursor (KIP-966). */
import { api, array, field, struct } from "./dsl.ts";

const cursor = struct("Cursor", [
  field("topicName", "string", "0+"),
  field("partitionIndex", "int32", "0+"),
]);

export const schema = api({
  key: 75,
  name: "DescribeTopicPartitions",
  listeners: ["broker"],
  request: {
    versions: "0",
    flexible: "0+",
    fields: [
      field("topics", array(struct("TopicRequest", [field("name", "string", "0+")])), "0+"),
      field("responsePartitionLimit", "int32", "0+", { default: 2000 }),
      field("cursor", cursor, "0+", { nullable: "0+", default: null }),
    ],
  },
  response: {
    versions: "0",
    flexible: "0+",
    fields: [
      field("throttleTimeMs", "int32", "0+"),
      field(
        "topics",
        array(struct("DescribeTopicPartitionsResponseTopic", [
          field("errorCode", "int16", "0+"),
          field("name", "string", "0+", { nullable: "0+" }),
          field("topicId", "uuid", "0+"),
          field("isInternal", "bool", "0+", { default: false }),
          field(
            "partitions",
            array(struct("DescribeTopicPartitionsResponsePartition", [
              field("errorCode", "int16", "0+"),
              field("partitionIndex", "int32", "0+"),
              field("leaderId", "int32", "0+"),
              field("leaderEpoch", "int32", "0+", { default: -1 }),
              field("replicaNodes", array("int32"), "0+"),
              field("isrNodes", array("int32"), "0+"),
              field("eligibleLeaderReplicas", array("int32"), "0+", {
                nullable: "0+",
                default: null,
              }),
              field("lastKnownElr", array("int32"), "0+", { nullable: "0+", default: null }),
              field("offlineReplicas", array("int32"), "0+"),
            ])),
            "0+",
          ),
          field("topicAuthorizedOperations", "int32", "0+", { default: -2147483648 }),
        ])),
        "0+",
      ),
      field("nextCursor", cursor, "0+", { nullable: "0+", default: null }),
    ],
  },
});
