/** DescribeQuorum (55): reports the KRaft leader, high watermark, voters and observers of the metadata partition (KIP-595; fetch/catch-up timestamps from KIP-836; directory ids, error messages and node listeners from KIP-853). */
import { api, array, field, struct } from "./dsl.ts";

const replicaState = struct("ReplicaState", [
  field("replicaId", "int32", "0+"),
  field("replicaDirectoryId", "uuid", "2+"),
  field("logEndOffset", "int64", "0+"),
  field("lastFetchTimestamp", "int64", "1+", { default: -1 }),
  field("lastCaughtUpTimestamp", "int64", "1+", { default: -1 }),
]);

export const schema = api({
  key: 55,
  name: "DescribeQuorum",
  listeners: ["broker", "controller"],
  request: {
    versions: "0-2",
    flexible: "0+",
    fields: [
      field(
        "topics",
        array(struct("TopicData", [
          field("topicName", "string", "0+"),
          field(
            "partitions",
            array(struct("PartitionData", [
              field("partitionIndex", "int32", "0+"),
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
      field("errorMessage", "string", "2+", { nullable: "2+" }),
      field(
        "topics",
        array(struct("TopicData", [
          field("topicName", "string", "0+"),
          field(
            "partitions",
            array(struct("PartitionData", [
              field("partitionIndex", "int32", "0+"),
              field("errorCode", "int16", "0+"),
              field("errorMessage", "string", "2+", { nullable: "2+" }),
              field("leaderId", "int32", "0+"),
              field("leaderEpoch", "int32", "0+"),
              field("highWatermark", "int64", "0+"),
              field("currentVoters", array(replicaState), "0+"),
              field("observers", array(replicaState), "0+"),
            ])),
            "0+",
          ),
        ])),
        "0+",
      ),
      field(
        "nodes",
        array(struct("Node", [
          field("nodeId", "int32", "2+"),
          field(
            "listeners",
            array(struct("Listener", [
              field("name", "string", "2+"),
              field("host", "string", "2+"),
              field("port", "uint16", "2+"),
            ])),
            "2+",
          ),
        ])),
        "2+",
      ),
    ],
  },
});
