/** ApiVersions (18): which APIs and versions the broker serves (KIP-35, KIP-511, KIP-584). */
import { api, array, field, struct } from "./dsl.ts";

export const schema = api({
  key: 18,
  name: "ApiVersions",
  listeners: ["broker", "controller"],
  request: {
    versions: "0-4",
    flexible: "3+",
    fields: [
      field("clientSoftwareName", "string", "3+"),
      field("clientSoftwareVersion", "string", "3+"),
    ],
  },
  response: {
    versions: "0-4",
    flexible: "3+",
    fields: [
      field("errorCode", "int16", "0+"),
      field(
        "apiKeys",
        array(struct("ApiVersion", [
          field("apiKey", "int16", "0+"),
          field("minVersion", "int16", "0+"),
          field("maxVersion", "int16", "0+"),
        ])),
        "0+",
      ),
      field("throttleTimeMs", "int32", "1+"),
      field(
        "supportedFeatures",
        array(struct("SupportedFeatureKey", [
          field("name", "string", "3+"),
          field("minVersion", "int16", "3+"),
          field("maxVersion", "int16", "3+"),
        ])),
        "3+",
        { tagged: "3+", tag: 0 },
      ),
      field("finalizedFeaturesEpoch", "int64", "3+", { tagged: "3+", tag: 1, default: -1 }),
      field(
        "finalizedFeatures",
        array(struct("FinalizedFeatureKey", [
          field("name", "string", "3+"),
          field("maxVersionLevel", "int16", "3+"),
          field("minVersionLevel", "int16", "3+"),
        ])),
        "3+",
        { tagged: "3+", tag: 2 },
      ),
      field("zkMigrationReady", "bool", "3+", { tagged: "3+", tag: 3 }),
    ],
  },
});
