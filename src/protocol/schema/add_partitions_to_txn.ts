/** AddPartitionsToTxn (24): adds partitions to a transaction; v4+ batched (KIP-98, KIP-890). */
import { api, array, field, struct } from "./dsl.ts";

const addPartitionsToTxnTopic = struct("AddPartitionsToTxnTopic", [
  field("name", "string", "0+"),
  field("partitions", array("int32"), "0+"),
]);

const addPartitionsToTxnTopicResult = struct("AddPartitionsToTxnTopicResult", [
  field("name", "string", "0+"),
  field(
    "resultsByPartition",
    array(struct("AddPartitionsToTxnPartitionResult", [
      field("partitionIndex", "int32", "0+"),
      field("partitionErrorCode", "int16", "0+"),
    ])),
    "0+",
  ),
]);

export const schema = api({
  key: 24,
  name: "AddPartitionsToTxn",
  listeners: ["broker"],
  request: {
    versions: "0-5",
    flexible: "3+",
    fields: [
      field(
        "transactions",
        array(struct("AddPartitionsToTxnTransaction", [
          field("transactionalId", "string", "4+"),
          field("producerId", "int64", "4+"),
          field("producerEpoch", "int16", "4+"),
          field("verifyOnly", "bool", "4+", { default: false }),
          field("topics", array(addPartitionsToTxnTopic), "4+"),
        ])),
        "4+",
      ),
      field("v3AndBelowTransactionalId", "string", "0-3"),
      field("v3AndBelowProducerId", "int64", "0-3"),
      field("v3AndBelowProducerEpoch", "int16", "0-3"),
      field("v3AndBelowTopics", array(addPartitionsToTxnTopic), "0-3"),
    ],
  },
  response: {
    versions: "0-5",
    flexible: "3+",
    fields: [
      field("throttleTimeMs", "int32", "0+"),
      field("errorCode", "int16", "4+"),
      field(
        "resultsByTransaction",
        array(struct("AddPartitionsToTxnResult", [
          field("transactionalId", "string", "4+"),
          field("topicResults", array(addPartitionsToTxnTopicResult), "4+"),
        ])),
        "4+",
      ),
      field("resultsByTopicV3AndBelow", array(addPartitionsToTxnTopicResult), "0-3"),
    ],
  },
});
