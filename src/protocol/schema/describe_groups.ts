/** DescribeGroups (15): state, protocol and members of classic groups (KIP-345, KIP-430, KIP-482, KIP-1043). */
import { api, array, field, struct } from "./dsl.ts";

export const schema = api({
  key: 15,
  name: "DescribeGroups",
  listeners: ["broker"],
  request: {
    versions: "0-6",
    flexible: "5+",
    fields: [
      field("groups", array("string"), "0+"),
      field("includeAuthorizedOperations", "bool", "3+"),
    ],
  },
  response: {
    versions: "0-6",
    flexible: "5+",
    fields: [
      field("throttleTimeMs", "int32", "1+"),
      field(
        "groups",
        array(struct("DescribedGroup", [
          field("errorCode", "int16", "0+"),
          field("errorMessage", "string", "6+", { nullable: "6+", default: null }),
          field("groupId", "string", "0+"),
          field("groupState", "string", "0+"),
          field("protocolType", "string", "0+"),
          field("protocolData", "string", "0+"),
          field(
            "members",
            array(struct("DescribedGroupMember", [
              field("memberId", "string", "0+"),
              field("groupInstanceId", "string", "4+", { nullable: "4+", default: null }),
              field("clientId", "string", "0+"),
              field("clientHost", "string", "0+"),
              field("memberMetadata", "bytes", "0+"),
              field("memberAssignment", "bytes", "0+"),
            ])),
            "0+",
          ),
          field("authorizedOperations", "int32", "3+", { default: -2147483648 }),
        ])),
        "0+",
      ),
    ],
  },
});
