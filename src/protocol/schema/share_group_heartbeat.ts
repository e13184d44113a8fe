/** ShareGroupHeartbeat (76): join, stay in and leave a share group and receive its partition assignment (KIP-932). */
import { api, array, field, struct } from "./dsl.ts";

export const schema = api({
  key: 76,
  name: "ShareGroupHeartbeat",
  listeners: ["broker"],
  request: {
    versions: "1",
    flexible: "0+",
    fields: [
      field("groupId", "string", "0+"),
      field("memberId", "string", "0+"),
      field("memberEpoch", "int32", "0+"),
      field("rackId", "string", "0+", { nullable: "0+", default: null }),
      field("subscribedTopicNames", array("string"), "0+", { nullable: "0+", default: null }),
    ],
  },
  response: {
    versions: "1",
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
          field(
            "topicPartitions",
            array(struct("TopicPartitions", [
              field("topicId", "uuid", "0+"),
              field("partitions", array("int32"), "0+"),
            ])),
            "0+",
          ),
        ]),
        "0+",
        { nullable: "0+", default: null },
      ),
    ],
  },
});
