/** DeleteGroups (42): delete empty consumer groups and their offsets (KIP-229, KIP-482). */
import { api, array, field, struct } from "./dsl.ts";

export const schema = api({
  key: 42,
  name: "DeleteGroups",
  listeners: ["broker"],
  request: {
    versions: "0-2",
    flexible: "2+",
    fields: [
      field("groupsNames", array("string"), "0+"),
    ],
  },
  response: {
    versions: "0-2",
    flexible: "2+",
    fields: [
      field("throttleTimeMs", "int32", "0+"),
      field(
        "results",
        array(struct("DeletableGroupResult", [
          field("groupId", "string", "0+"),
          field("errorCode", "int16", "0+"),
        ])),
        "0+",
      ),
    ],
  },
});
