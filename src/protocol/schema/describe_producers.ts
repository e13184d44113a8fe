/** DescribeProducers (61): lists the active producers of given partitions (KIP-664). */
import { api, array, field, struct } from "./dsl.ts";

export const schema = api({
  key: 61,
  name: "DescribeProducers",
  listeners: ["broker"],
  request: {
    versions: "0",
    flexible: "0+",
    fields: [
      field(
        "topics",
        array(struct("TopicRequest", [
          field("name", "string", "0+"),
          field("partitionIndexes", array("int32"), "0+"),
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
      field(
        "topics",
        array(struct("TopicResponse", [
          field("name", "string", "0+"),
          field(
            "partitions",
            array(struct("PartitionResponse", [
              field("partitionIndex", "int32", "0+"),
              field("errorCode", "int16", "0+"),
              field("errorMessage", "string", "0+", { nullable: "0+", default: null }),
              field(
                "activeProducers",
                array(struct("ProducerState", [
                  field("producerId", "int64", "0+"),
                  field("producerEpoch", "int32", "0+"),
                  field("lastSequence", "int32", "0+", { default: -1 }),
                  field("lastTimestamp", "int64", "0+", { default: -1 }),
                  field("coordinatorEpoch", "int32", "0+"),
                  field("currentTxnStartOffset", "int64", "0+", { default: -1 }),
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
