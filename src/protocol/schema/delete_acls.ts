/** DeleteAcls (31): removes the ACL bindings matching filters (KIP-140, KIP-290). */
import { api, array, field, struct } from "./dsl.ts";

export const schema = api({
  key: 31,
  name: "DeleteAcls",
  listeners: ["broker", "controller"],
  request: {
    versions: "0-3",
    flexible: "2+",
    fields: [
      field(
        "filters",
        array(struct("DeleteAclsFilter", [
          field("resourceTypeFilter", "int8", "0+"),
          field("resourceNameFilter", "string", "0+", { nullable: "0+" }),
          field("patternTypeFilter", "int8", "1+", { default: 3 }),
          field("principalFilter", "string", "0+", { nullable: "0+" }),
          field("hostFilter", "string", "0+", { nullable: "0+" }),
          field("operation", "int8", "0+"),
          field("permissionType", "int8", "0+"),
        ])),
        "0+",
      ),
    ],
  },
  response: {
    versions: "0-3",
    flexible: "2+",
    fields: [
      field("throttleTimeMs", "int32", "0+"),
      field(
        "filterResults",
        array(struct("DeleteAclsFilterResult", [
          field("errorCode", "int16", "0+"),
          field("errorMessage", "string", "0+", { nullable: "0+" }),
          field(
            "matchingAcls",
            array(struct("DeleteAclsMatchingAcl", [
              field("errorCode", "int16", "0+"),
              field("errorMessage", "string", "0+", { nullable: "0+" }),
              field("resourceType", "int8", "0+"),
              field("resourceName", "string", "0+"),
              field("patternType", "int8", "1+", { default: 3 }),
              field("principal", "string", "0+"),
              field("host", "string", "0+"),
              field("operation", "int8", "0+"),
              field("permissionType", "int8", "0+"),
            ])),
            "0+",
          ),
        ])),
        "0+",
      ),
    ],
  },
});
