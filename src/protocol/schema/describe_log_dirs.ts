/** DescribeLogDirs (35): lists a broker's log directories with their replicas and sizes (KIP-113; disk totals from KIP-827). */
import { api, array, field, struct } from "./dsl.ts";

export const schema = api({
  key: 35,
  name: "DescribeLogDirs",
  listeners: ["broker"],
  request: {
    versions: "0-4",
    flexible: "2+",
    fields: [
      field(
        "topics",
        array(struct("DescribableLogDirTopic", [
          field("topic", "string", "0+"),
          field("partitions", array("int32"), "0+"),
        ])),
        "0+",
        { nullable: "0+" },
      ),
    ],
  },
  response: {
    versions: "0-4",
    flexible: "2+",
    fields: [
      field("throttleTimeMs", "int32", "0+"),
      field("errorCode", "int16", "3+"),
      field(
        "results",
        array(struct("DescribeLogDirsResult", [
          field("errorCode", "int16", "0+"),
          field("logDir", "string", "0+"),
          field(
            "topics",
            array(struct("DescribeLogDirsTopic", [
              field("name", "string", "0+"),
              field(
                "partitions",
                array(struct("DescribeLogDirsPartition", [
                  field("partitionIndex", "int32", "0+"),
                  field("partitionSize", "int64", "0+"),
                  field("offsetLag", "int64", "0+"),
                  field("isFutureKey", "bool", "0+"),
                ])),
                "0+",
              ),
            ])),
            "0+",
          ),
          field("totalBytes", "int64", "4+", { default: -1 }),
          field("usableBytes", "int64", "4+", { default: -1 }),
        ])),
        "0+",
      ),
    ],
  },
});
