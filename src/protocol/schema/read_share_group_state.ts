/** ReadShareGroupState (84): a share-partition leader loads its persisted in-flight record state from the share coordinator (KIP-932). */
import { api, array, field, struct } from "./dsl.ts";

export const schema = api({
  key: 84,
  name: "ReadShareGroupState",
  listeners: ["broker"],
  request: {
    versions: "0",
    flexible: "0+",
    fields: [
      field("groupId", "string", "0+"),
      field(
        "topics",
        array(struct("ReadStateData", [
          field("topicId", "uuid", "0+"),
          field(
            "partitions",
            array(struct("PartitionData", [
              field("partition", "int32", "0+"),
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
    versions: "0",
    flexible: "0+",
    fields: [
      field(
        "results",
        array(struct("ReadStateResult", [
          field("topicId", "uuid", "0+"),
          field(
            "partitions",
            array(struct("PartitionResult", [
              field("partition", "int32", "0+"),
              field("errorCode", "int16", "0+"),
              field("errorMessage", "string", "0+", { nullable: "0+", default: null }),
              field("stateEpoch", "int32", "0+"),
              field("startOffset", "int64", "0+"),
              field(
                "stateBatches",
                array(struct("StateBatch", [
                  field("firstOffset", "int64", "0+"),
                  field("lastOffset", "int64", "0+"),
                  field("deliveryState", "int8", "0+"),
                  field("deliveryCount", "int16", "0+"),
                ])),
                "0+",
              ),
            ])),
            "0+",
          ),
        ])),
        "0+",
      ),
    ],
  },
});
