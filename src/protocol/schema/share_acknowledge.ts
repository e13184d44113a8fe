/** ShareAcknowledge (79): accept, release or reject records a share-group consumer acquired, outside a fetch (KIP-932). */
import { api, array, field, struct } from "./dsl.ts";

export const schema = api({
  key: 79,
  name: "ShareAcknowledge",
  listeners: ["broker"],
  request: {
    versions: "1",
    flexible: "0+",
    fields: [
      field("groupId", "string", "0+", { nullable: "0+", default: null }),
      field("memberId", "string", "0+", { nullable: "0+" }),
      field("shareSessionEpoch", "int32", "0+"),
      field(
        "topics",
        array(struct("AcknowledgeTopic", [
          field("topicId", "uuid", "0+"),
          field(
            "partitions",
            array(struct("AcknowledgePartition", [
              field("partitionIndex", "int32", "0+"),
              field(
                "acknowledgementBatches",
                array(struct("AcknowledgementBatch", [
                  field("firstOffset", "int64", "0+"),
                  field("lastOffset", "int64", "0+"),
                  field("acknowledgeTypes", array("int8"), "0+"),
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
  response: {
    versions: "1",
    flexible: "0+",
    fields: [
      field("throttleTimeMs", "int32", "0+"),
      field("errorCode", "int16", "0+"),
      field("errorMessage", "string", "0+", { nullable: "0+", default: null }),
      field(
        "responses",
        array(struct("ShareAcknowledgeTopicResponse", [
          field("topicId", "uuid", "0+"),
          field(
            "partitions",
            array(struct("PartitionData", [
              field("partitionIndex", "int32", "0+"),
              field("errorCode", "int16", "0+"),
              field("errorMessage", "string", "0+", { nullable: "0+", default: null }),
              field(
                "currentLeader",
                struct("LeaderIdAndEpoch", [
                  field("leaderId", "int32", "0+"),
                  field("leaderEpoch", "int32", "0+"),
                ]),
                "0+",
              ),
            ])),
            "0+",
          ),
        ])),
        "0+",
      ),
      field(
        "nodeEndpoints",
        array(struct("NodeEndpoint", [
          field("nodeId", "int32", "0+"),
          field("host", "string", "0+"),
          field("port", "int32", "0+"),
          field("rack", "string", "0+", { nullable: "0+", default: null }),
        ])),
        "0+",
      ),
    ],
  },
});
