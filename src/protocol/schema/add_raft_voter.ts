/** AddRaftVoter (80): adds a controller, identified by id and directory id, to the KRaft voter set (KIP-853). */
import { api, array, field, struct } from "./dsl.ts";

export const schema = api({
  key: 80,
  name: "AddRaftVoter",
  listeners: ["broker", "controller"],
  request: {
    versions: "0",
    flexible: "0+",
    fields: [
      field("clusterId", "string", "0+", { nullable: "0+" }),
      field("timeoutMs", "int32", "0+"),
      field("voterId", "int32", "0+"),
      field("voterDirectoryId", "uuid", "0+"),
      field(
        "listeners",
        array(struct("Listener", [
          field("name", "string", "0+"),
          field("host", "string", "0+"),
          field("port", "uint16", "0+"),
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
