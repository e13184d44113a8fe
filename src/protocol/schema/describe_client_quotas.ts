/** DescribeClientQuotas (48): quota values of the entities matching a filter (KIP-546). */
import { api, array, field, struct } from "./dsl.ts";

export const schema = api({
  key: 48,
  name: "DescribeClientQuotas",
  listeners: ["broker", "controller"],
  request: {
    versions: "0-1",
    flexible: "1+",
    fields: [
      field(
        "components",
        array(struct("ComponentData", [
          field("entityType", "string", "0+"),
          field("matchType", "int8", "0+"),
          field("match", "string", "0+", { nullable: "0+" }),
        ])),
        "0+",
      ),
      field("strict", "bool", "0+"),
    ],
  },
  response: {
    versions: "0-1",
    flexible: "1+",
    fields: [
      field("throttleTimeMs", "int32", "0+"),
      field("errorCode", "int16", "0+"),
      field("errorMessage", "string", "0+", { nullable: "0+" }),
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
            "values",
            array(struct("ValueData", [
              field("key", "string", "0+"),
              field("value", "float64", "0+"),
            ])),
            "0+",
          ),
        ])),
        "0+",
        { nullable: "0+" },
      ),
    ],
  },
});
