/**
 * IncrementalAlterConfigs (44), v0-1: SET (0), DELETE (1), APPEND (2) and
 * SUBTRACT (3) per config; APPEND/SUBTRACT only for list configs
 * (cleanup.policy). A config named twice in one resource is INVALID_REQUEST.
 * Validation as AlterConfigs; validate_only checks without writing.
 */
import { ErrorCode } from "../../protocol/errors.ts";
import type { ConfigChange, OpResult } from "../../metadata/controller.ts";
import type { ConfigResourceType } from "../../metadata/records.ts";
import { topicConfigValues } from "../configs.ts";
import { handler } from "../handler.ts";
import { isListConfig, resolveResource, validateChange } from "../config_resources.ts";

const SET = 0, DELETE = 1, APPEND = 2, SUBTRACT = 3;

export const incrementalAlterConfigsHandler = handler(44, { min: 0, max: 1 }, async (ctx, req) => {
  const broker = ctx.broker;
  const results: OpResult[] = new Array(req.resources.length);
  const todo: { index: number; type: ConfigResourceType; name: string; changes: ConfigChange[] }[] =
    [];
  req.resources.forEach((r, index) => {
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
    const current = res.type === "topic"
      ? topicConfigValues(broker.image, broker.config, res.name)
      : {};
    const changes: ConfigChange[] = [];
    for (const c of r.configs) {
      if (c.configOperation === SET) changes.push({ name: c.name, value: c.value });
      else if (c.configOperation === DELETE) changes.push({ name: c.name, value: null });
      else if (c.configOperation === APPEND || c.configOperation === SUBTRACT) {
        if (!isListConfig(c.name)) {
          results[index] = {
            errorCode: ErrorCode.INVALID_CONFIG,
            errorMessage: `Config value append/subtract is not allowed for config key: ${c.name}`,
          };
          return;
        }
        const have =
          (current[c.name] ?? broker.image.configsOf(res.type, res.name).get(c.name) ?? "")
            .split(",").map((s) => s.trim()).filter(Boolean);
        const given = (c.value ?? "").split(",").map((s) => s.trim()).filter(Boolean);
        const next = c.configOperation === APPEND
          ? [...have, ...given.filter((g) => !have.includes(g))]
          : have.filter((h) => !given.includes(h));
        changes.push({ name: c.name, value: next.join(",") });
      } else {
        results[index] = {
          errorCode: ErrorCode.INVALID_REQUEST,
          errorMessage: `Unknown operation ${c.configOperation}`,
        };
        return;
      }
    }
    todo.push({ index, ...res, changes });
  });
  const done = await broker.controller.alterConfigs(todo, req.validateOnly, validateChange);
  done.forEach((r, i) => (results[todo[i].index] = r));
  return {
    throttleTimeMs: 0,
    responses: req.resources.map((r, i) => ({
      errorCode: results[i].errorCode,
      errorMessage: results[i].errorMessage,
      resourceType: r.resourceType,
      resourceName: r.resourceName,
    })),
  };
});
