/** FetchSnapshot (59): a KRaft follower or observer downloads a metadata log snapshot from the leader in chunks (KIP-630; directory id and leader endpoints from KIP-853). */
import { api, array, field, struct } from "./dsl.ts";

const snapshotId = struct("SnapshotId", [
  field("endOffset", "int64", "0+"),
  field("epoch", "int32", "0+"),
]);

export const schema = api({
  key: 59,
  name: "FetchSnapshot",
  listeners: ["controller"],
  request: {
    versions: "0-1",
    flexible: "0+",
    fields: [
      field("clusterId", "string", "0+", { nullable: "0+", default: null, tagged: "0+", tag: 0 }),
      field("replicaId", "int32", "0+", { default: -1 }),
      field("maxBytes", "int32", "0+", { default: 0x7fffffff }),
      field(
        "topics",
        array(struct("TopicSnapshot", [
          field("name", "string", "0+"),
          field(
            "partitions",
            array(struct("PartitionSnapshot", [
              field("partition", "int32", "0+"),
              field("currentLeaderEpoch", "int32", "0+"),
              field("snapshotId", snapshotId, "0+"),
              field("position", "int64", "0+"),
              field("replicaDirectoryId", "uuid", "1+", { tagged: "1+", tag: 0 }),
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
      field("errorCode", "int16", "0+"),
      field(
        "topics",
        array(struct("TopicSnapshot", [
          field("name", "string", "0+"),
          field(
            "partitions",
            array(struct("PartitionSnapshot", [
              field("index", "int32", "0+"),
              field("errorCode", "int16", "0+"),
              field("snapshotId", snapshotId, "0+"),
              field(
                "currentLeader",
                struct("LeaderIdAndEpoch", [
                  field("leaderId", "int32", "0+"),
                  field("leaderEpoch", "int32", "0+"),
                ]),
                "0+",
                { tagged: "0+", tag: 0 },
              ),
              field("size", "int64", "0+"),
              field("position", "int64", "0+"),
              field("unalignedRecords", "records", "0+"),
            ])),
            "0+",
          ),
        ])),
        "0+",
      ),
      field(
        "nodeEndpoints",
        array(struct("NodeEndpoint", [
          field("nodeId", "int32", "1+"),
          field("host", "string", "1+"),
          field("port", "uint16", "1+"),
        ])),
        "1+",
        { tagged: "1+", tag: 0 },
      ),
    ],
  },
});
