/** AlterReplicaLogDirs (34): moves partition replicas between log directories of a broker (KIP-113). */
import { api, array, field, struct } from "./dsl.ts";

export const schema = api({
  key: 34,
  name: "AlterReplicaLogDirs",
  listeners: ["broker"],
  request: {
    versions: "0-2",
    flexible: "2+",
    fields: [
      field(
        "dirs",
        array(struct("AlterReplicaLogDir", [
          field("path", "string", "0+"),
          field(
            "topics",
            array(struct("AlterReplicaLogDirTopic", [
              field("name", "string", "0+"),
              field("partitions", array("int32"), "0+"),
            ])),
            "0+",
          ),
        ])),
        "0+",
      ),
    ],
  },
  response: {
    versions: "0-2",
    flexible: "2+",
    fields: [
      field("throttleTimeMs", "int32", "0+"),
      field(
        "results",
        array(struct("AlterReplicaLogDirTopicResult", [
          field("topicName", "string", "0+"),
          field(
            "partitions",
            array(struct("AlterReplicaLogDirPartitionResult", [
              field("partitionIndex", "int32", "0+"),
              field("errorCode", "int16", "0+"),
            ])),
            "0+",
          ),
        ])),
        "0+",
      ),
    ],
  },
});
