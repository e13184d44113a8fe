/**
 * DescribeCluster (60), v0-2: cluster id, controller (this node) and brokers.
 * endpoint_type 2 (controllers) is answered with the same node, since a single
 * node is its own controller. No fenced brokers exist here.
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { CLUSTER_OPS, NO_OPS } from "../acl_ops.ts";
import { handler } from "../handler.ts";

export const describeClusterHandler = handler(60, { min: 0, max: 2 }, (ctx, req) => {
  const broker = ctx.broker;
  const endpointType = req.endpointType === 0 ? 1 : req.endpointType;
  if (endpointType !== 1 && endpointType !== 2) {
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.UNSUPPORTED_ENDPOINT_TYPE,
      errorMessage: `Unknown endpoint type ${req.endpointType}`,
      endpointType: req.endpointType,
      clusterId: broker.clusterId,
      controllerId: -1,
      brokers: [],
      clusterAuthorizedOperations: NO_OPS,
    };
  }
  return {
    throttleTimeMs: 0,
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    endpointType,
    clusterId: broker.clusterId,
    controllerId: broker.config.nodeId,
    brokers: [...broker.image.brokers.values()].map((b) => ({
      brokerId: b.nodeId,
      host: b.host,
      port: b.port,
      rack: b.rack,
      isFenced: false,
    })),
    clusterAuthorizedOperations: req.includeClusterAuthorizedOperations ? CLUSTER_OPS : NO_OPS,
  };
});
