/** DeleteTopics (20): deletes topics by name, or by topic id from v6 (KIP-4, KIP-599 error messages and throttling, KIP-516 topic ids). */
import { api, array, field, struct } from "./dsl.ts";

export const schema = api({
  key: 20,
  name: "DeleteTopics",
  listeners: ["broker", "controller"],
  request: {
    versions: "0-6",
    flexible: "4+",
    fields: [
      field(
        "topics",
        array(struct("DeleteTopicState", [
          field("name", "string", "6+", { nullable: "6+", default: null }),
          field("topicId", "uuid", "6+"),
        ])),
        "6+",
      ),
      field("topicNames", array("string"), "0-5"),
      field("timeoutMs", "int32", "0+"),
    ],
  },
  response: {
    versions: "0-6",
    flexible: "4+",
    fields: [
      field("throttleTimeMs", "int32", "1+"),
      field(
        "responses",
        array(struct("DeletableTopicResult", [
          field("name", "string", "0+", { nullable: "6+" }),
          field("topicId", "uuid", "6+"),
          field("errorCode", "int16", "0+"),
          field("errorMessage", "string", "5+", { nullable: "5+", default: null }),
        ])),
        "0+",
      ),
    ],
  },
});
