/** AlterShareGroupOffsets (91): resets the share-partition start offsets of an empty share group (KIP-932). */
import { api, array, field, struct } from "./dsl.ts";

export const schema = api({
  key: 91,
  name: "AlterShareGroupOffsets",
  listeners: ["broker"],
  request: {
    versions: "0",
    flexible: "0+",
    fields: [
      field("groupId", "string", "0+"),
      field(
        "topics",
        array(struct("AlterShareGroupOffsetsRequestTopic", [
          field("topicName", "string", "0+"),
          field(
            "partitions",
            array(struct("AlterShareGroupOffsetsRequestPartition", [
              field("partitionIndex", "int32", "0+"),
              field("startOffset", "int64", "0+"),
            ])),
            "0+",
          ),
        ])),
        "0+",
      ),
    ],
  },
  response: {
    versions: "0",
    flexible: "0+",
    fields: [
      field("throttleTimeMs", "int32", "0+"),
      field("errorCode", "int16", "0+"),
      field("errorMessage", "string", "0+", { nullable: "0+", default: null }),
      field(
        "responses",
        array(struct("AlterShareGroupOffsetsResponseTopic", [
          field("topicName", "string", "0+"),
          field("topicId", "uuid", "0+"),
          field(
            "partitions",
            array(struct("AlterShareGroupOffsetsResponsePartition", [
              field("partitionIndex", "int32", "0+"),
              field("errorCode", "int16", "0+"),
              field("errorMessage", "string", "0+", { nullable: "0+", default: null }),
            ])),
            "0+",
          ),
        ])),
        "0+",
      ),
    ],
  },
});
