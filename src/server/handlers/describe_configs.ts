/**
 * DescribeConfigs (32), v0-4: topic and broker configs with their effective
 * values and sources (v1+), synonyms when asked (v1+), types (v3+).
 * Broker resources are this node's id or "" (cluster-wide defaults); any other
 * broker id gives INVALID_REQUEST, as Kafka does. Topic configs resolve through
 * topic override, dynamic broker, dynamic default, static property, default.
 * Not implemented: documentation strings (null), BROKER_LOGGER, CLIENT_METRICS
 * and GROUP resources (INVALID_REQUEST).
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { brokerConfigEntries, ConfigSource, topicConfigEntries } from "../configs.ts";
import { handler } from "../handler.ts";
import { resolveResource } from "../config_resources.ts";

export const describeConfigsHandler = handler(32, { min: 0, max: 4 }, (ctx, req) => {
  const broker = ctx.broker;
  const v = ctx.header.apiVersion;
  return {
    throttleTimeMs: 0,
    results: req.resources.map((r) => {
      const res = resolveResource(broker, r.resourceType, r.resourceName);
      if ("errorCode" in res) {
        return { ...res, resourceType: r.resourceType, resourceName: r.resourceName, configs: [] };
      }
      const entries = res.type === "topic"
        ? topicConfigEntries(broker.image, broker.config, res.name)
        : brokerConfigEntries(broker.image, broker.config, res.name);
      const keys = r.configurationKeys === null ? null : new Set(r.configurationKeys);
      return {
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        resourceType: r.resourceType,
        resourceName: r.resourceName,
        configs: entries.filter((e) => keys === null || keys.has(e.name)).map((e) => ({
          name: e.name,
          value: e.isSensitive ? null : e.value,
          readOnly: e.readOnly,
          isDefault: e.source === ConfigSource.DEFAULT_CONFIG,
          // v0 has no sources; Kafka reports them from v1.
          configSource: v >= 1 ? e.source : -1,
          isSensitive: e.isSensitive,
          synonyms: req.includeSynonyms ? e.synonyms : [],
          configType: e.configType,
          documentation: null,
        })),
      };
    }),
  };
});
