/** InitializeShareGroupState (83): the share coordinator creates the persisted state of share-partitions for a group (KIP-932). */
import { api, array, field, struct } from "./dsl.ts";

export const schema = api({
  key: 83,
  name: "InitializeShareGroupState",
  listeners: ["broker"],
  request: {
    versions: "0",
    flexible: "0+",
    fields: [
      field("groupId", "string", "0+"),
      field(
        "topics",
        array(struct("InitializeStateData", [
          field("topicId", "uuid", "0+"),
          field(
            "partitions",
            array(struct("PartitionData", [
              field("partition", "int32", "0+"),
              field("stateEpoch", "int32", "0+"),
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
      field(
        "results",
        array(struct("InitializeStateResult", [
          field("topicId", "uuid", "0+"),
          field(
            "partitions",
            array(struct("PartitionResult", [
              field("partition", "int32", "0+"),
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
