/** BeginQuorumEpoch (53): a newly elected KRaft leader announces its epoch to the voters (KIP-595; voter directory ids and leader endpoints from KIP-853). */
import { api, array, field, struct } from "./dsl.ts";

export const schema = api({
  key: 53,
  name: "BeginQuorumEpoch",
  listeners: ["controller"],
  request: {
    versions: "0-1",
    flexible: "1+",
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
              field("voterDirectoryId", "uuid", "1+"),
              field("leaderId", "int32", "0+"),
              field("leaderEpoch", "int32", "0+"),
            ])),
            "0+",
          ),
        ])),
        "0+",
      ),
      field(
        "leaderEndpoints",
        array(struct("LeaderEndpoint", [
          field("name", "string", "1+"),
          field("host", "string", "1+"),
          field("port", "uint16", "1+"),
        ])),
        "1+",
      ),
    ],
  },
  response: {
    versions: "0-1",
    flexible: "1+",
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
