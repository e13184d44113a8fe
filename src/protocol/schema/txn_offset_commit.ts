/** TxnOffsetCommit (28): stages group offsets within a transaction (KIP-98, KIP-447, KIP-890). */
import { api, array, field, struct } from "./dsl.ts";

export const schema = api({
  key: 28,
  name: "TxnOffsetCommit",
  listeners: ["broker"],
  request: {
    versions: "0-5",
    flexible: "3+",
    fields: [
      field("transactionalId", "string", "0+"),
      field("groupId", "string", "0+"),
      field("producerId", "int64", "0+"),
      field("producerEpoch", "int16", "0+"),
      field("generationId", "int32", "3+", { default: -1 }),
      field("memberId", "string", "3+", { default: "" }),
      field("groupInstanceId", "string", "3+", { nullable: "3+", default: null }),
      field(
        "topics",
        array(struct("TxnOffsetCommitRequestTopic", [
          field("name", "string", "0+"),
          field(
            "partitions",
            array(struct("TxnOffsetCommitRequestPartition", [
              field("partitionIndex", "int32", "0+"),
              field("committedOffset", "int64", "0+"),
              field("committedLeaderEpoch", "int32", "2+", { default: -1 }),
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
    versions: "0-5",
    flexible: "3+",
    fields: [
      field("throttleTimeMs", "int32", "0+"),
      field(
        "topics",
        array(struct("TxnOffsetCommitResponseTopic", [
          field("name", "string", "0+"),
          field(
            "partitions",
            array(struct("TxnOffsetCommitResponsePartition", [
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
