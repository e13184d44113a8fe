/** CreatePartitions (37): raises the partition count of existing topics, optionally placing the new replicas (KIP-195, KIP-599 throttling in v3). */
import { api, array, field, struct } from "./dsl.ts";

export const schema = api({
  key: 37,
  name: "CreatePartitions",
  listeners: ["broker", "controller"],
  request: {
    versions: "0-3",
    flexible: "2+",
    fields: [
      field(
        "topics",
        array(struct("CreatePartitionsTopic", [
          field("name", "string", "0+"),
          field("count", "int32", "0+"),
          field(
            "assignments",
            array(struct("CreatePartitionsAssignment", [
              field("brokerIds", array("int32"), "0+"),
            ])),
            "0+",
            { nullable: "0+" },
          ),
        ])),
        "0+",
      ),
      field("timeoutMs", "int32", "0+"),
      field("validateOnly", "bool", "0+"),
    ],
  },
  response: {
    versions: "0-3",
    flexible: "2+",
    fields: [
      field("throttleTimeMs", "int32", "0+"),
      field(
        "results",
        array(struct("CreatePartitionsTopicResult", [
          field("name", "string", "0+"),
          field("errorCode", "int16", "0+"),
          field("errorMessage", "string", "0+", { nullable: "0+", default: null }),
        ])),
        "0+",
      ),
    ],
  },
});
