/**
 * The handler contract: one file per API under handlers/, each registering a
 * Handler with the versions it serves. ApiVersions advertises exactly the
 * registered handlers and their ranges.
 *
 * A handler's context carries the node it runs on: the whole Broker for most
 * APIs (`handler`), or only a DataNode (`dataHandler`: the image, the config,
 * the DataPath and a fetch-session cache) for the data-path APIs that will
 * run in reactor workers, which have no Broker. A Broker is a DataNode, so a
 * registry of Broker handlers takes data handlers as they are.
 */
import type { RequestHeader } from "../protocol/header.ts";
import {
  apiCodec,
  type ApiKeyNumber,
  type RequestOf,
  type ResponseOf,
} from "../protocol/messages.ts";
import type { MetadataImage } from "../metadata/image.ts";
import type { Broker } from "./broker.ts";
import type { BrokerConfig } from "./config.ts";
import type { DataPath } from "./data_path.ts";
import type { FetchSessionCache } from "./fetch_session.ts";

/** What the data-path handlers (Produce, Fetch, ListOffsets) need of the node they run on. */
export interface DataNode {
  readonly image: MetadataImage;
  readonly config: BrokerConfig;
  readonly data: DataPath;
  readonly fetchSessions: FetchSessionCache;
}

/** One API's advertised version range (ApiVersions). */
export interface ApiRange {
  apiKey: number;
  minVersion: number;
  maxVersion: number;
}

/** What ApiVersions needs of its node: the list to advertise. */
export interface ApiVersionsNode {
  readonly registry: { advertised(): ApiRange[] };
}

export interface RequestContext<N = Broker> {
  /** The node the request runs on (the Broker, or a DataNode for data handlers). */
  readonly broker: N;
  readonly header: RequestHeader;
  /** Remote address, for logs and group member hosts. */
  readonly clientHost: string;
  readonly connectionId: number;
}

/**
 * A response whose sending waits on something slow (an fsync) that must not
 * hold up the next request on the connection: the handler's ordered work is
 * done when it returns this, and the response follows when `response` resolves.
 */
export class Deferred<T = unknown> {
  constructor(readonly response: Promise<T | null>) {}
}

/** Thrown by a handler to close the connection without an error response (e.g. a failed acks=0 produce). */
export class CloseConnection extends Error {
  override name = "CloseConnection";
}

/** A response body, no response (null), or a response that follows later (Deferred). */
export type HandlerResult<T> = T | null | Deferred<T>;

export interface Handler<N = Broker> {
  readonly apiKey: number;
  readonly minVersion: number;
  readonly maxVersion: number;
  /**
   * Resolves with the response body, null when none is sent (acks=0 produce),
   * or a Deferred. Requests on a connection are handled one after another, in
   * order, as Kafka does: a request sees the effects of every earlier one.
   */
  handle(ctx: RequestContext<N>, request: unknown): Promise<unknown> | unknown;
}

/** A handler whose context carries node type N (the Broker unless given). */
export function handler<K extends ApiKeyNumber, N = Broker>(
  apiKey: K,
  versions: { min: number; max: number },
  handle: (
    ctx: RequestContext<N>,
    request: RequestOf<K>,
  ) => HandlerResult<ResponseOf<K>> | Promise<HandlerResult<ResponseOf<K>>>,
): Handler<N> {
  return {
    apiKey,
    minVersion: versions.min,
    maxVersion: versions.max,
    handle: handle as (ctx: RequestContext<N>, request: unknown) => unknown,
  };
}

/** A handler that needs only a DataNode: it runs on the Broker and in reactor workers alike. */
export function dataHandler<K extends ApiKeyNumber>(
  apiKey: K,
  versions: { min: number; max: number },
  handle: (
    ctx: RequestContext<DataNode>,
    request: RequestOf<K>,
  ) => HandlerResult<ResponseOf<K>> | Promise<HandlerResult<ResponseOf<K>>>,
): Handler<DataNode> {
  return handler<K, DataNode>(apiKey, versions, handle);
}

export class HandlerRegistry<N = Broker> {
  private readonly byKey = new Map<number, Handler<N>>();

  constructor(handlers: readonly Handler<N>[]) {
    for (const h of handlers) {
      if (this.byKey.has(h.apiKey)) throw new Error(`two handlers for api key ${h.apiKey}`);
      this.byKey.set(h.apiKey, h);
    }
  }

  /** Kafka's name of an API ("Produce"), or its key as text. */
  name(apiKey: number): string {
    return apiCodec(apiKey)?.name ?? String(apiKey);
  }

  get(apiKey: number): Handler<N> | undefined {
    return this.byKey.get(apiKey);
  }

  /** The versions served for an api key (undefined when none): narrows the decoder. */
  readonly served = (apiKey: number): { min: number; max: number } | undefined => {
    const h = this.byKey.get(apiKey);
    return h && { min: h.minVersion, max: h.maxVersion };
  };

  /** What ApiVersions advertises, in key order. */
  advertised(): ApiRange[] {
    return [...this.byKey.values()].sort((a, b) => a.apiKey - b.apiKey).map((h) => ({
      apiKey: h.apiKey,
      minVersion: h.minVersion,
      maxVersion: h.maxVersion,
    }));
  }
}
