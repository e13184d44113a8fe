/** ConsumerGroupDescribe (69): epochs, assignor and member assignments of consumer-protocol groups (KIP-848, KIP-1099). */
import { api, array, field, struct } from "./dsl.ts";

const topicPartitions = struct("TopicPartitions", [
  field("topicId", "uuid", "0+"),
  field("topicName", "string", "0+"),
  field("partitions", array("int32"), "0+"),
]);

const assignment = struct("Assignment", [
  field("topicPartitions", array(topicPartitions), "0+"),
]);

export const schema = api({
  key: 69,
  name: "ConsumerGroupDescribe",
  listeners: ["broker"],
  request: {
    versions: "0-1",
    flexible: "0+",
    fields: [
      field("groupIds", array("string"), "0+"),
      field("includeAuthorizedOperations", "bool", "0+"),
    ],
  },
  response: {
    versions: "0-1",
    flexible: "0+",
    fields: [
      field("throttleTimeMs", "int32", "0+"),
      field(
        "groups",
        array(struct("DescribedGroup", [
          field("errorCode", "int16", "0+"),
          field("errorMessage", "string", "0+", { nullable: "0+", default: null }),
          field("groupId", "string", "0+"),
          field("groupState", "string", "0+"),
          field("groupEpoch", "int32", "0+"),
          field("assignmentEpoch", "int32", "0+"),
          field("assignorName", "string", "0+"),
          field(
            "members",
            array(struct("Member", [
              field("memberId", "string", "0+"),
              field("instanceId", "string", "0+", { nullable: "0+", default: null }),
              field("rackId", "string", "0+", { nullable: "0+", default: null }),
              field("memberEpoch", "int32", "0+"),
              field("clientId", "string", "0+"),
              field("clientHost", "string", "0+"),
              field("subscribedTopicNames", array("string"), "0+"),
              field("subscribedTopicRegex", "string", "0+", { nullable: "0+", default: null }),
              field("assignment", assignment, "0+"),
              field("targetAssignment", assignment, "0+"),
              field("memberType", "int8", "1+", { default: -1 }),
            ])),
            "0+",
          ),
          field("authorizedOperations", "int32", "0+", { default: -2147483648 }),
        ])),
        "0+",
      ),
    ],
  },
});
