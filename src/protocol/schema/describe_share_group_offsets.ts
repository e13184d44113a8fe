/** DescribeShareGroupOffsets (90): reports the share-partition start offsets of share groups (KIP-932). */
import { api, array, field, struct } from "./dsl.ts";

export const schema = api({
  key: 90,
  name: "DescribeShareGroupOffsets",
  listeners: ["broker"],
  request: {
    versions: "0",
    flexible: "0+",
    fields: [
      field(
        "groups",
        array(struct("DescribeShareGroupOffsetsRequestGroup", [
          field("groupId", "string", "0+"),
          field(
            "topics",
            array(struct("DescribeShareGroupOffsetsRequestTopic", [
              field("topicName", "string", "0+"),
              field("partitions", array("int32"), "0+"),
            ])),
            "0+",
            { nullable: "0+" },
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
      field(
        "groups",
        array(struct("DescribeShareGroupOffsetsResponseGroup", [
          field("groupId", "string", "0+"),
          field(
            "topics",
            array(struct("DescribeShareGroupOffsetsResponseTopic", [
              field("topicName", "string", "0+"),
              field("topicId", "uuid", "0+"),
              field(
                "partitions",
                array(struct("DescribeShareGroupOffsetsResponsePartition", [
                  field("partitionIndex", "int32", "0+"),
                  field("startOffset", "int64", "0+"),
                  field("leaderEpoch", "int32", "0+"),
                  field("errorCode", "int16", "0+"),
                  field("errorMessage", "string", "0+", { nullable: "0+", default: null }),
                ])),
                "0+",
              ),
            ])),
            "0+",
          ),
          field("errorCode", "int16", "0+"),
          field("errorMessage", "string", "0+", { nullable: "0+", default: null }),
        ])),
        "0+",
      ),
    ],
  },
});
