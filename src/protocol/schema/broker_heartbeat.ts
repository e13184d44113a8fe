/** BrokerHeartbeat (63): a KRaft broker keeps its registration alive and reports its metadata offset and fencing wishes (KIP-631; offline log dirs from KIP-858). */
import { api, array, field } from "./dsl.ts";

export const schema = api({
  key: 63,
  name: "BrokerHeartbeat",
  listeners: ["controller"],
  request: {
    versions: "0-1",
    flexible: "0+",
    fields: [
      field("brokerId", "int32", "0+"),
      field("brokerEpoch", "int64", "0+", { default: -1 }),
      field("currentMetadataOffset", "int64", "0+"),
      field("wantFence", "bool", "0+"),
      field("wantShutDown", "bool", "0+"),
      field("offlineLogDirs", array("uuid"), "1+", { tagged: "1+", tag: 0 }),
    ],
  },
  response: {
    versions: "0-1",
    flexible: "0+",
    fields: [
      field("throttleTimeMs", "int32", "0+"),
      field("errorCode", "int16", "0+"),
      field("isCaughtUp", "bool", "0+", { default: false }),
      field("isFenced", "bool", "0+", { default: true }),
      field("shouldShutDown", "bool", "0+"),
    ],
  },
});
