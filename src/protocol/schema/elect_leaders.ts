/** ElectLeaders (43): triggers preferred or unclean leader election for partitions (KIP-183, election types from KIP-460). */
import { api, array, field, struct } from "./dsl.ts";

export const schema = api({
  key: 43,
  name: "ElectLeaders",
  listeners: ["broker", "controller"],
  request: {
    versions: "0-2",
    flexible: "2+",
    fields: [
      field("electionType", "int8", "1+"),
      field(
        "topicPartitions",
        array(struct("TopicPartitions", [
          field("topic", "string", "0+"),
          field("partitions", array("int32"), "0+"),
        ])),
        "0+",
        { nullable: "0+" },
      ),
      field("timeoutMs", "int32", "0+", { default: 60000 }),
    ],
  },
  response: {
    versions: "0-2",
    flexible: "2+",
    fields: [
      field("throttleTimeMs", "int32", "0+"),
      field("errorCode", "int16", "1+"),
      field(
        "replicaElectionResults",
        array(struct("ReplicaElectionResult", [
          field("topic", "string", "0+"),
          field(
            "partitionResult",
            array(struct("PartitionResult", [
              field("partitionId", "int32", "0+"),
              field("errorCode", "int16", "0+"),
              field("errorMessage", "string", "0+", { nullable: "0+" }),
            ])),
            "0+",
          ),
        ])),
        "0+",
      ),
    ],
  },
});
