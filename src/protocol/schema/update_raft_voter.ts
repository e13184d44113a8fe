/** UpdateRaftVoter (82): a KRaft voter tells the leader its current listeners and supported kraft.version range (KIP-853). */
import { api, array, field, struct } from "./dsl.ts";

export const schema = api({
  key: 82,
  name: "UpdateRaftVoter",
  listeners: ["controller"],
  request: {
    versions: "0",
    flexible: "0+",
    fields: [
      field("clusterId", "string", "0+", { nullable: "0+" }),
      field("currentLeaderEpoch", "int32", "0+"),
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
      field(
        "kRaftVersionFeature",
        struct("KRaftVersionFeature", [
          field("minSupportedVersion", "int16", "0+"),
          field("maxSupportedVersion", "int16", "0+"),
        ]),
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
      field(
        "currentLeader",
        struct("CurrentLeader", [
          field("leaderId", "int32", "0+", { default: -1 }),
          field("leaderEpoch", "int32", "0+", { default: -1 }),
          field("host", "string", "0+"),
          field("port", "int32", "0+"),
        ]),
        "0+",
        { tagged: "0+", tag: 0 },
      ),
    ],
  },
});
