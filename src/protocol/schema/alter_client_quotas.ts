/** AlterClientQuotas (49): sets or removes client quota values per entity (KIP-546). */
import { api, array, field, struct } from "./dsl.ts";

export const schema = api({
  key: 49,
  name: "AlterClientQuotas",
  listeners: ["broker", "controller"],
  request: {
    versions: "0-1",
    flexible: "1+",
    fields: [
      field(
        "entries",
        array(struct("EntryData", [
          field(
            "entity",
            array(struct("EntityData", [
              field("entityType", "string", "0+"),
              field("entityName", "string", "0+", { nullable: "0+" }),
            ])),
            "0+",
          ),
          field(
            "ops",
            array(struct("OpData", [
              field("key", "string", "0+"),
              field("value", "float64", "0+"),
              field("remove", "bool", "0+"),
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
        "entries",
        array(struct("EntryData", [
          field("errorCode", "int16", "0+"),
          field("errorMessage", "string", "0+", { nullable: "0+" }),
          field(
            "entity",
            array(struct("EntityData", [
              field("entityType", "string", "0+"),
              field("entityName", "string", "0+", { nullable: "0+" }),
            ])),
            "0+",
          ),
        ])),
        "0+",
      ),
    ],
  },
});
