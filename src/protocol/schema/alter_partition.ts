/** AlterPartition (56): a partition leader asks the controller to change the ISR and leader recovery state (KIP-497, KIP-704, topic ids from KIP-841, broker epochs in the ISR from KIP-903). */
import { api, array, field, struct } from "./dsl.ts";

export const schema = api({
  key: 56,
  name: "AlterPartition",
  listeners: ["controller"],
  request: {
    versions: "0-3",
    flexible: "0+",
    fields: [
      field("brokerId", "int32", "0+"),
      field("brokerEpoch", "int64", "0+", { default: -1 }),
      field(
        "topics",
        array(struct("TopicData", [
          field("topicName", "string", "0-1"),
          field("topicId", "uuid", "2+"),
          field(
            "partitions",
            array(struct("PartitionData", [
              field("partitionIndex", "int32", "0+"),
              field("leaderEpoch", "int32", "0+"),
              field("newIsr", array("int32"), "0-2"),
              field(
                "newIsrWithEpochs",
                array(struct("BrokerState", [
                  field("brokerId", "int32", "3+"),
                  field("brokerEpoch", "int64", "3+", { default: -1 }),
                ])),
                "3+",
              ),
              field("leaderRecoveryState", "int8", "1+", { default: 0 }),
              field("partitionEpoch", "int32", "0+"),
            ])),
            "0+",
          ),
        ])),
        "0+",
      ),
    ],
  },
  response: {
    versions: "0-3",
    flexible: "0+",
    fields: [
      field("throttleTimeMs", "int32", "0+"),
      field("errorCode", "int16", "0+"),
      field(
        "topics",
        array(struct("TopicData", [
          field("topicName", "string", "0-1"),
          field("topicId", "uuid", "2+"),
          field(
            "partitions",
            array(struct("PartitionData", [
              field("partitionIndex", "int32", "0+"),
              field("errorCode", "int16", "0+"),
              field("leaderId", "int32", "0+"),
              field("leaderEpoch", "int32", "0+"),
              field("isr", array("int32"), "0+"),
              field("leaderRecoveryState", "int8", "1+", { default: 0 }),
              field("partitionEpoch", "int32", "0+"),
            ])),
            "0+",
          ),
        ])),
        "0+",
      ),
    ],
  },
});
