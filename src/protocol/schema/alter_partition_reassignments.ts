/** AlterPartitionReassignments (45): starts or cancels moving partition replicas to other brokers (KIP-455; replication-factor guard from KIP-860). */
import { api, array, field, struct } from "./dsl.ts";

export const schema = api({
  key: 45,
  name: "AlterPartitionReassignments",
  listeners: ["broker", "controller"],
  request: {
    versions: "0-1",
    flexible: "0+",
    fields: [
      field("timeoutMs", "int32", "0+", { default: 60000 }),
      field("allowReplicationFactorChange", "bool", "1+", { default: true }),
      field(
        "topics",
        array(struct("ReassignableTopic", [
          field("name", "string", "0+"),
          field(
            "partitions",
            array(struct("ReassignablePartition", [
              field("partitionIndex", "int32", "0+"),
              field("replicas", array("int32"), "0+", { nullable: "0+", default: null }),
            ])),
            "0+",
          ),
        ])),
        "0+",
      ),
    ],
  },
  response: {
    versions: "0-1",
    flexible: "0+",
    fields: [
      field("throttleTimeMs", "int32", "0+"),
      field("allowReplicationFactorChange", "bool", "1+", { default: true }),
      field("errorCode", "int16", "0+"),
      field("errorMessage", "string", "0+", { nullable: "0+" }),
      field(
        "responses",
        array(struct("ReassignableTopicResponse", [
          field("name", "string", "0+"),
          field(
            "partitions",
            array(struct("ReassignablePartitionResponse", [
              field("partitionIndex", "int32", "0+"),
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
