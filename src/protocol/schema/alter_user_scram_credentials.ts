/** AlterUserScramCredentials (51): deletes or upserts users' SCRAM credentials (KIP-554). */
import { api, array, field, struct } from "./dsl.ts";

export const schema = api({
  key: 51,
  name: "AlterUserScramCredentials",
  listeners: ["broker", "controller"],
  request: {
    versions: "0",
    flexible: "0+",
    fields: [
      field(
        "deletions",
        array(struct("ScramCredentialDeletion", [
          field("name", "string", "0+"),
          field("mechanism", "int8", "0+"),
        ])),
        "0+",
      ),
      field(
        "upsertions",
        array(struct("ScramCredentialUpsertion", [
          field("name", "string", "0+"),
          field("mechanism", "int8", "0+"),
          field("iterations", "int32", "0+"),
          field("salt", "bytes", "0+"),
          field("saltedPassword", "bytes", "0+"),
        ])),
        "0+",
      ),
    ],
  },
  response: {
    versions: "0",
    flexible: "0+",
    fields: [
      field("throttleTimeMs", "int32", "0+"),
      field(
        "results",
        array(struct("AlterUserScramCredentialsResult", [
          field("user", "string", "0+"),
          field("errorCode", "int16", "0+"),
          field("errorMessage", "string", "0+", { nullable: "0+" }),
        ])),
        "0+",
      ),
    ],
  },
});
