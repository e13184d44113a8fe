/**
 * Config resources shared by DescribeConfigs, AlterConfigs and
 * IncrementalAlterConfigs: Kafka's resource type ids, which resources this
 * broker owns, and the validation of one change.
 */
import { ErrorCode } from "../protocol/errors.ts";
import type { ConfigChange, OpResult } from "../metadata/controller.ts";
import type { ConfigResourceType } from "../metadata/records.ts";
import { topicConfigDefs, validateTopicConfig } from "../metadata/topic_configs.ts";
import { topicNameError } from "../metadata/topic_name.ts";
import type { Broker } from "./broker.ts";
import { dynamicBrokerConfigs } from "./configs.ts";

/** Kafka's ConfigResource.Type ids. */
export const ResourceType = {
  TOPIC: 2,
  BROKER: 4,
  BROKER_LOGGER: 8,
  CLIENT_METRICS: 16,
  GROUP: 32,
} as const;

export type ResolvedResource = { type: ConfigResourceType; name: string } | OpResult;

/** Maps a request resource to ours, or to the error Kafka gives for it. */
export function resolveResource(
  broker: Broker,
  resourceType: number,
  resourceName: string,
): ResolvedResource {
  if (resourceType === ResourceType.TOPIC) {
    const err = topicNameError(resourceName);
    if (err) return { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, errorMessage: err };
    if (!broker.image.topic(resourceName)) {
      return {
        errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        errorMessage: `Topic '${resourceName}' does not exist.`,
      };
    }
    return { type: "topic", name: resourceName };
  }
  if (resourceType === ResourceType.BROKER) {
    if (resourceName !== "" && resourceName !== String(broker.config.nodeId)) {
      return {
        errorCode: ErrorCode.INVALID_REQUEST,
        errorMessage:
          `Unexpected broker id, expected ${broker.config.nodeId} or empty string, but received ${resourceName}`,
      };
    }
    return { type: "broker", name: resourceName };
  }
  return {
    errorCode: ErrorCode.INVALID_REQUEST,
    errorMessage: `Unsupported resource type ${resourceType}`,
  };
}

const listConfigs = new Set(topicConfigDefs.filter((d) => d.type === "list").map((d) => d.name));

export function isListConfig(name: string): boolean {
  return listConfigs.has(name) ||
    listConfigs.has(topicConfigDefs.find((d) => d.brokerSynonym === name)?.name ?? "");
}

/** Validates one change to a topic or broker config. */
export function validateChange(
  type: ConfigResourceType,
  _name: string,
  c: ConfigChange,
): OpResult | null {
  if (type === "topic") {
    const err = validateTopicConfig(c.name, c.value);
    return err ? { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: err } : null;
  }
  if (!dynamicBrokerConfigs.has(c.name)) {
    return {
      errorCode: ErrorCode.INVALID_CONFIG,
      errorMessage: `Cannot update these configs dynamically: Set(${c.name})`,
    };
  }
  const def = topicConfigDefs.find((d) => d.brokerSynonym === c.name)!;
  const err = c.value === null ? null : def.validate?.(c.value) ?? null;
  return err
    ? { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: `Invalid value for ${c.name}: ${err}` }
    : null;
}

/**
 * The flow AlterConfigs and IncrementalAlterConfigs share: resolve each
 * resource, reject duplicate names, turn its configs into changes (or an
 * error), commit all valid resources through the controller, and answer per
 * resource in request order.
 */
export async function alterResources<C extends { name: string }>(
  broker: Broker,
  resources: readonly { resourceType: number; resourceName: string; configs: readonly C[] }[],
  validateOnly: boolean,
  toChanges: (
    type: ConfigResourceType,
    name: string,
    configs: readonly C[],
  ) => ConfigChange[] | OpResult,
): Promise<
  { errorCode: number; errorMessage: string | null; resourceType: number; resourceName: string }[]
> {
  const results: OpResult[] = new Array(resources.length);
  const todo: { index: number; type: ConfigResourceType; name: string; changes: ConfigChange[] }[] =
    [];
  resources.forEach((r, index) => {
    const res = resolveResource(broker, r.resourceType, r.resourceName);
    if ("errorCode" in res) {
      results[index] = res;
      return;
    }
    if (new Set(r.configs.map((c) => c.name)).size !== r.configs.length) {
      results[index] = {
        errorCode: ErrorCode.INVALID_REQUEST,
        errorMessage: "Duplicate config names",
      };
      return;
    }
    const changes = toChanges(res.type, res.name, r.configs);
    if ("errorCode" in changes) results[index] = changes;
    else todo.push({ index, ...res, changes });
  });
  const done = await broker.controller.alterConfigs(todo, validateOnly, validateChange);
  done.forEach((r, i) => (results[todo[i].index] = r));
  return resources.map((r, i) => ({
    errorCode: results[i].errorCode,
    errorMessage: results[i].errorMessage,
    resourceType: r.resourceType,
    resourceName: r.resourceName,
  }));
}
