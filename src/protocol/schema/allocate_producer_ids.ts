/** AllocateProducerIds (67): a broker asks the controller for a block of producer ids (KIP-730). */
import { api, field } from "./dsl.ts";

export const schema = api({
  key: 67,
  name: "AllocateProducerIds",
  listeners: ["controller"],
  request: {
    versions: "0",
    flexible: "0+",
    fields: [
      field("brokerId", "int32", "0+"),
      field("brokerEpoch", "int64", "0+", { default: -1 }),
    ],
  },
  response: {
    versions: "0",
    flexible: "0+",
    fields: [
      field("throttleTimeMs", "int32", "0+"),
      field("errorCode", "int16", "0+"),
      field("producerIdStart", "int64", "0+"),
      field("producerIdLen", "int32", "0+"),
    ],
  },
});
