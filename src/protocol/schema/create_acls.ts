/** CreateAcls (30): adds ACL bindings (KIP-140, prefixed patterns from KIP-290). */
import { api, array, field, struct } from "./dsl.ts";

export const schema = api({
  key: 30,
  name: "CreateAcls",
  listeners: ["broker", "controller"],
  request: {
    versions: "0-3",
    flexible: "2+",
    fields: [
      field(
        "creations",
        array(struct("AclCreation", [
          field("resourceType", "int8", "0+"),
          field("resourceName", "string", "0+"),
          field("resourcePatternType", "int8", "1+", { default: 3 }),
          field("principal", "string", "0+"),
          field("host", "string", "0+"),
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
        "results",
        array(struct("AclCreationResult", [
          field("errorCode", "int16", "0+"),
          field("errorMessage", "string", "0+", { nullable: "0+" }),
        ])),
        "0+",
      ),
    ],
  },
});
