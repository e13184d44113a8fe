/** CreateDelegationToken (38): issues a delegation token (KIP-48; owner fields KIP-373). */
import { api, array, field, struct } from "./dsl.ts";

export const schema = api({
  key: 38,
  name: "CreateDelegationToken",
  listeners: ["broker", "controller"],
  request: {
    versions: "0-3",
    flexible: "2+",
    fields: [
      field("ownerPrincipalType", "string", "3+", { nullable: "3+" }),
      field("ownerPrincipalName", "string", "3+", { nullable: "3+" }),
      field(
        "renewers",
        array(struct("CreatableRenewers", [
          field("principalType", "string", "0+"),
          field("principalName", "string", "0+"),
        ])),
        "0+",
      ),
      field("maxLifetimeMs", "int64", "0+"),
    ],
  },
  response: {
    versions: "0-3",
    flexible: "2+",
    fields: [
      field("errorCode", "int16", "0+"),
      field("principalType", "string", "0+"),
      field("principalName", "string", "0+"),
      field("tokenRequesterPrincipalType", "string", "3+"),
      field("tokenRequesterPrincipalName", "string", "3+"),
      field("issueTimestampMs", "int64", "0+"),
      field("expiryTimestampMs", "int64", "0+"),
      field("maxTimestampMs", "int64", "0+"),
      field("tokenId", "string", "0+"),
      field("hmac", "bytes", "0+"),
      field("throttleTimeMs", "int32", "0+"),
    ],
  },
});
