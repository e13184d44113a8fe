/** ControllerRegistration (70): a KRaft controller registers its listeners and supported features with the active controller (KIP-919). */
import { api, array, field, struct } from "./dsl.ts";

export const schema = api({
  key: 70,
  name: "ControllerRegistration",
  listeners: ["controller"],
  request: {
    versions: "0",
    flexible: "0+",
    fields: [
      field("controllerId", "int32", "0+"),
      field("incarnationId", "uuid", "0+"),
      field("zkMigrationReady", "bool", "0+"),
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
    ],
  },
  response: {
    versions: "0",
    flexible: "0+",
    fields: [
      field("throttleTimeMs", "int32", "0+"),
      field("errorCode", "int16", "0+"),
      field("errorMessage", "string", "0+", { nullable: "0+" }),
    ],
  },
});
