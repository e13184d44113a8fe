/** FindCoordinator (10): locate the group, transaction or share coordinator, batched over keys from v4 (KIP-98, KIP-699, KIP-890, KIP-932). */
import { api, array, field, struct } from "./dsl.ts";

export const schema = api({
  key: 10,
  name: "FindCoordinator",
  listeners: ["broker"],
  request: {
    versions: "0-6",
    flexible: "3+",
    fields: [
      field("key", "string", "0-3"),
      field("keyType", "int8", "1+", { default: 0 }),
      field("coordinatorKeys", array("string"), "4+"),
    ],
  },
  response: {
    versions: "0-6",
    flexible: "3+",
    fields: [
      field("throttleTimeMs", "int32", "1+"),
      field("errorCode", "int16", "0-3"),
      field("errorMessage", "string", "1-3", { nullable: "1-3" }),
      field("nodeId", "int32", "0-3"),
      field("host", "string", "0-3"),
      field("port", "int32", "0-3"),
      field(
        "coordinators",
        array(struct("Coordinator", [
          field("key", "string", "4+"),
          field("nodeId", "int32", "4+"),
          field("host", "string", "4+"),
          field("port", "int32", "4+"),
          field("errorCode", "int16", "4+"),
          field("errorMessage", "string", "4+", { nullable: "4+" }),
        ])),
        "4+",
      ),
    ],
  },
});
