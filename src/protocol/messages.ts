/**
 * Whole messages: header + body, for both sides of a connection, built on the
 * generated codec registry. The ApiVersions version fallback lives here: an
 * ApiVersions request of a version we do not know is still accepted at the
 * header stage (its body is skipped) so the broker can answer with a v0 body
 * carrying UNSUPPORTED_VERSION and its own range; any other API at an unknown
 * version is a DecodeError, on which Kafka closes the connection.
 */
import type { ApiCodec } from "./codec_types.ts";
import { DecodeError } from "./decode_error.ts";
import { sizePrefix } from "./frame.ts";
import { allApis, type ApiMessages } from "./generated/mod.ts";
import {
  API_VERSIONS_KEY,
  readHeaderPrefix,
  readHeaderRest,
  readResponseHeader,
  type RequestHeader,
  requestHeaderVersion,
  type ResponseHeader,
  responseHeaderVersion,
  writeRequestHeader,
  writeResponseHeader,
} from "./header.ts";
import { Reader, Writer } from "./wire.ts";

export type ApiKeyNumber = keyof ApiMessages;
export type RequestOf<K extends ApiKeyNumber> = ApiMessages[K]["request"];
export type ResponseOf<K extends ApiKeyNumber> = ApiMessages[K]["response"];

const byKey: (ApiCodec | undefined)[] = [];
for (const a of allApis) byKey[a.apiKey] = a;

export function apiCodec(apiKey: number): ApiCodec | undefined {
  return apiKey >= 0 ? byKey[apiKey] : undefined;
}

export type DecodedRequest =
  | { kind: "request"; header: RequestHeader; body: unknown; codec: ApiCodec }
  /** ApiVersions at a version we do not serve: answer with the v0 fallback body. */
  | { kind: "apiVersionsFallback"; header: RequestHeader };

/** The versions a server serves per api key; undefined for an API it does not serve. */
export type ServedVersions = (apiKey: number) => { min: number; max: number } | undefined;

/**
 * Decodes one request frame (without its size prefix). Throws DecodeError for
 * unknown APIs, unsupported versions (other than ApiVersions), malformed bytes,
 * and trailing bytes. `served` narrows the APIs and versions accepted.
 */
export function decodeRequest(frame: Uint8Array, served?: ServedVersions): DecodedRequest {
  const r = new Reader(frame);
  const prefix = readHeaderPrefix(r);
  const header: RequestHeader = { ...prefix, clientId: null };
  const codec = apiCodec(prefix.apiKey);
  const range = codec &&
    (served
      ? served(prefix.apiKey)
      : { min: codec.request.minVersion, max: codec.request.maxVersion });
  if (!codec || !range) throw new DecodeError("unknown_api", `api key ${prefix.apiKey}`);
  const req = codec.request;
  const min = Math.max(req.minVersion, range.min);
  const max = Math.min(req.maxVersion, range.max);
  readHeaderRest(
    r,
    requestHeaderVersion(prefix.apiKey, prefix.apiVersion, req.flexibleMin),
    header,
  );
  if (prefix.apiVersion < min || prefix.apiVersion > max) {
    if (prefix.apiKey === API_VERSIONS_KEY) return { kind: "apiVersionsFallback", header };
    throw new DecodeError(
      "unsupported_version",
      `${codec.name} v${prefix.apiVersion} (supported ${min}-${max})`,
    );
  }
  const body = req.read[prefix.apiVersion]!(r);
  // Kafka ignores bytes after a request body, and librdkafka 2.0.x leaves zero
  // bytes after some flexible ones: ListGroups v3+ writes its tag buffer twice,
  // OffsetFetch v7 for all topics leaves a 4-byte array-count placeholder.
  if (
    prefix.apiVersion >= req.flexibleMin && r.remaining <= 4 &&
    frame.subarray(r.pos).every((b) => b === 0)
  ) r.pos = r.end;
  if (r.remaining !== 0) {
    throw new DecodeError(
      "trailing",
      `${r.remaining} bytes after ${codec.name}Request v${prefix.apiVersion}`,
    );
  }
  return { kind: "request", header, body, codec };
}

/** Encodes a request as frame chunks (size prefix first), typed by API key. */
export function encodeRequest<K extends ApiKeyNumber>(
  header: RequestHeader & { apiKey: K },
  body: RequestOf<K>,
): Uint8Array[] {
  return encodeAnyRequest(header, body);
}

/** Encodes a request whose API is known only at run time (tools, fuzzing, golden checks). */
export function encodeAnyRequest(header: RequestHeader, body: unknown): Uint8Array[] {
  const codec = apiCodec(header.apiKey);
  if (!codec) throw new RangeError(`unknown api key ${header.apiKey}`);
  const write = codec.request.write[header.apiVersion];
  if (!write) throw new RangeError(`${codec.name} has no version ${header.apiVersion}`);
  const w = new Writer();
  writeRequestHeader(
    w,
    requestHeaderVersion(header.apiKey, header.apiVersion, codec.request.flexibleMin),
    header,
  );
  write(w, body);
  return framed(w);
}

/** Encodes a response as frame chunks (size prefix first); record sets stay by reference. */
export function encodeResponse(
  apiKey: number,
  apiVersion: number,
  correlationId: number,
  body: unknown,
): Uint8Array[] {
  const codec = apiCodec(apiKey);
  if (!codec) throw new RangeError(`unknown api key ${apiKey}`);
  const write = codec.response.write[apiVersion];
  if (!write) throw new RangeError(`${codec.name} has no response version ${apiVersion}`);
  const w = new Writer();
  writeResponseHeader(w, responseHeaderVersion(apiKey, apiVersion, codec.response.flexibleMin), {
    correlationId,
  });
  write(w, body);
  return framed(w);
}

/** Decodes one response frame (without its size prefix) of a request we sent. */
export function decodeResponse(
  apiKey: number,
  apiVersion: number,
  frame: Uint8Array,
): { header: ResponseHeader; body: unknown } {
  const codec = apiCodec(apiKey);
  if (!codec) throw new DecodeError("unknown_api", `api key ${apiKey}`);
  const read = codec.response.read[apiVersion];
  if (!read) throw new DecodeError("unsupported_version", `${codec.name} response v${apiVersion}`);
  const r = new Reader(frame);
  const header = readResponseHeader(
    r,
    responseHeaderVersion(apiKey, apiVersion, codec.response.flexibleMin),
  );
  const body = read(r);
  if (r.remaining !== 0) {
    throw new DecodeError("trailing", `${r.remaining} bytes after ${codec.name}Response`);
  }
  return { header, body };
}

function framed(w: Writer): Uint8Array[] {
  const size = w.length;
  const chunks = w.chunksOut();
  return [sizePrefix(size), ...chunks];
}

/** Joins frame chunks into one array (tests and tools; the network path writes chunks). */
export { concat } from "../base/bytes.ts";
