/** DescribeUserScramCredentials (50): SCRAM mechanisms and iterations per user (KIP-554). */
import { api, array, field, struct } from "./dsl.ts";

export const schema = api({
  key: 50,
  name: "DescribeUserScramCredentials",
  listeners: ["broker", "controller"],
  request: {
    versions: "0",
    flexible: "0+",
    fields: [
      field(
        "users",
        array(struct("UserName", [
          field("name", "string", "0+"),
        ])),
        "0+",
        { nullable: "0+" },
      ),
    ],
  },
  response: {
    versions: "0",
    flexible: "0+",
    fields: [
      field("throttleTimeMs", "int32", "0+"),
      field("errorCode", "int16", "0+"),
      field("errorMessage", "string", "0+", { nullable: "0+" }),
      field(
        "results",
        array(struct("DescribeUserScramCredentialsResult", [
          field("user", "string", "0+"),
          field("errorCode", "int16", "0+"),
          field("errorMessage", "string", "0+", { nullable: "0+" }),
          field(
            "credentialInfos",
            array(struct("CredentialInfo", [
              field("mechanism", "int8", "0+"),
              field("iterations", "int32", "0+"),
            ])),
            "0+",
          ),
        ])),
        "0+",
      ),
    ],
  },
});
