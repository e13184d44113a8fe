/** EndTxn (26): commits or aborts a transaction; v5 returns the new epoch (KIP-98, KIP-890). */
import { api, field } from "./dsl.ts";

export const schema = api({
  key: 26,
  name: "EndTxn",
  listeners: ["broker"],
  request: {
    versions: "0-5",
    flexible: "3+",
    fields: [
      field("transactionalId", "string", "0+"),
      field("producerId", "int64", "0+"),
      field("producerEpoch", "int16", "0+"),
      field("committed", "bool", "0+"),
    ],
  },
  response: {
    versions: "0-5",
    flexible: "3+",
    fields: [
      field("throttleTimeMs", "int32", "0+"),
      field("errorCode", "int16", "0+"),
      field("producerId", "int64", "5+", { default: -1 }),
      field("producerEpoch", "int16", "5+", { default: -1 }),
    ],
  },
});
