/** UnregisterBroker (64): an administrator removes a broker's registration from the KRaft controller (KIP-631). */
import { api, field } from "./dsl.ts";

export const schema = api({
  key: 64,
  name: "UnregisterBroker",
  listeners: ["broker", "controller"],
  request: {
    versions: "0",
    flexible: "0+",
    fields: [
      field("brokerId", "int32", "0+"),
    ],
  },
  response: {
    versions: "0",
    flexible: "0+",
    fields: [
      field("throttleTimeMs", "int32", "0+"),
      field("errorCode", "int16", "0+"),
      field("errorMessage", "string", "0+", { nullable: "0+" }),
    ],
  },
});
