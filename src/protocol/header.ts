/**
 * Request and response headers, and every header quirk in one place:
 * - request header v0 (api key, version, correlation id) is used only by
 *   ControlledShutdown v0; v1 adds client_id; v2 (flexible versions) adds a tag buffer;
 * - client_id is a classic int16-length nullable string in every header version,
 *   never a compact string, so any broker can read any ApiVersions request header;
 * - response header v1 (tag buffer) follows the flexible versions, except that
 *   ApiVersions responses always use header v0 (KIP-511), so a client can read
 *   them before it knows what the broker supports.
 */
import type { Reader, UnknownTag, Writer } from "./wire.ts";

export const API_VERSIONS_KEY = 18;
const CONTROLLED_SHUTDOWN_KEY = 7;

export interface RequestHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
  unknownTags?: UnknownTag[];
}

export interface ResponseHeader {
  correlationId: number;
  unknownTags?: UnknownTag[];
}

/** `flexibleMin` is the API's first flexible version (Infinity when none). */
export function requestHeaderVersion(
  apiKey: number,
  apiVersion: number,
  flexibleMin: number,
): 0 | 1 | 2 {
  if (apiKey === CONTROLLED_SHUTDOWN_KEY && apiVersion === 0) return 0;
  return apiVersion >= flexibleMin ? 2 : 1;
}

export function responseHeaderVersion(
  apiKey: number,
  apiVersion: number,
  flexibleMin: number,
): 0 | 1 {
  if (apiKey === API_VERSIONS_KEY) return 0;
  return apiVersion >= flexibleMin ? 1 : 0;
}

/** Reads the fixed prefix (api key, version, correlation id) every header version shares. */
export function readHeaderPrefix(
  r: Reader,
): { apiKey: number; apiVersion: number; correlationId: number } {
  return { apiKey: r.int16(), apiVersion: r.int16(), correlationId: r.int32() };
}

/** Reads the rest of a request header of the given version after the prefix. */
export function readHeaderRest(r: Reader, version: 0 | 1 | 2, h: RequestHeader): RequestHeader {
  if (version >= 1) h.clientId = r.nullableString();
  if (version === 2) {
    const tags = r.skipTags();
    if (tags) h.unknownTags = tags;
  }
  return h;
}

export function writeRequestHeader(w: Writer, version: 0 | 1 | 2, h: RequestHeader): void {
  w.int16(h.apiKey);
  w.int16(h.apiVersion);
  w.int32(h.correlationId);
  if (version >= 1) w.nullableString(h.clientId);
  if (version === 2) w.tags(null, h.unknownTags);
}

export function readResponseHeader(r: Reader, version: 0 | 1): ResponseHeader {
  const h: ResponseHeader = { correlationId: r.int32() };
  if (version === 1) {
    const tags = r.skipTags();
    if (tags) h.unknownTags = tags;
  }
  return h;
}

export function writeResponseHeader(w: Writer, version: 0 | 1, h: ResponseHeader): void {
  w.int32(h.correlationId);
  if (version === 1) w.tags(null, h.unknownTags);
}
