/**
 * FindCoordinator (10), v0-6: where a group's coordinator is.
 * - Groups (key_type 0): the leader of the group's partition of
 *   `__consumer_offsets` (`abs(javaHash(group)) % partitions`); the topic is
 *   created on first use, so the first answer already names the coordinator.
 * - v0-3 carry one key and answer at the top level; v4+ batch keys
 *   (`coordinator_keys`) with an entry per key.
 * - key_type 1 (transactions) answers COORDINATOR_NOT_AVAILABLE: there is no
 *   transaction coordinator yet, and naming a node that cannot serve the
 *   transactional id would be wrong. key_type 2 (share groups, v6) and
 *   unknown types answer INVALID_REQUEST.
 * Not implemented: transaction and share-group coordinators.
 */
import { ErrorCode } from "../../protocol/errors.ts";
import type { FindCoordinatorResponseCoordinator } from "../../protocol/generated/mod.ts";
import type { RequestContext } from "../handler.ts";
import { handler } from "../handler.ts";

function failed(
  key: string,
  errorCode: number,
  errorMessage: string,
): FindCoordinatorResponseCoordinator {
  return { key, nodeId: -1, host: "", port: -1, errorCode, errorMessage };
}

async function lookup(
  ctx: RequestContext,
  key: string,
  keyType: number,
): Promise<FindCoordinatorResponseCoordinator> {
  const broker = ctx.broker;
  if (keyType === 1) {
    return failed(key, ErrorCode.COORDINATOR_NOT_AVAILABLE, "transactions are not supported");
  }
  if (keyType !== 0) {
    return failed(key, ErrorCode.INVALID_REQUEST, `unsupported coordinator key type ${keyType}`);
  }
  const found = await broker.groups.coordinatorOf(key);
  if (found.errorCode !== ErrorCode.NONE) {
    return failed(key, found.errorCode, "the group coordinator is not available");
  }
  if (found.nodeId === broker.config.nodeId) {
    const self = broker.advertisedEndpoint();
    return {
      key,
      nodeId: found.nodeId,
      host: self.host,
      port: self.port,
      errorCode: 0,
      errorMessage: null,
    };
  }
  const b = broker.image.brokers.get(found.nodeId);
  if (!b) {
    return failed(key, ErrorCode.COORDINATOR_NOT_AVAILABLE, "the coordinator is not registered");
  }
  return { key, nodeId: b.nodeId, host: b.host, port: b.port, errorCode: 0, errorMessage: null };
}

export const findCoordinatorHandler = handler(10, { min: 0, max: 6 }, async (ctx, req) => {
  const v = ctx.header.apiVersion;
  const keyType = v >= 1 ? req.keyType : 0;
  if (v >= 4) {
    const coordinators = await Promise.all(req.coordinatorKeys.map((k) => lookup(ctx, k, keyType)));
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      nodeId: -1,
      host: "",
      port: -1,
      coordinators,
    };
  }
  const c = await lookup(ctx, req.key, keyType);
  return {
    throttleTimeMs: 0,
    errorCode: c.errorCode,
    errorMessage: c.errorMessage,
    nodeId: c.nodeId,
    host: c.host,
    port: c.port,
    coordinators: [],
  };
});
