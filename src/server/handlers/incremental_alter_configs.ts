/**
 * IncrementalAlterConfigs (44), v0-1: SET (0), DELETE (1), APPEND (2) and
 * SUBTRACT (3) per config; APPEND/SUBTRACT only for list configs
 * (cleanup.policy). A config named twice in one resource is INVALID_REQUEST.
 * Validation as AlterConfigs; validate_only checks without writing.
 */
import { ErrorCode } from "../../protocol/errors.ts";
import type { ConfigChange } from "../../metadata/controller.ts";
import { topicConfigValues } from "../configs.ts";
import { handler } from "../handler.ts";
import { alterResources, isListConfig } from "../config_resources.ts";

const SET = 0, DELETE = 1, APPEND = 2, SUBTRACT = 3;

export const incrementalAlterConfigsHandler = handler(44, { min: 0, max: 1 }, async (ctx, req) => ({
  throttleTimeMs: 0,
  responses: await alterResources(
    ctx.broker,
    req.resources,
    req.validateOnly,
    (type, name, configs) => {
      const broker = ctx.broker;
      const current = type === "topic" ? topicConfigValues(broker.image, broker.config, name) : {};
      const changes: ConfigChange[] = [];
      for (const c of configs) {
        if (c.configOperation === SET) changes.push({ name: c.name, value: c.value });
        else if (c.configOperation === DELETE) changes.push({ name: c.name, value: null });
        else if (c.configOperation === APPEND || c.configOperation === SUBTRACT) {
          if (!isListConfig(c.name)) {
            return {
              errorCode: ErrorCode.INVALID_CONFIG,
              errorMessage: `Config value append/subtract is not allowed for config key: ${c.name}`,
            };
          }
          const have = (current[c.name] ?? broker.image.configsOf(type, name).get(c.name) ?? "")
            .split(",").map((s) => s.trim()).filter(Boolean);
          const given = (c.value ?? "").split(",").map((s) => s.trim()).filter(Boolean);
          const next = c.configOperation === APPEND
            ? [...have, ...given.filter((g) => !have.includes(g))]
            : have.filter((h) => !given.includes(h));
          changes.push({ name: c.name, value: next.join(",") });
        } else {
          return {
            errorCode: ErrorCode.INVALID_REQUEST,
            errorMessage: `Unknown operation ${c.configOperation}`,
          };
        }
      }
      return changes;
    },
  ),
}));
