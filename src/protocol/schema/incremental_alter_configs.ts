/** IncrementalAlterConfigs (44): sets, deletes, appends to or subtracts from individual config entries (KIP-339). */
import { api, array, field, struct } from "./dsl.ts";

export const schema = api({
  key: 44,
  name: "IncrementalAlterConfigs",
  listeners: ["broker", "controller"],
  request: {
    versions: "0-1",
    flexible: "1+",
    fields: [
      field(
        "resources",
        array(struct("AlterConfigsResource", [
          field("resourceType", "int8", "0+"),
          field("resourceName", "string", "0+"),
          field(
            "configs",
            array(struct("AlterableConfig", [
              field("name", "string", "0+"),
              field("configOperation", "int8", "0+"),
              field("value", "string", "0+", { nullable: "0+" }),
            ])),
            "0+",
          ),
        ])),
        "0+",
      ),
      field("validateOnly", "bool", "0+"),
    ],
  },
  response: {
    versions: "0-1",
    flexible: "1+",
    fields: [
      field("throttleTimeMs", "int32", "0+"),
      field(
        "responses",
        array(struct("AlterConfigsResourceResponse", [
          field("errorCode", "int16", "0+"),
          field("errorMessage", "string", "0+", { nullable: "0+" }),
          field("resourceType", "int8", "0+"),
          field("resourceName", "string", "0+"),
        ])),
        "0+",
      ),
    ],
  },
});
