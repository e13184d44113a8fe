/** Envelope (58): wraps a client request that a broker forwards to the controller, with the client's principal and address (KIP-590). */
import { api, field } from "./dsl.ts";

export const schema = api({
  key: 58,
  name: "Envelope",
  listeners: ["controller"],
  request: {
    versions: "0",
    flexible: "0+",
    fields: [
      field("requestData", "bytes", "0+"),
      field("requestPrincipal", "bytes", "0+", { nullable: "0+" }),
      field("clientHostAddress", "bytes", "0+"),
    ],
  },
  response: {
    versions: "0",
    flexible: "0+",
    fields: [
      field("responseData", "bytes", "0+", { nullable: "0+", default: null }),
      field("errorCode", "int16", "0+"),
    ],
  },
});
