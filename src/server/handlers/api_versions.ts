/**
 * ApiVersions (18), v0-4: the APIs and versions this broker serves, taken from
 * the handler registry, so we advertise exactly what we implement.
 * - v3+ checks the client software name/version (Kafka's pattern) and answers
 *   INVALID_REQUEST when they fail it; librdkafka then retries with v0.
 * - An unknown ApiVersions version never reaches here: the connection answers
 *   it with the v0 fallback body (UNSUPPORTED_VERSION and our range).
 * - Runs on any node with a registry to advertise (ApiVersionsNode): the Broker,
 *   or a reactor worker advertising what the broker as a whole serves.
 * Not implemented: feature flags (SupportedFeatures/FinalizedFeatures stay empty).
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { type ApiVersionsNode, handler } from "../handler.ts";

const softwarePattern = /^[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?$/;

export const apiVersionsHandler = handler<18, ApiVersionsNode>(
  18,
  { min: 0, max: 4 },
  (ctx, req) => {
    const v = ctx.header.apiVersion;
    const badSoftware = v >= 3 &&
      (!softwarePattern.test(req.clientSoftwareName) ||
        !softwarePattern.test(req.clientSoftwareVersion));
    return {
      errorCode: badSoftware ? ErrorCode.INVALID_REQUEST : ErrorCode.NONE,
      apiKeys: ctx.broker.registry.advertised(),
      throttleTimeMs: 0,
      supportedFeatures: [],
      finalizedFeaturesEpoch: -1,
      finalizedFeatures: [],
      zkMigrationReady: false,
    };
  },
);
