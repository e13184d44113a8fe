/** ListTransactions (66): lists a coordinator's transactions by filter (KIP-664, 994, 1152). */
import { api, array, field, struct } from "./dsl.ts";

export const schema = api({
  key: 66,
  name: "ListTransactions",
  listeners: ["broker"],
  request: {
    versions: "0-2",
    flexible: "0+",
    fields: [
      field("stateFilters", array("string"), "0+"),
      field("producerIdFilters", array("int64"), "0+"),
      field("durationFilter", "int64", "1+", { default: -1 }),
      field("transactionalIdPattern", "string", "2+", { nullable: "2+", default: null }),
    ],
  },
  response: {
    versions: "0-2",
    flexible: "0+",
    fields: [
      field("throttleTimeMs", "int32", "0+"),
      field("errorCode", "int16", "0+"),
      field("unknownStateFilters", array("string"), "0+"),
      field(
        "transactionStates",
        array(struct("TransactionState", [
          field("transactionalId", "string", "0+"),
          field("producerId", "int64", "0+"),
          field("transactionState", "string", "0+"),
        ])),
        "0+",
      ),
    ],
  },
});
