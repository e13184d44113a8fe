/** Vote (52): a KRaft candidate asks the other voters for their vote in a new epoch (KIP-595; directory ids and leader endpoints from KIP-853; pre-vote from KIP-996). */
import { api, array, field, struct } from "./dsl.ts";

export const schema = api({
  key: 52,
  name: "Vote",
  listeners: ["controller"],
  request: {
    versions: "0-2",
    flexible: "0+",
    fields: [
      field("clusterId", "string", "0+", { nullable: "0+", default: null }),
      field("voterId", "int32", "1+", { default: -1 }),
      field(
        "topics",
        array(struct("TopicData", [
          field("topicName", "string", "0+"),
          field(
            "partitions",
            array(struct("PartitionData", [
              field("partitionIndex", "int32", "0+"),
              field("replicaEpoch", "int32", "0+"),
              field("replicaId", "int32", "0+"),
              field("replicaDirectoryId", "uuid", "1+"),
              field("voterDirectoryId", "uuid", "1+"),
              field("lastOffsetEpoch", "int32", "0+"),
              field("lastOffset", "int64", "0+"),
              field("preVote", "bool", "2+"),
            ])),
            "0+",
          ),
        ])),
        "0+",
      ),
    ],
  },
  response: {
    versions: "0-2",
    flexible: "0+",
    fields: [
      field("errorCode", "int16", "0+"),
      field(
        "topics",
        array(struct("TopicData", [
          field("topicName", "string", "0+"),
          field(
            "partitions",
            array(struct("PartitionData", [
              field("partitionIndex", "int32", "0+"),
              field("errorCode", "int16", "0+"),
              field("leaderId", "int32", "0+"),
              field("leaderEpoch", "int32", "0+"),
              field("voteGranted", "bool", "0+"),
            ])),
            "0+",
          ),
        ])),
        "0+",
      ),
      field(
        "nodeEndpoints",
        array(struct("NodeEndpoint", [
          field("nodeId", "int32", "1+"),
          field("host", "string", "1+"),
          field("port", "uint16", "1+"),
        ])),
        "1+",
        { tagged: "1+", tag: 0 },
      ),
    ],
  },
});
