/**
 * The handler contract: one file per API under handlers/, each registering a
 * Handler with the versions it serves. ApiVersions advertises exactly the
 * registered handlers and their ranges.
 */
import type { RequestHeader } from "../protocol/header.ts";
import {
  apiCodec,
  type ApiKeyNumber,
  type RequestOf,
  type ResponseOf,
} from "../protocol/messages.ts";
import type { Broker } from "./broker.ts";

export interface RequestContext {
  readonly broker: Broker;
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

export interface Handler {
  readonly apiKey: number;
  readonly minVersion: number;
  readonly maxVersion: number;
  /**
   * Resolves with the response body, null when none is sent (acks=0 produce),
   * or a Deferred. Requests on a connection are handled one after another, in
   * order, as Kafka does: a request sees the effects of every earlier one.
   */
  handle(ctx: RequestContext, request: unknown): Promise<unknown> | unknown;
}

export function handler<K extends ApiKeyNumber>(
  apiKey: K,
  versions: { min: number; max: number },
  handle: (
    ctx: RequestContext,
    request: RequestOf<K>,
  ) => HandlerResult<ResponseOf<K>> | Promise<HandlerResult<ResponseOf<K>>>,
): Handler {
  return {
    apiKey,
    minVersion: versions.min,
    maxVersion: versions.max,
    handle: handle as (ctx: RequestContext, request: unknown) => unknown,
  };
}

export class HandlerRegistry {
  private readonly byKey = new Map<number, Handler>();

  constructor(handlers: readonly Handler[]) {
    for (const h of handlers) {
      if (this.byKey.has(h.apiKey)) throw new Error(`two handlers for api key ${h.apiKey}`);
      this.byKey.set(h.apiKey, h);
    }
  }

  /** Kafka's name of an API ("Produce"), or its key as text. */
  name(apiKey: number): string {
    return apiCodec(apiKey)?.name ?? String(apiKey);
  }

  get(apiKey: number): Handler | undefined {
    return this.byKey.get(apiKey);
  }

  /** The versions served for an api key (undefined when none): narrows the decoder. */
  readonly served = (apiKey: number): { min: number; max: number } | undefined => {
    const h = this.byKey.get(apiKey);
    return h && { min: h.minVersion, max: h.maxVersion };
  };

  /** What ApiVersions advertises, in key order. */
  advertised(): { apiKey: number; minVersion: number; maxVersion: number }[] {
    return [...this.byKey.values()].sort((a, b) => a.apiKey - b.apiKey).map((h) => ({
      apiKey: h.apiKey,
      minVersion: h.minVersion,
      maxVersion: h.maxVersion,
    }));
  }
}
