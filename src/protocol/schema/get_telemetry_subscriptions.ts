/** GetTelemetrySubscriptions (71): a client asks which metrics to push, how often and in what compression (KIP-714). */
import { api, array, field } from "./dsl.ts";

export const schema = api({
  key: 71,
  name: "GetTelemetrySubscriptions",
  listeners: ["broker"],
  request: {
    versions: "0",
    flexible: "0+",
    fields: [
      field("clientInstanceId", "uuid", "0+"),
    ],
  },
  response: {
    versions: "0",
    flexible: "0+",
    fields: [
      field("throttleTimeMs", "int32", "0+"),
      field("errorCode", "int16", "0+"),
      field("clientInstanceId", "uuid", "0+"),
      field("subscriptionId", "int32", "0+"),
      field("acceptedCompressionTypes", array("int8"), "0+"),
      field("pushIntervalMs", "int32", "0+"),
      field("telemetryMaxBytes", "int32", "0+"),
      field("deltaTemporality", "bool", "0+"),
      field("requestedMetrics", array("string"), "0+"),
    ],
  },
});
