/** InitProducerId (22): gives a producer its id and epoch, fencing zombies (KIP-98, 360, 890). */
import { api, field } from "./dsl.ts";

export const schema = api({
  key: 22,
  name: "InitProducerId",
  listeners: ["broker"],
  request: {
    versions: "0-5",
    flexible: "2+",
    fields: [
      field("transactionalId", "string", "0+", { nullable: "0+" }),
      field("transactionTimeoutMs", "int32", "0+"),
      field("producerId", "int64", "3+", { default: -1 }),
      field("producerEpoch", "int16", "3+", { default: -1 }),
    ],
  },
  response: {
    versions: "0-5",
    flexible: "2+",
    fields: [
      field("throttleTimeMs", "int32", "0+"),
      field("errorCode", "int16", "0+"),
      field("producerId", "int64", "0+", { default: -1 }),
      field("producerEpoch", "int16", "0+"),
    ],
  },
});
