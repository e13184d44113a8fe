/** ExpireDelegationToken (40): moves a delegation token's expiry, or ends it now (KIP-48). */
import { api, field } from "./dsl.ts";

export const schema = api({
  key: 40,
  name: "ExpireDelegationToken",
  listeners: ["broker", "controller"],
  request: {
    versions: "0-2",
    flexible: "2+",
    fields: [
      field("hmac", "bytes", "0+"),
      field("expiryTimePeriodMs", "int64", "0+"),
    ],
  },
  response: {
    versions: "0-2",
    flexible: "2+",
    fields: [
      field("errorCode", "int16", "0+"),
      field("expiryTimestampMs", "int64", "0+"),
      field("throttleTimeMs", "int32", "0+"),
    ],
  },
});
