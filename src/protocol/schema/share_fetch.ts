/** ShareFetch (78): fetch records that a share group hands out under acquisition locks, acknowledging earlier ones in the same call (KIP-932). */
import { api, array, field, struct } from "./dsl.ts";

export const schema = api({
  key: 78,
  name: "ShareFetch",
  listeners: ["broker"],
  request: {
    versions: "1",
    flexible: "0+",
    fields: [
      field("groupId", "string", "0+", { nullable: "0+", default: null }),
      field("memberId", "string", "0+", { nullable: "0+" }),
      field("shareSessionEpoch", "int32", "0+"),
      field("maxWaitMs", "int32", "0+"),
      field("minBytes", "int32", "0+"),
      field("maxBytes", "int32", "0+", { default: 0x7fffffff }),
      field("maxRecords", "int32", "1+"),
      field("batchSize", "int32", "1+"),
      field(
        "topics",
        array(struct("FetchTopic", [
          field("topicId", "uuid", "0+"),
          field(
            "partitions",
            array(struct("FetchPartition", [
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
      field(
        "forgottenTopicsData",
        array(struct("ForgottenTopic", [
          field("topicId", "uuid", "0+"),
          field("partitions", array("int32"), "0+"),
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
      field("acquisitionLockTimeoutMs", "int32", "1+"),
      field(
        "responses",
        array(struct("ShareFetchableTopicResponse", [
          field("topicId", "uuid", "0+"),
          field(
            "partitions",
            array(struct("PartitionData", [
              field("partitionIndex", "int32", "0+"),
              field("errorCode", "int16", "0+"),
              field("errorMessage", "string", "0+", { nullable: "0+", default: null }),
              field("acknowledgeErrorCode", "int16", "0+"),
              field("acknowledgeErrorMessage", "string", "0+", { nullable: "0+", default: null }),
              field(
                "currentLeader",
                struct("LeaderIdAndEpoch", [
                  field("leaderId", "int32", "0+"),
                  field("leaderEpoch", "int32", "0+"),
                ]),
                "0+",
              ),
              field("records", "records", "0+", { nullable: "0+" }),
              field(
                "acquiredRecords",
                array(struct("AcquiredRecords", [
                  field("firstOffset", "int64", "0+"),
                  field("lastOffset", "int64", "0+"),
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
