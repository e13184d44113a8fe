/**
 * The admin writes as requests to a controller: CreateTopics (19),
 * DeleteTopics (20) and CreatePartitions (37), each mapped from its decoded
 * request to the controller call and from the call's results to the response
 * body. Two places serve them: the client-facing handlers (handlers/, against
 * whatever controller the broker uses) and the active controller answering
 * what brokers forward (controller_rpc.ts, against its local Controller), so
 * the mapping lives here once; the options carry what differs between them.
 */
import { ErrorCode } from "../protocol/errors.ts";
import type {
  CreatePartitionsRequest,
  CreatePartitionsResponse,
  CreateTopicsRequest,
  CreateTopicsResponse,
  CreateTopicsResponseCreatableTopicConfigs,
  DeleteTopicsRequest,
  DeleteTopicsResponse,
} from "../protocol/generated/mod.ts";
import type { ClusterController } from "./remote_controller.ts";

export interface CreateTopicsOptions {
  /**
   * The configs to report for a topic the request created (v5+ results);
   * without it, and for every topic not created, configs are null.
   */
  createdConfigs?: (name: string) => CreateTopicsResponseCreatableTopicConfigs[];
}

/** CreateTopics: creates (or, validate_only, checks) the request's topics. */
export async function createTopics(
  controller: Pick<ClusterController, "createTopics">,
  req: CreateTopicsRequest,
  opts: CreateTopicsOptions = {},
): Promise<CreateTopicsResponse> {
  const results = await controller.createTopics(
    req.topics.map((t) => ({
      name: t.name,
      numPartitions: t.numPartitions,
      replicationFactor: t.replicationFactor,
      assignments: t.assignments,
      configs: t.configs,
    })),
    req.validateOnly,
  );
  return {
    throttleTimeMs: 0,
    topics: results.map((r) => ({
      name: r.name,
      topicId: r.topicId,
      errorCode: r.errorCode,
      errorMessage: r.errorMessage,
      topicConfigErrorCode: ErrorCode.NONE,
      numPartitions: r.numPartitions,
      replicationFactor: r.replicationFactor,
      configs: opts.createdConfigs && r.errorCode === ErrorCode.NONE
        ? opts.createdConfigs(r.name)
        : null,
    })),
  };
}

/**
 * DeleteTopics: deletes the request's topics, taken from `topics[]` (by name
 * or id) when `byTopics`, else from `topic_names`.
 */
export async function deleteTopics(
  controller: Pick<ClusterController, "deleteTopics">,
  req: DeleteTopicsRequest,
  byTopics: boolean,
): Promise<DeleteTopicsResponse> {
  const wanted = byTopics
    ? req.topics.map((t) => ({ name: t.name, topicId: t.topicId }))
    : req.topicNames.map((name) => ({ name, topicId: null }));
  const results = await controller.deleteTopics(wanted);
  return {
    throttleTimeMs: 0,
    responses: results.map((r) => ({
      name: r.name,
      topicId: r.topicId,
      errorCode: r.errorCode,
      errorMessage: r.errorMessage,
    })),
  };
}

/** CreatePartitions: grows (or, validate_only, checks) the request's topics. */
export async function createPartitions(
  controller: Pick<ClusterController, "createPartitions">,
  req: CreatePartitionsRequest,
): Promise<CreatePartitionsResponse> {
  const results = await controller.createPartitions(
    req.topics.map((t) => ({
      name: t.name,
      count: t.count,
      assignments: t.assignments === null ? null : t.assignments.map((a) => a.brokerIds),
    })),
    req.validateOnly,
  );
  return {
    throttleTimeMs: 0,
    results: results.map((r) => ({
      name: r.name,
      errorCode: r.errorCode,
      errorMessage: r.errorMessage,
    })),
  };
}
