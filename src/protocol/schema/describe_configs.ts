/** DescribeConfigs (32): reads the configuration of topics, brokers and other resources (KIP-133; synonyms from KIP-226, docs and types from KIP-569). */
import { api, array, field, struct } from "./dsl.ts";

export const schema = api({
  key: 32,
  name: "DescribeConfigs",
  listeners: ["broker", "controller"],
  request: {
    versions: "0-4",
    flexible: "4+",
    fields: [
      field(
        "resources",
        array(struct("DescribeConfigsResource", [
          field("resourceType", "int8", "0+"),
          field("resourceName", "string", "0+"),
          field("configurationKeys", array("string"), "0+", { nullable: "0+" }),
        ])),
        "0+",
      ),
      field("includeSynonyms", "bool", "1+", { default: false }),
      field("includeDocumentation", "bool", "3+", { default: false }),
    ],
  },
  response: {
    versions: "0-4",
    flexible: "4+",
    fields: [
      field("throttleTimeMs", "int32", "0+"),
      field(
        "results",
        array(struct("DescribeConfigsResult", [
          field("errorCode", "int16", "0+"),
          field("errorMessage", "string", "0+", { nullable: "0+" }),
          field("resourceType", "int8", "0+"),
          field("resourceName", "string", "0+"),
          field(
            "configs",
            array(struct("DescribeConfigsResourceResult", [
              field("name", "string", "0+"),
              field("value", "string", "0+", { nullable: "0+" }),
              field("readOnly", "bool", "0+"),
              field("isDefault", "bool", "0"),
              field("configSource", "int8", "1+", { default: -1 }),
              field("isSensitive", "bool", "0+"),
              field(
                "synonyms",
                array(struct("DescribeConfigsSynonym", [
                  field("name", "string", "1+"),
                  field("value", "string", "1+", { nullable: "0+" }),
                  field("source", "int8", "1+"),
                ])),
                "1+",
              ),
              field("configType", "int8", "3+", { default: 0 }),
              field("documentation", "string", "3+", { nullable: "0+" }),
            ])),
            "0+",
          ),
        ])),
        "0+",
      ),
    ],
  },
});
