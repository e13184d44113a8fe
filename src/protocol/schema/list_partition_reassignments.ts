/** ListPartitionReassignments (46): reports the replica reassignments still in progress (KIP-455). */
import { api, array, field, struct } from "./dsl.ts";

export const schema = api({
  key: 46,
  name: "ListPartitionReassignments",
  listeners: ["broker", "controller"],
  request: {
    versions: "0",
    flexible: "0+",
    fields: [
      field("timeoutMs", "int32", "0+", { default: 60000 }),
      field(
        "topics",
        array(struct("ListPartitionReassignmentsTopics", [
          field("name", "string", "0+"),
          field("partitionIndexes", array("int32"), "0+"),
        ])),
        "0+",
        { nullable: "0+", default: null },
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
      field(
        "topics",
        array(struct("OngoingTopicReassignment", [
          field("name", "string", "0+"),
          field(
            "partitions",
            array(struct("OngoingPartitionReassignment", [
              field("partitionIndex", "int32", "0+"),
              field("replicas", array("int32"), "0+"),
              field("addingReplicas", array("int32"), "0+"),
              field("removingReplicas", array("int32"), "0+"),
            ])),
            "0+",
          ),
        ])),
        "0+",
      ),
    ],
  },
});
