/** ReadShareGroupStateSummary (87): reads only the start offset and epochs of share-partitions, for describing share-group offsets (KIP-932). */
import { api, array, field, struct } from "./dsl.ts";

export const schema = api({
  key: 87,
  name: "ReadShareGroupStateSummary",
  listeners: ["broker"],
  request: {
    versions: "0",
    flexible: "0+",
    fields: [
      field("groupId", "string", "0+"),
      field(
        "topics",
        array(struct("ReadStateSummaryData", [
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
        array(struct("ReadStateSummaryResult", [
          field("topicId", "uuid", "0+"),
          field(
            "partitions",
            array(struct("PartitionResult", [
              field("partition", "int32", "0+"),
              field("errorCode", "int16", "0+"),
              field("errorMessage", "string", "0+", { nullable: "0+", default: null }),
              field("stateEpoch", "int32", "0+"),
              field("leaderEpoch", "int32", "0+"),
              field("startOffset", "int64", "0+"),
            ])),
            "0+",
          ),
        ])),
        "0+",
      ),
    ],
  },
});
