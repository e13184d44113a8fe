/**
 * AlterConfigs (33), v0-2: replaces the whole set of overrides of each
 * resource (configs left out are removed, as Kafka's legacy API does).
 * Topic configs are validated by name and value; broker resources accept the
 * dynamic log.* defaults only. validate_only checks without writing.
 */
import { ErrorCode } from "../../protocol/errors.ts";
import type { ConfigChange } from "../../metadata/controller.ts";
import type { ConfigResourceType } from "../../metadata/records.ts";
import { handler } from "../handler.ts";
import { resolveResource, validateChange } from "../config_resources.ts";

export const alterConfigsHandler = handler(33, { min: 0, max: 2 }, async (ctx, req) => {
  const broker = ctx.broker;
  const results: { errorCode: number; errorMessage: string | null }[] = new Array(
    req.resources.length,
  );
  const todo: { index: number; type: ConfigResourceType; name: string; changes: ConfigChange[] }[] =
    [];
  req.resources.forEach((r, index) => {
    const res = resolveResource(broker, r.resourceType, r.resourceName);
    if ("errorCode" in res) {
      results[index] = res;
      return;
    }
    const names = new Set(r.configs.map((c) => c.name));
    if (names.size !== r.configs.length) {
      results[index] = {
        errorCode: ErrorCode.INVALID_REQUEST,
        errorMessage: "Duplicate config names",
      };
      return;
    }
    const changes: ConfigChange[] = r.configs.map((c) => ({ name: c.name, value: c.value }));
    for (const old of broker.image.configsOf(res.type, res.name).keys()) {
      if (!names.has(old)) changes.push({ name: old, value: null });
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
