/** PushTelemetry (72): a client sends its metrics, encoded as OpenTelemetry protobuf, to the broker (KIP-714). */
import { api, field } from "./dsl.ts";

export const schema = api({
  key: 72,
  name: "PushTelemetry",
  listeners: ["broker"],
  request: {
    versions: "0",
    flexible: "0+",
    fields: [
      field("clientInstanceId", "uuid", "0+"),
      field("subscriptionId", "int32", "0+"),
      field("terminating", "bool", "0+"),
      field("compressionType", "int8", "0+"),
      field("metrics", "bytes", "0+"),
    ],
  },
  response: {
    versions: "0",
    flexible: "0+",
    fields: [
      field("throttleTimeMs", "int32", "0+"),
      field("errorCode", "int16", "0+"),
    ],
  },
});
