/** SyncGroup (14): the classic group leader hands out assignments and every member receives its own (KIP-345, KIP-482, KIP-559). */
import { api, array, field, struct } from "./dsl.ts";

export const schema = api({
  key: 14,
  name: "SyncGroup",
  listeners: ["broker"],
  request: {
    versions: "0-5",
    flexible: "4+",
    fields: [
      field("groupId", "string", "0+"),
      field("generationId", "int32", "0+"),
      field("memberId", "string", "0+"),
      field("groupInstanceId", "string", "3+", { nullable: "3+", default: null }),
      field("protocolType", "string", "5+", { nullable: "5+", default: null }),
      field("protocolName", "string", "5+", { nullable: "5+", default: null }),
      field(
        "assignments",
        array(struct("SyncGroupRequestAssignment", [
          field("memberId", "string", "0+"),
          field("assignment", "bytes", "0+"),
        ])),
        "0+",
      ),
    ],
  },
  response: {
    versions: "0-5",
    flexible: "4+",
    fields: [
      field("throttleTimeMs", "int32", "1+"),
      field("errorCode", "int16", "0+"),
      field("protocolType", "string", "5+", { nullable: "5+", default: null }),
      field("protocolName", "string", "5+", { nullable: "5+", default: null }),
      field("assignment", "bytes", "0+"),
    ],
  },
});
