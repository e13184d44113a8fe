/** RemoveRaftVoter (81): removes a controller, identified by id and directory id, from the KRaft voter set (KIP-853). */
import { api, field } from "./dsl.ts";

export const schema = api({
  key: 81,
  name: "RemoveRaftVoter",
  listeners: ["broker", "controller"],
  request: {
    versions: "0",
    flexible: "0+",
    fields: [
      field("clusterId", "string", "0+", { nullable: "0+" }),
      field("voterId", "int32", "0+"),
      field("voterDirectoryId", "uuid", "0+"),
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
