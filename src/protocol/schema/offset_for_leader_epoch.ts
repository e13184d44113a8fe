/** OffsetForLeaderEpoch (23): returns the end offset of a leader epoch so replicas and consumers can detect log truncation (KIP-101, KIP-279, KIP-320). */
import { api, array, field, struct } from "./dsl.ts";

export const schema = api({
  key: 23,
  name: "OffsetForLeaderEpoch",
  listeners: ["broker"],
  request: {
    versions: "0-4",
    flexible: "4+",
    fields: [
      field("replicaId", "int32", "3+", { default: -2 }),
      field(
        "topics",
        array(struct("OffsetForLeaderTopic", [
          field("topic", "string", "0+"),
          field(
            "partitions",
            array(struct("OffsetForLeaderPartition", [
              field("partition", "int32", "0+"),
              field("currentLeaderEpoch", "int32", "2+", { default: -1 }),
              field("leaderEpoch", "int32", "0+"),
            ])),
            "0+",
          ),
        ])),
        "0+",
      ),
    ],
  },
  response: {
    versions: "0-4",
    flexible: "4+",
    fields: [
      field("throttleTimeMs", "int32", "2+"),
      field(
        "topics",
        array(struct("OffsetForLeaderTopicResult", [
          field("topic", "string", "0+"),
          field(
            "partitions",
            array(struct("EpochEndOffset", [
              field("errorCode", "int16", "0+"),
              field("partition", "int32", "0+"),
              field("leaderEpoch", "int32", "1+", { default: -1 }),
              field("endOffset", "int64", "0+", { default: -1 }),
            ])),
            "0+",
          ),
        ])),
        "0+",
      ),
    ],
  },
});
