/** OffsetCommit (8): a group member stores consumed offsets with its coordinator (KIP-98, KIP-211, KIP-320, KIP-345, KIP-482, KIP-848). */
import { api, array, field, struct } from "./dsl.ts";

export const schema = api({
  key: 8,
  name: "OffsetCommit",
  listeners: ["broker"],
  request: {
    versions: "0-9",
    flexible: "8+",
    fields: [
      field("groupId", "string", "0+"),
      field("generationIdOrMemberEpoch", "int32", "1+", { default: -1 }),
      field("memberId", "string", "1+"),
      field("groupInstanceId", "string", "7+", { nullable: "7+", default: null }),
      field("retentionTimeMs", "int64", "2-4", { default: -1 }),
      field(
        "topics",
        array(struct("OffsetCommitRequestTopic", [
          field("name", "string", "0+"),
          field(
            "partitions",
            array(struct("OffsetCommitRequestPartition", [
              field("partitionIndex", "int32", "0+"),
              field("committedOffset", "int64", "0+"),
              field("committedLeaderEpoch", "int32", "6+", { default: -1 }),
              field("commitTimestamp", "int64", "1", { default: -1 }),
              field("committedMetadata", "string", "0+", { nullable: "0+" }),
            ])),
            "0+",
          ),
        ])),
        "0+",
      ),
    ],
  },
  response: {
    versions: "0-9",
    flexible: "8+",
    fields: [
      field("throttleTimeMs", "int32", "3+"),
      field(
        "topics",
        array(struct("OffsetCommitResponseTopic", [
          field("name", "string", "0+"),
          field(
            "partitions",
            array(struct("OffsetCommitResponsePartition", [
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
