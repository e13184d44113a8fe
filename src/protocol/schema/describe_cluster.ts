/** DescribeCluster (60): returns the cluster id, controller and broker (or controller) endpoints to admin clients (KIP-700, KIP-919 endpoint type, KIP-1073 fenced brokers). */
import { api, array, field, struct } from "./dsl.ts";

export const schema = api({
  key: 60,
  name: "DescribeCluster",
  listeners: ["broker", "controller"],
  request: {
    versions: "0-2",
    flexible: "0+",
    fields: [
      field("includeClusterAuthorizedOperations", "bool", "0+"),
      field("endpointType", "int8", "1+", { default: 1 }),
      field("includeFencedBrokers", "bool", "2+"),
    ],
  },
  response: {
    versions: "0-2",
    flexible: "0+",
    fields: [
      field("throttleTimeMs", "int32", "0+"),
      field("errorCode", "int16", "0+"),
      field("errorMessage", "string", "0+", { nullable: "0+", default: null }),
      field("endpointType", "int8", "1+", { default: 1 }),
      field("clusterId", "string", "0+"),
      field("controllerId", "int32", "0+", { default: -1 }),
      field(
        "brokers",
        array(struct("DescribeClusterBroker", [
          field("brokerId", "int32", "0+"),
          field("host", "string", "0+"),
          field("port", "int32", "0+"),
          field("rack", "string", "0+", { nullable: "0+", default: null }),
          field("isFenced", "bool", "2+"),
        ])),
        "0+",
      ),
      field("clusterAuthorizedOperations", "int32", "0+", { default: -2147483648 }),
    ],
  },
});
