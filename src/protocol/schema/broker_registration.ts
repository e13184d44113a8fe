/** BrokerRegistration (62): a KRaft broker registers its listeners, features, rack and log dirs with the controller (KIP-631; ZK migration flag from KIP-866, log dirs from KIP-858, previous epoch from KIP-966). */
import { api, array, field, struct } from "./dsl.ts";

export const schema = api({
  key: 62,
  name: "BrokerRegistration",
  listeners: ["controller"],
  request: {
    versions: "0-4",
    flexible: "0+",
    fields: [
      field("brokerId", "int32", "0+"),
      field("clusterId", "string", "0+"),
      field("incarnationId", "uuid", "0+"),
      field(
        "listeners",
        array(struct("Listener", [
          field("name", "string", "0+"),
          field("host", "string", "0+"),
          field("port", "uint16", "0+"),
          field("securityProtocol", "int16", "0+"),
        ])),
        "0+",
      ),
      field(
        "features",
        array(struct("Feature", [
          field("name", "string", "0+"),
          field("minSupportedVersion", "int16", "0+"),
          field("maxSupportedVersion", "int16", "0+"),
        ])),
        "0+",
      ),
      field("rack", "string", "0+", { nullable: "0+" }),
      field("isMigratingZkBroker", "bool", "1+", { default: false }),
      field("logDirs", array("uuid"), "2+"),
      field("previousBrokerEpoch", "int64", "3+", { default: -1 }),
    ],
  },
  response: {
    versions: "0-4",
    flexible: "0+",
    fields: [
      field("throttleTimeMs", "int32", "0+"),
      field("errorCode", "int16", "0+"),
      field("brokerEpoch", "int64", "0+", { default: -1 }),
    ],
  },
});
