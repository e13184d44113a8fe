/** SaslHandshake (17): picks a SASL mechanism and lists the enabled ones; v1 means the tokens follow in SaslAuthenticate frames (KIP-43, KIP-152). */
import { api, array, field } from "./dsl.ts";

export const schema = api({
  key: 17,
  name: "SaslHandshake",
  listeners: ["broker", "controller"],
  request: {
    versions: "0-1",
    flexible: "none",
    fields: [
      field("mechanism", "string", "0+"),
    ],
  },
  response: {
    versions: "0-1",
    flexible: "none",
    fields: [
      field("errorCode", "int16", "0+"),
      field("mechanisms", array("string"), "0+"),
    ],
  },
});
