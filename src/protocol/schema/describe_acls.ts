/** DescribeAcls (29): returns the ACL bindings matching a filter (KIP-140, KIP-290). */
import { api, array, field, struct } from "./dsl.ts";

export const schema = api({
  key: 29,
  name: "DescribeAcls",
  listeners: ["broker", "controller"],
  request: {
    versions: "0-3",
    flexible: "2+",
    fields: [
      field("resourceTypeFilter", "int8", "0+"),
      field("resourceNameFilter", "string", "0+", { nullable: "0+" }),
      field("patternTypeFilter", "int8", "1+", { default: 3 }),
      field("principalFilter", "string", "0+", { nullable: "0+" }),
      field("hostFilter", "string", "0+", { nullable: "0+" }),
      field("operation", "int8", "0+"),
      field("permissionType", "int8", "0+"),
    ],
  },
  response: {
    versions: "0-3",
    flexible: "2+",
    fields: [
      field("throttleTimeMs", "int32", "0+"),
      field("errorCode", "int16", "0+"),
      field("errorMessage", "string", "0+", { nullable: "0+" }),
      field(
        "resources",
        array(struct("DescribeAclsResource", [
          field("resourceType", "int8", "0+"),
          field("resourceName", "string", "0+"),
          field("patternType", "int8", "1+", { default: 3 }),
          field(
            "acls",
            array(struct("AclDescription", [
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
