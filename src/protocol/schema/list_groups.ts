/** ListGroups (16): the groups a broker coordinates, filterable by state and type (KIP-482, KIP-518, KIP-848). */
import { api, array, field, struct } from "./dsl.ts";

export const schema = api({
  key: 16,
  name: "ListGroups",
  listeners: ["broker"],
  request: {
    versions: "0-5",
    flexible: "3+",
    fields: [
      field("statesFilter", array("string"), "4+"),
      field("typesFilter", array("string"), "5+"),
    ],
  },
  response: {
    versions: "0-5",
    flexible: "3+",
    fields: [
      field("throttleTimeMs", "int32", "1+"),
      field("errorCode", "int16", "0+"),
      field(
        "groups",
        array(struct("ListedGroup", [
          field("groupId", "string", "0+"),
          field("protocolType", "string", "0+"),
          field("groupState", "string", "4+"),
          field("groupType", "string", "5+"),
        ])),
        "0+",
      ),
    ],
  },
});
