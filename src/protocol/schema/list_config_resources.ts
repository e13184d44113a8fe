/** ListConfigResources (74): lists resources that have configs; v0 was ListClientMetricsResources for client-metrics subscriptions (KIP-714, generalised by KIP-1142). */
import { api, array, field, struct } from "./dsl.ts";

export const schema = api({
  key: 74,
  name: "ListConfigResources",
  listeners: ["broker"],
  request: {
    versions: "0-1",
    flexible: "0+",
    fields: [
      field("resourceTypes", array("int8"), "1+"),
    ],
  },
  response: {
    versions: "0-1",
    flexible: "0+",
    fields: [
      field("throttleTimeMs", "int32", "0+"),
      field("errorCode", "int16", "0+"),
      field(
        "configResources",
        array(struct("ConfigResource", [
          field("resourceName", "string", "0+"),
          field("resourceType", "int8", "1+", { default: 16 }),
        ])),
        "0+",
      ),
    ],
  },
});
