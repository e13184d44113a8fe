/** AssignReplicasToDirs (73): a broker tells the controller which log directory holds each of its replicas (KIP-858, JBOD in KRaft). */
import { api, array, field, struct } from "./dsl.ts";

export const schema = api({
  key: 73,
  name: "AssignReplicasToDirs",
  listeners: ["controller"],
  request: {
    versions: "0",
    flexible: "0+",
    fields: [
      field("brokerId", "int32", "0+"),
      field("brokerEpoch", "int64", "0+", { default: -1 }),
      field(
        "directories",
        array(struct("DirectoryData", [
          field("id", "uuid", "0+"),
          field(
            "topics",
            array(struct("TopicData", [
              field("topicId", "uuid", "0+"),
              field(
                "partitions",
                array(struct("PartitionData", [
                  field("partitionIndex", "int32", "0+"),
                ])),
                "0+",
              ),
            ])),
            "0+",
          ),
        ])),
        "0+",
      ),
    ],
  },
  response: {
    versions: "0",
    flexible: "0+",
    fields: [
      field("throttleTimeMs", "int32", "0+"),
      field("errorCode", "int16", "0+"),
      field(
        "directories",
        array(struct("DirectoryData", [
          field("id", "uuid", "0+"),
          field(
            "topics",
            array(struct("TopicData", [
              field("topicId", "uuid", "0+"),
              field(
                "partitions",
                array(struct("PartitionData", [
                  field("partitionIndex", "int32", "0+"),
                  field("errorCode", "int16", "0+"),
                ])),
                "0+",
              ),
            ])),
            "0+",
          ),
        ])),
        "0+",
      ),
    ],
  },
});
