/** ConsumerGroupHeartbeat (68): join, stay in and leave a consumer group under the server-driven rebalance protocol (KIP-848, KIP-1082). */
import { api, array, field, struct } from "./dsl.ts";

const topicPartitions = struct("TopicPartitions", [
  field("topicId", "uuid", "0+"),
  field("partitions", array("int32"), "0+"),
]);

export const schema = api({
  key: 68,
  name: "ConsumerGroupHeartbeat",
  listeners: ["broker"],
  request: {
    versions: "0-1",
    flexible: "0+",
    fields: [
      field("groupId", "string", "0+"),
      field("memberId", "string", "0+"),
      field("memberEpoch", "int32", "0+"),
      field("instanceId", "string", "0+", { nullable: "0+", default: null }),
      field("rackId", "string", "0+", { nullable: "0+", default: null }),
      field("rebalanceTimeoutMs", "int32", "0+", { default: -1 }),
      field("subscribedTopicNames", array("string"), "0+", { nullable: "0+", default: null }),
      field("subscribedTopicRegex", "string", "1+", { nullable: "1+", default: null }),
      field("serverAssignor", "string", "0+", { nullable: "0+", default: null }),
      field("topicPartitions", array(topicPartitions), "0+", { nullable: "0+", default: null }),
    ],
  },
  response: {
    versions: "0-1",
    flexible: "0+",
    fields: [
      field("throttleTimeMs", "int32", "0+"),
      field("errorCode", "int16", "0+"),
      field("errorMessage", "string", "0+", { nullable: "0+", default: null }),
      field("memberId", "string", "0+", { nullable: "0+", default: null }),
      field("memberEpoch", "int32", "0+"),
      field("heartbeatIntervalMs", "int32", "0+"),
      field(
        "assignment",
        struct("Assignment", [
          field("topicPartitions", array(topicPartitions), "0+"),
        ]),
        "0+",
        { nullable: "0+", default: null },
      ),
    ],
  },
});
