/** UpdateFeatures (57): raises or lowers finalized cluster feature levels such as metadata.version (KIP-584; upgrade types and validate-only from KIP-778). */
import { api, array, field, struct } from "./dsl.ts";

export const schema = api({
  key: 57,
  name: "UpdateFeatures",
  listeners: ["broker", "controller"],
  request: {
    versions: "0-2",
    flexible: "0+",
    fields: [
      field("timeoutMs", "int32", "0+", { default: 60000 }),
      field(
        "featureUpdates",
        array(struct("FeatureUpdateKey", [
          field("feature", "string", "0+"),
          field("maxVersionLevel", "int16", "0+"),
          field("allowDowngrade", "bool", "0"),
          field("upgradeType", "int8", "1+", { default: 1 }),
        ])),
        "0+",
      ),
      field("validateOnly", "bool", "1+", { default: false }),
    ],
  },
  response: {
    versions: "0-2",
    flexible: "0+",
    fields: [
      field("throttleTimeMs", "int32", "0+"),
      field("errorCode", "int16", "0+"),
      field("errorMessage", "string", "0+", { nullable: "0+" }),
      field(
        "results",
        array(struct("UpdatableFeatureResult", [
          field("feature", "string", "0+"),
          field("errorCode", "int16", "0+"),
          field("errorMessage", "string", "0+", { nullable: "0+" }),
        ])),
        "0-1",
      ),
    ],
  },
});
