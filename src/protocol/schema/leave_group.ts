/** LeaveGroup (13): members leave a classic group, batched by member identity from v3 (KIP-345, KIP-482, KIP-800). */
import { api, array, field, struct } from "./dsl.ts";

export const schema = api({
  key: 13,
  name: "LeaveGroup",
  listeners: ["broker"],
  request: {
    versions: "0-5",
    flexible: "4+",
    fields: [
      field("groupId", "string", "0+"),
      field("memberId", "string", "0-2"),
      field(
        "members",
        array(struct("MemberIdentity", [
          field("memberId", "string", "3+"),
          field("groupInstanceId", "string", "3+", { nullable: "3+", default: null }),
          field("reason", "string", "5+", { nullable: "5+", default: null }),
        ])),
        "3+",
      ),
    ],
  },
  response: {
    versions: "0-5",
    flexible: "4+",
    fields: [
      field("throttleTimeMs", "int32", "1+"),
      field("errorCode", "int16", "0+"),
      field(
        "members",
        array(struct("MemberResponse", [
          field("memberId", "string", "3+"),
          field("groupInstanceId", "string", "3+", { nullable: "3+" }),
          field("errorCode", "int16", "3+"),
        ])),
        "3+",
      ),
    ],
  },
});
