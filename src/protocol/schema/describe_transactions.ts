/** DescribeTransactions (65): coordinator state of given transactional ids (KIP-664). */
import { api, array, field, struct } from "./dsl.ts";

export const schema = api({
  key: 65,
  name: "DescribeTransactions",
  listeners: ["broker"],
  request: {
    versions: "0",
    flexible: "0+",
    fields: [
      field("transactionalIds", array("string"), "0+"),
    ],
  },
  response: {
    versions: "0",
    flexible: "0+",
    fields: [
      field("throttleTimeMs", "int32", "0+"),
      field(
        "transactionStates",
        array(struct("TransactionState", [
          field("errorCode", "int16", "0+"),
          field("transactionalId", "string", "0+"),
          field("transactionState", "string", "0+"),
          field("transactionTimeoutMs", "int32", "0+"),
          field("transactionStartTimeMs", "int64", "0+"),
          field("producerId", "int64", "0+"),
          field("producerEpoch", "int16", "0+"),
          field(
            "topics",
            array(struct("TopicData", [
              field("topic", "string", "0+"),
              field("partitions", array("int32"), "0+"),
            ])),
            "0+",
          ),
        ])),
        "0+",
      ),
    ],
  },
});
