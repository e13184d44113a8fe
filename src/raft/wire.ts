/**
 * RaftMessage <-> Kafka frames, through the project's codecs. A request frame
 * names its sender in the header's client id ("raft-client-<nodeId>", as
 * Kafka's raft client does); a response frame can only be read knowing the
 * API and version of its request, which the sending transport remembers.
 */
import { DecodeError } from "../protocol/decode_error.ts";
import {
  decodeRequest,
  decodeResponse,
  encodeAnyRequest,
  encodeResponse,
} from "../protocol/messages.ts";
import {
  isRaftApiKey,
  type RaftApiKey,
  raftApiVersions,
  type RaftRequest,
  type RaftRequestBody,
  type RaftResponse,
  type RaftResponseBody,
} from "./messages.ts";

const CLIENT_ID_PREFIX = "raft-client-";

export function raftClientId(nodeId: number): string {
  return CLIENT_ID_PREFIX + nodeId;
}

/** The node id in a "raft-client-<id>" client id, or null. */
export function nodeIdOfClientId(clientId: string | null): number | null {
  if (clientId === null || !clientId.startsWith(CLIENT_ID_PREFIX)) return null;
  const n = Number(clientId.slice(CLIENT_ID_PREFIX.length));
  return Number.isInteger(n) && n >= 0 ? n : null;
}

/** A request as frame chunks (size prefix first). */
export function encodeRaftRequest(msg: RaftRequest): Uint8Array[] {
  return encodeAnyRequest({
    apiKey: msg.apiKey,
    apiVersion: raftApiVersions[msg.apiKey],
    correlationId: msg.correlationId,
    clientId: raftClientId(msg.from),
  }, msg.body);
}

/**
 * Reads a request frame (without its size prefix) received by node `to`. The
 * sender is the client id's node id, else `anonymousFrom` (an admin client).
 * Also returns the version, which the response must be written at.
 */
export function decodeRaftRequest(
  frame: Uint8Array,
  to: number,
  anonymousFrom: number,
): { msg: RaftRequest; apiVersion: number } {
  const d = decodeRequest(frame);
  if (d.kind !== "request") throw new DecodeError("unsupported_version", "ApiVersions fallback");
  const apiKey = d.header.apiKey;
  if (!isRaftApiKey(apiKey)) {
    throw new DecodeError("unknown_api", `api key ${apiKey} is not a KRaft RPC`);
  }
  const from = nodeIdOfClientId(d.header.clientId) ?? anonymousFrom;
  // The codec registry decoded the body of exactly this API key.
  const body = { apiKey, body: d.body } as RaftRequestBody;
  return {
    msg: { kind: "request", from, to, correlationId: d.header.correlationId, ...body },
    apiVersion: d.header.apiVersion,
  };
}

/** A response as frame chunks, at the version of its request. */
export function encodeRaftResponse(
  msg: RaftResponse,
  apiVersion: number = raftApiVersions[msg.apiKey],
): Uint8Array[] {
  return encodeResponse(msg.apiKey, apiVersion, msg.correlationId, msg.body);
}

/** Reads a response frame to a request this node sent as `apiKey` at our version. */
export function decodeRaftResponse(
  apiKey: RaftApiKey,
  frame: Uint8Array,
  from: number,
  to: number,
): RaftResponse {
  const d = decodeResponse(apiKey, raftApiVersions[apiKey], frame);
  const body = { apiKey, body: d.body } as RaftResponseBody;
  return { kind: "response", from, to, correlationId: d.header.correlationId, ...body };
}
