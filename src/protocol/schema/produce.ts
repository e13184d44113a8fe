/** Produce (0): appends record batches to partitions (KIP-98 transactional id, KIP-467 record errors, KIP-951 leader hints, KIP-890, KIP-516 topic ids in v13). */
import { api, array, field, struct } from "./dsl.ts";

export const schema = api({
  key: 0,
  name: "Produce",
  listeners: ["broker"],
  request: {
    versions: "0-13",
    flexible: "9+",
    fields: [
      field("transactionalId", "string", "3+", { nullable: "3+", default: null }),
      field("acks", "int16", "0+"),
      field("timeoutMs", "int32", "0+"),
      field(
        "topicData",
        array(struct("TopicProduceData", [
          field("name", "string", "0-12"),
          field("topicId", "uuid", "13+"),
          field(
            "partitionData",
            array(struct("PartitionProduceData", [
              field("index", "int32", "0+"),
              field("records", "records", "0+", { nullable: "0+" }),
            ])),
            "0+",
          ),
        ])),
        "0+",
      ),
    ],
  },
  response: {
    versions: "0-13",
    flexible: "9+",
    fields: [
      field(
        "responses",
        array(struct("TopicProduceResponse", [
          field("name", "string", "0-12"),
          field("topicId", "uuid", "13+"),
          field(
            "partitionResponses",
            array(struct("PartitionProduceResponse", [
              field("index", "int32", "0+"),
              field("errorCode", "int16", "0+"),
              field("baseOffset", "int64", "0+"),
              field("logAppendTimeMs", "int64", "2+", { default: -1 }),
              field("logStartOffset", "int64", "5+", { default: -1 }),
              field(
                "recordErrors",
                array(struct("BatchIndexAndErrorMessage", [
                  field("batchIndex", "int32", "8+"),
                  field("batchIndexErrorMessage", "string", "8+", {
                    nullable: "8+",
                    default: null,
                  }),
                ])),
                "8+",
              ),
              field("errorMessage", "string", "8+", { nullable: "8+", default: null }),
              field(
                "currentLeader",
                struct("LeaderIdAndEpoch", [
                  field("leaderId", "int32", "10+", { default: -1 }),
                  field("leaderEpoch", "int32", "10+", { default: -1 }),
                ]),
                "10+",
                { tagged: "10+", tag: 0 },
              ),
            ])),
            "0+",
          ),
        ])),
        "0+",
      ),
      field("throttleTimeMs", "int32", "1+", { default: 0 }),
      field(
        "nodeEndpoints",
        array(struct("NodeEndpoint", [
          field("nodeId", "int32", "10+"),
          field("host", "string", "10+"),
          field("port", "int32", "10+"),
          field("rack", "string", "10+", { nullable: "10+", default: null }),
        ])),
        "10+",
        { tagged: "10+", tag: 0 },
      ),
    ],
  },
});
