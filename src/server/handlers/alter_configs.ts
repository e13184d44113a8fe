/**
 * AlterConfigs (33), v0-2: replaces the whole set of overrides of each
 * resource (configs left out are removed, as Kafka's legacy API does).
 * Topic configs are validated by name and value; broker resources accept the
 * dynamic log.* defaults only. validate_only checks without writing.
 */
import type { ConfigChange } from "../../metadata/controller.ts";
import { handler } from "../handler.ts";
import { alterResources } from "../config_resources.ts";

export const alterConfigsHandler = handler(33, { min: 0, max: 2 }, async (ctx, req) => ({
  throttleTimeMs: 0,
  responses: await alterResources(
    ctx.broker,
    req.resources,
    req.validateOnly,
    (type, name, configs) => {
      const changes: ConfigChange[] = configs.map((c) => ({ name: c.name, value: c.value }));
      const given = new Set(configs.map((c) => c.name));
      for (const old of ctx.broker.image.configsOf(type, name).keys()) {
        if (!given.has(old)) changes.push({ name: old, value: null });
      }
      return changes;
    },
  ),
}));
