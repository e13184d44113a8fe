/** OffsetDelete (47): drop a group's committed offsets for given partitions (KIP-496). */
import { api, array, field, struct } from "./dsl.ts";

export const schema = api({
  key: 47,
  name: "OffsetDelete",
  listeners: ["broker"],
  request: {
    versions: "0",
    flexible: "none",
    fields: [
      field("groupId", "string", "0+"),
      field(
        "topics",
        array(struct("OffsetDeleteRequestTopic", [
          field("name", "string", "0+"),
          field(
            "partitions",
            array(struct("OffsetDeleteRequestPartition", [
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
    versions: "0",
    flexible: "none",
    fields: [
      field("errorCode", "int16", "0+"),
      field("throttleTimeMs", "int32", "0+"),
      field(
        "topics",
        array(struct("OffsetDeleteResponseTopic", [
          field("name", "string", "0+"),
          field(
            "partitions",
            array(struct("OffsetDeleteResponsePartition", [
              field("partitionIndex", "int32", "0+"),
              field("errorCode", "int16", "0+"),
            ])),
            "0+",
          ),
        ])),
        "0+",
      ),
    ],
  },
});
