/** DescribeDelegationToken (41): lists delegation tokens by owner (KIP-48, KIP-373). */
import { api, array, field, struct } from "./dsl.ts";

export const schema = api({
  key: 41,
  name: "DescribeDelegationToken",
  listeners: ["broker", "controller"],
  request: {
    versions: "0-3",
    flexible: "2+",
    fields: [
      field(
        "owners",
        array(struct("DescribeDelegationTokenOwner", [
          field("principalType", "string", "0+"),
          field("principalName", "string", "0+"),
        ])),
        "0+",
        { nullable: "0+" },
      ),
    ],
  },
  response: {
    versions: "0-3",
    flexible: "2+",
    fields: [
      field("errorCode", "int16", "0+"),
      field(
        "tokens",
        array(struct("DescribedDelegationToken", [
          field("principalType", "string", "0+"),
          field("principalName", "string", "0+"),
          field("tokenRequesterPrincipalType", "string", "3+"),
          field("tokenRequesterPrincipalName", "string", "3+"),
          field("issueTimestamp", "int64", "0+"),
          field("expiryTimestamp", "int64", "0+"),
          field("maxTimestamp", "int64", "0+"),
          field("tokenId", "string", "0+"),
          field("hmac", "bytes", "0+"),
          field(
            "renewers",
            array(struct("DescribedDelegationTokenRenewer", [
              field("principalType", "string", "0+"),
              field("principalName", "string", "0+"),
            ])),
            "0+",
          ),
        ])),
        "0+",
      ),
      field("throttleTimeMs", "int32", "0+"),
    ],
  },
});
