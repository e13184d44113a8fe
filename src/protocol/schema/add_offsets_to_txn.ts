/** AddOffsetsToTxn (25): puts a group's offsets partition into a transaction (KIP-98). */
import { api, field } from "./dsl.ts";

export const schema = api({
  key: 25,
  name: "AddOffsetsToTxn",
  listeners: ["broker"],
  request: {
    versions: "0-4",
    flexible: "3+",
    fields: [
      field("transactionalId", "string", "0+"),
      field("producerId", "int64", "0+"),
      field("producerEpoch", "int16", "0+"),
      field("groupId", "string", "0+"),
    ],
  },
  response: {
    versions: "0-4",
    flexible: "3+",
    fields: [
      field("throttleTimeMs", "int32", "0+"),
      field("errorCode", "int16", "0+"),
    ],
  },
});
