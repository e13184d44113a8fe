/** JoinGroup (11): a member joins a classic group and the coordinator elects a leader and protocol (KIP-62, KIP-345, KIP-394, KIP-559, KIP-800, KIP-814). */
import { api, array, field, struct } from "./dsl.ts";

export const schema = api({
  key: 11,
  name: "JoinGroup",
  listeners: ["broker"],
  request: {
    versions: "0-9",
    flexible: "6+",
    fields: [
      field("groupId", "string", "0+"),
      field("sessionTimeoutMs", "int32", "0+"),
      field("rebalanceTimeoutMs", "int32", "1+", { default: -1 }),
      field("memberId", "string", "0+"),
      field("groupInstanceId", "string", "5+", { nullable: "5+", default: null }),
      field("protocolType", "string", "0+"),
      field(
        "protocols",
        array(struct("JoinGroupRequestProtocol", [
          field("name", "string", "0+"),
          field("metadata", "bytes", "0+"),
        ])),
        "0+",
      ),
      field("reason", "string", "8+", { nullable: "8+", default: null }),
    ],
  },
  response: {
    versions: "0-9",
    flexible: "6+",
    fields: [
      field("throttleTimeMs", "int32", "2+"),
      field("errorCode", "int16", "0+"),
      field("generationId", "int32", "0+", { default: -1 }),
      field("protocolType", "string", "7+", { nullable: "7+", default: null }),
      field("protocolName", "string", "0+", { nullable: "7+" }),
      field("leader", "string", "0+"),
      field("skipAssignment", "bool", "9+", { default: false }),
      field("memberId", "string", "0+"),
      field(
        "members",
        array(struct("JoinGroupResponseMember", [
          field("memberId", "string", "0+"),
          field("groupInstanceId", "string", "5+", { nullable: "5+", default: null }),
          field("metadata", "bytes", "0+"),
        ])),
        "0+",
      ),
    ],
  },
});
