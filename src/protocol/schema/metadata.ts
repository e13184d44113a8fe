/** Metadata (3): lists brokers, the controller and who leads each topic partition (KIP-4, KIP-430 authorized operations, KIP-516 topic ids, KIP-700, KIP-1102 top-level error code). */
import { api, array, field, struct } from "./dsl.ts";

export const schema = api({
  key: 3,
  name: "Metadata",
  listeners: ["broker"],
  request: {
    versions: "0-13",
    flexible: "9+",
    fields: [
      field(
        "topics",
        array(struct("MetadataRequestTopic", [
          field("topicId", "uuid", "10+"),
          field("name", "string", "0+", { nullable: "10+" }),
        ])),
        "0+",
        { nullable: "1+" },
      ),
      field("allowAutoTopicCreation", "bool", "4+", { default: true }),
      field("includeClusterAuthorizedOperations", "bool", "8-10"),
      field("includeTopicAuthorizedOperations", "bool", "8+"),
    ],
  },
  response: {
    versions: "0-13",
    flexible: "9+",
    fields: [
      field("throttleTimeMs", "int32", "3+"),
      field(
        "brokers",
        array(struct("MetadataResponseBroker", [
          field("nodeId", "int32", "0+"),
          field("host", "string", "0+"),
          field("port", "int32", "0+"),
          field("rack", "string", "1+", { nullable: "1+", default: null }),
        ])),
        "0+",
      ),
      field("clusterId", "string", "2+", { nullable: "2+", default: null }),
      field("controllerId", "int32", "1+", { default: -1 }),
      field(
        "topics",
        array(struct("MetadataResponseTopic", [
          field("errorCode", "int16", "0+"),
          field("name", "string", "0+", { nullable: "12+" }),
          field("topicId", "uuid", "10+"),
          field("isInternal", "bool", "1+", { default: false }),
          field(
            "partitions",
            array(struct("MetadataResponsePartition", [
              field("errorCode", "int16", "0+"),
              field("partitionIndex", "int32", "0+"),
              field("leaderId", "int32", "0+"),
              field("leaderEpoch", "int32", "7+", { default: -1 }),
              field("replicaNodes", array("int32"), "0+"),
              field("isrNodes", array("int32"), "0+"),
              field("offlineReplicas", array("int32"), "5+"),
            ])),
            "0+",
          ),
          field("topicAuthorizedOperations", "int32", "8+", { default: -2147483648 }),
        ])),
        "0+",
      ),
      field("clusterAuthorizedOperations", "int32", "8-10", { default: -2147483648 }),
      field("errorCode", "int16", "13+"),
    ],
  },
});
