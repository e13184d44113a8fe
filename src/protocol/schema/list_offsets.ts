/** ListOffsets (2): looks up partition offsets by timestamp or by earliest/latest/max-timestamp/tiered markers (KIP-79, KIP-98, KIP-320, KIP-734, KIP-405, KIP-1005, KIP-1075). */
import { api, array, field, struct } from "./dsl.ts";

export const schema = api({
  key: 2,
  name: "ListOffsets",
  listeners: ["broker"],
  request: {
    versions: "0-10",
    flexible: "6+",
    fields: [
      field("replicaId", "int32", "0+"),
      field("isolationLevel", "int8", "2+"),
      field(
        "topics",
        array(struct("ListOffsetsTopic", [
          field("name", "string", "0+"),
          field(
            "partitions",
            array(struct("ListOffsetsPartition", [
              field("partitionIndex", "int32", "0+"),
              field("currentLeaderEpoch", "int32", "4+", { default: -1 }),
              field("timestamp", "int64", "0+"),
              field("maxNumOffsets", "int32", "0", { default: 1 }),
            ])),
            "0+",
          ),
        ])),
        "0+",
      ),
      field("timeoutMs", "int32", "10+"),
    ],
  },
  response: {
    versions: "0-10",
    flexible: "6+",
    fields: [
      field("throttleTimeMs", "int32", "2+"),
      field(
        "topics",
        array(struct("ListOffsetsTopicResponse", [
          field("name", "string", "0+"),
          field(
            "partitions",
            array(struct("ListOffsetsPartitionResponse", [
              field("partitionIndex", "int32", "0+"),
              field("errorCode", "int16", "0+"),
              field("oldStyleOffsets", array("int64"), "0"),
              field("timestamp", "int64", "1+", { default: -1 }),
              field("offset", "int64", "1+", { default: -1 }),
              field("leaderEpoch", "int32", "4+", { default: -1 }),
            ])),
            "0+",
          ),
        ])),
        "0+",
      ),
    ],
  },
});
