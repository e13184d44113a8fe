/** SaslAuthenticate (36): carries SASL tokens inside Kafka frames and reports the session lifetime (KIP-152, KIP-368 re-authentication). */
import { api, field } from "./dsl.ts";

export const schema = api({
  key: 36,
  name: "SaslAuthenticate",
  listeners: ["broker", "controller"],
  request: {
    versions: "0-2",
    flexible: "2+",
    fields: [
      field("authBytes", "bytes", "0+"),
    ],
  },
  response: {
    versions: "0-2",
    flexible: "2+",
    fields: [
      field("errorCode", "int16", "0+"),
      field("errorMessage", "string", "0+", { nullable: "0+" }),
      field("authBytes", "bytes", "0+"),
      field("sessionLifetimeMs", "int64", "1+", { default: 0 }),
    ],
  },
});
