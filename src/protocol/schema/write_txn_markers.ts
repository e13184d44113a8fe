/** WriteTxnMarkers (27): coordinator asks leaders to append commit/abort markers (KIP-98). */
import { api, array, field, struct } from "./dsl.ts";

export const schema = api({
  key: 27,
  name: "WriteTxnMarkers",
  listeners: ["broker"],
  request: {
    versions: "0-1",
    flexible: "1+",
    fields: [
      field(
        "markers",
        array(struct("WritableTxnMarker", [
          field("producerId", "int64", "0+"),
          field("producerEpoch", "int16", "0+"),
          field("transactionResult", "bool", "0+"),
          field(
            "topics",
            array(struct("WritableTxnMarkerTopic", [
              field("name", "string", "0+"),
              field("partitionIndexes", array("int32"), "0+"),
            ])),
            "0+",
          ),
          field("coordinatorEpoch", "int32", "0+"),
        ])),
        "0+",
      ),
    ],
  },
  response: {
    versions: "0-1",
    flexible: "1+",
    fields: [
      field(
        "markers",
        array(struct("WritableTxnMarkerResult", [
          field("producerId", "int64", "0+"),
          field(
            "topics",
            array(struct("WritableTxnMarkerTopicResult", [
              field("name", "string", "0+"),
              field(
                "partitions",
                array(struct("WritableTxnMarkerPartitionResult", [
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
