/** DeleteRecords (21): moves partitions' log start offsets forward, dropping older records (KIP-107). */
import { api, array, field, struct } from "./dsl.ts";

export const schema = api({
  key: 21,
  name: "DeleteRecords",
  listeners: ["broker"],
  request: {
    versions: "0-2",
    flexible: "2+",
    fields: [
      field(
        "topics",
        array(struct("DeleteRecordsTopic", [
          field("name", "string", "0+"),
          field(
            "partitions",
            array(struct("DeleteRecordsPartition", [
              field("partitionIndex", "int32", "0+"),
              field("offset", "int64", "0+"),
            ])),
            "0+",
          ),
        ])),
        "0+",
      ),
      field("timeoutMs", "int32", "0+"),
    ],
  },
  response: {
    versions: "0-2",
    flexible: "2+",
    fields: [
      field("throttleTimeMs", "int32", "0+"),
      field(
        "topics",
        array(struct("DeleteRecordsTopicResult", [
          field("name", "string", "0+"),
          field(
            "partitions",
            array(struct("DeleteRecordsPartitionResult", [
              field("partitionIndex", "int32", "0+"),
              field("lowWatermark", "int64", "0+"),
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
