/**
 * A minimal Kafka client of our own for end-to-end tests, over Deno.connect
 * and the project's codecs (encodeRequest / decodeResponse / FrameDecoder).
 *
 * - `request(apiKey, version, body)` sends one request and resolves with the
 *   decoded response body; requests may be pipelined (call it several times
 *   without awaiting). Responses are matched by correlation id, and a response
 *   that does not answer the oldest outstanding request is reported as an
 *   ordering violation (Kafka answers in request order on a connection).
 * - `send(apiKey, version, body)` writes a request and expects no response
 *   (Produce acks=0).
 * - `sendRaw(bytes)` writes arbitrary bytes (malformed frames);
 *   `rawRequest(frame, decodeAs)` writes a hand-built frame and waits for its
 *   answer.
 * - `closed` / `waitClosed(ms)`: whether the broker closed the connection.
 * Every wait is bounded (default 10 s per request).
 *
 * Also here: small request builders with the defaults a consumer or producer
 * would send (produceBody, fetchBody, listOffsetsBody, ...).
 */
import { concat, decodeResponse, encodeAnyRequest, FrameDecoder } from "../../src/protocol/mod.ts";
import type { ApiKeyNumber, RequestOf, ResponseOf } from "../../src/protocol/messages.ts";
import { apiCodec } from "../../src/protocol/messages.ts";
import { errorName } from "../../src/protocol/errors.ts";
import { ZERO_UUID } from "../../src/protocol/uuid.ts";
import {
  createCreateTopicsRequest,
  createCreateTopicsRequestCreatableTopic,
  createDeleteTopicsRequest,
  createFetchRequest,
  createFetchRequestFetchPartition,
  createFetchRequestFetchTopic,
  createListOffsetsRequest,
  createListOffsetsRequestListOffsetsPartition,
  createMetadataRequest,
  createProduceRequest,
  type CreateTopicsResponse,
  type FetchRequest,
  type FetchResponsePartitionData,
  type ListOffsetsResponseListOffsetsPartitionResponse,
  type MetadataResponse,
  type ProduceRequest,
  type ProduceResponsePartitionProduceResponse,
} from "../../src/protocol/generated/mod.ts";
import {
  batches,
  decodeBatchRecords,
  type DecodedRecord,
} from "../../src/protocol/records/batch.ts";
import type { BatchHeader } from "../../src/protocol/records/layout.ts";

export class TimeoutError extends Error {
  override name = "TimeoutError";
}

export class ConnectionClosedError extends Error {
  override name = "ConnectionClosedError";
}

interface Pending {
  correlationId: number;
  apiKey: number;
  version: number;
  label: string;
  resolve: (body: unknown) => void;
  reject: (e: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

export interface ClientOptions {
  clientId?: string;
  /** Default bound on each request (ms). */
  timeoutMs?: number;
  /** Bound on connecting (ms). */
  connectTimeoutMs?: number;
}

function parseAddress(addr: string): { hostname: string; port: number } {
  const at = addr.lastIndexOf(":");
  return { hostname: addr.slice(0, at), port: Number(addr.slice(at + 1)) };
}

/** Rejects with TimeoutError when `p` has not settled within `ms`. */
export async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new TimeoutError(`${what}: no result within ${ms} ms`)),
          ms,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export class KafkaClient {
  private nextCorrelationId = 1;
  /** Outstanding requests in the order they were sent. */
  private pending: Pending[] = [];
  private readonly frames = new FrameDecoder(1 << 30);
  private readonly readLoop: Promise<void>;
  private isClosed = false;
  private closeReason: string | null = null;
  /** Responses that arrived for no outstanding request, or out of order. */
  readonly protocolErrors: string[] = [];
  /** Resolves when the connection is closed (by either side). */
  readonly closed: Promise<void>;
  private resolveClosed!: () => void;

  private constructor(private readonly conn: Deno.TcpConn, readonly opts: Required<ClientOptions>) {
    this.closed = new Promise((r) => (this.resolveClosed = r));
    this.readLoop = this.run();
  }

  static async connect(address: string, opts: ClientOptions = {}): Promise<KafkaClient> {
    const full: Required<ClientOptions> = {
      clientId: opts.clientId ?? "runnel-e2e",
      timeoutMs: opts.timeoutMs ?? 10_000,
      connectTimeoutMs: opts.connectTimeoutMs ?? 5_000,
    };
    const conn = await withTimeout(
      Deno.connect({ ...parseAddress(address), transport: "tcp" }),
      full.connectTimeoutMs,
      `connect to ${address}`,
    );
    conn.setNoDelay(true);
    return new KafkaClient(conn, full);
  }

  get isOpen(): boolean {
    return !this.isClosed;
  }

  /** Why the connection ended ("eof", an error message), or null while open. */
  get closedBecause(): string | null {
    return this.closeReason;
  }

  private async run(): Promise<void> {
    const buf = new Uint8Array(256 * 1024);
    let reason = "eof";
    try {
      for (;;) {
        const n = await this.conn.read(buf);
        if (n === null) break;
        for (const frame of this.frames.push(buf.slice(0, n))) this.onFrame(frame);
      }
    } catch (e) {
      reason = this.isClosed
        ? "closed by client"
        : `read failed: ${e instanceof Error ? e.message : e}`;
    }
    this.shut(reason);
  }

  private onFrame(frame: Uint8Array): void {
    if (frame.length < 4) {
      this.protocolErrors.push(`response frame of ${frame.length} bytes`);
      return;
    }
    const correlationId = new DataView(frame.buffer, frame.byteOffset, frame.byteLength).getInt32(
      0,
    );
    const i = this.pending.findIndex((p) => p.correlationId === correlationId);
    if (i < 0) {
      this.protocolErrors.push(
        `response with correlation id ${correlationId} matches no outstanding request`,
      );
      return;
    }
    const p = this.pending[i];
    this.pending.splice(i, 1);
    clearTimeout(p.timer);
    if (i !== 0) {
      const msg =
        `${p.label} (correlation id ${correlationId}) was answered before ${i} earlier request(s)`;
      this.protocolErrors.push(msg);
      p.reject(new Error(`responses out of order: ${msg}`));
      return;
    }
    try {
      p.resolve(decodeResponse(p.apiKey, p.version, frame).body);
    } catch (e) {
      p.reject(
        new Error(`${p.label}: cannot decode the response: ${e instanceof Error ? e.message : e}`),
      );
    }
  }

  private shut(reason: string): void {
    if (!this.closeReason) this.closeReason = reason;
    if (!this.isClosed) {
      this.isClosed = true;
      try {
        this.conn.close();
      } catch {
        // already closed
      }
    }
    const pending = this.pending;
    this.pending = [];
    for (const p of pending) {
      clearTimeout(p.timer);
      p.reject(
        new ConnectionClosedError(
          `${p.label}: connection closed (${this.closeReason}) before the response`,
        ),
      );
    }
    this.resolveClosed();
  }

  /** Writes are chained so that frames go out whole and in call order. */
  private writing: Promise<void> = Promise.resolve();

  /** Frames held back by cork() until uncork(). */
  private corked: { bytes: Uint8Array[]; done: PromiseWithResolvers<void> } | null = null;

  /**
   * Holds writes back until uncork(), which sends them in one write, so that
   * pipelined requests reach the broker together (in one read, usually).
   */
  cork(): void {
    if (!this.corked) this.corked = { bytes: [], done: Promise.withResolvers<void>() };
  }

  uncork(): Promise<void> {
    const c = this.corked;
    if (!c) return Promise.resolve();
    this.corked = null;
    const sent = this.write(concat(c.bytes));
    sent.then(c.done.resolve, c.done.reject);
    return sent;
  }

  private write(bytes: Uint8Array): Promise<void> {
    if (this.isClosed) {
      return Promise.reject(
        new ConnectionClosedError(`connection already closed (${this.closeReason})`),
      );
    }
    if (this.corked) {
      this.corked.bytes.push(bytes);
      return this.corked.done.promise;
    }
    const next = this.writing.then(async () => {
      for (let off = 0; off < bytes.length;) off += await this.conn.write(bytes.subarray(off));
    });
    this.writing = next.catch(() => {});
    return next;
  }

  private expect(
    correlationId: number,
    apiKey: number,
    version: number,
    timeoutMs: number,
  ): Promise<unknown> {
    const label = `${apiCodec(apiKey)?.name ?? `api ${apiKey}`} v${version}`;
    if (this.isClosed) {
      return Promise.reject(
        new ConnectionClosedError(`${label}: connection already closed (${this.closeReason})`),
      );
    }
    return new Promise((resolve, reject) => {
      const p: Pending = {
        correlationId,
        apiKey,
        version,
        label,
        resolve,
        reject,
        timer: setTimeout(() => {
          const i = this.pending.indexOf(p);
          if (i >= 0) this.pending.splice(i, 1);
          reject(
            new TimeoutError(
              `${label} (correlation id ${correlationId}): no response within ${timeoutMs} ms`,
            ),
          );
        }, timeoutMs),
      };
      this.pending.push(p);
    });
  }

  /** Encodes a request with our codecs (frame with size prefix). */
  encode(
    apiKey: number,
    version: number,
    body: unknown,
    correlationId = this.nextCorrelationId++,
  ): Uint8Array {
    return concat(
      encodeAnyRequest(
        { apiKey, apiVersion: version, correlationId, clientId: this.opts.clientId },
        body,
      ),
    );
  }

  /** Sends one request and resolves with its decoded response body. */
  async request<K extends ApiKeyNumber>(
    apiKey: K,
    version: number,
    body: RequestOf<K>,
    opts: { timeoutMs?: number } = {},
  ): Promise<ResponseOf<K>> {
    const correlationId = this.nextCorrelationId++;
    const bytes = this.encode(apiKey, version, body, correlationId);
    const response = this.expect(
      correlationId,
      apiKey,
      version,
      opts.timeoutMs ?? this.opts.timeoutMs,
    );
    response.catch(() => {}); // surfaced by the await below
    await this.write(bytes);
    return await response as ResponseOf<K>;
  }

  /** Sends a request that gets no response (Produce acks=0). */
  async send<K extends ApiKeyNumber>(
    apiKey: K,
    version: number,
    body: RequestOf<K>,
  ): Promise<number> {
    const correlationId = this.nextCorrelationId++;
    await this.write(this.encode(apiKey, version, body, correlationId));
    return correlationId;
  }

  /** Writes bytes as they are (malformed or hand-built frames). */
  async sendRaw(bytes: Uint8Array): Promise<void> {
    await this.write(bytes);
  }

  /**
   * Writes a hand-built frame whose header carries `correlationId`, and
   * resolves with the response decoded as `decodeAs` (api key and version).
   */
  async rawRequest(
    frame: Uint8Array,
    correlationId: number,
    decodeAs: { apiKey: number; version: number },
    opts: { timeoutMs?: number } = {},
  ): Promise<unknown> {
    const response = this.expect(
      correlationId,
      decodeAs.apiKey,
      decodeAs.version,
      opts.timeoutMs ?? this.opts.timeoutMs,
    );
    response.catch(() => {});
    await this.write(frame);
    return await response;
  }

  /** A fresh correlation id (for hand-built frames). */
  correlationId(): number {
    return this.nextCorrelationId++;
  }

  /** True if the broker closes the connection within `ms`. */
  async waitClosed(ms: number): Promise<boolean> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const r = await Promise.race([
      this.closed.then(() => true),
      new Promise<boolean>((res) => (timer = setTimeout(() => res(false), ms))),
    ]);
    clearTimeout(timer);
    return r;
  }

  /** Closes the connection and waits for the reader to finish. */
  async close(): Promise<void> {
    if (!this.isClosed) this.shut("closed by client");
    await this.readLoop;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

// --- raw frames ----------------------------------------------------------------

/**
 * A frame (size prefix included) with request header v1 (api key, version,
 * correlation id, client id) followed by `body` as given.
 */
export function rawFrame(
  apiKey: number,
  version: number,
  correlationId: number,
  body: Uint8Array = new Uint8Array(0),
  opts: { clientId?: string; flexibleHeader?: boolean } = {},
): Uint8Array {
  const clientId = new TextEncoder().encode(opts.clientId ?? "runnel-e2e");
  const headerLen = 2 + 2 + 4 + 2 + clientId.length + (opts.flexibleHeader ? 1 : 0);
  const out = new Uint8Array(4 + headerLen + body.length);
  const dv = new DataView(out.buffer);
  dv.setInt32(0, headerLen + body.length);
  dv.setInt16(4, apiKey);
  dv.setInt16(6, version);
  dv.setInt32(8, correlationId);
  dv.setInt16(12, clientId.length);
  out.set(clientId, 14);
  if (opts.flexibleHeader) out[14 + clientId.length] = 0;
  out.set(body, 4 + headerLen);
  return out;
}

// --- request builders ----------------------------------------------------------

export const CONSUMER_REPLICA_ID = -1;
export const LATEST_TIMESTAMP = -1;
export const EARLIEST_TIMESTAMP = -2;
export const MAX_TIMESTAMP = -3;

export function produceBody(
  topic: string,
  partition: number,
  records: Uint8Array,
  opts: { acks?: number; timeoutMs?: number; topicId?: string } = {},
): ProduceRequest {
  return {
    ...createProduceRequest(),
    acks: opts.acks ?? -1,
    timeoutMs: opts.timeoutMs ?? 5_000,
    topicData: [{
      name: topic,
      topicId: opts.topicId ?? ZERO_UUID,
      partitionData: [{ index: partition, records }],
    }],
  };
}

export interface FetchPartitionInput {
  topic: string;
  topicId?: string;
  partition: number;
  offset: number;
  partitionMaxBytes?: number;
  logStartOffset?: number;
}

export function fetchBody(
  partitions: FetchPartitionInput[],
  opts: { maxWaitMs?: number; minBytes?: number; maxBytes?: number; isolationLevel?: number } = {},
): FetchRequest {
  const byTopic = new Map<string, FetchPartitionInput[]>();
  for (const p of partitions) {
    const k = `${p.topic}\u0000${p.topicId ?? ""}`;
    (byTopic.get(k) ?? byTopic.set(k, []).get(k)!).push(p);
  }
  return {
    ...createFetchRequest(),
    replicaId: CONSUMER_REPLICA_ID,
    maxWaitMs: opts.maxWaitMs ?? 0,
    minBytes: opts.minBytes ?? 1,
    maxBytes: opts.maxBytes ?? 50 * 1024 * 1024,
    isolationLevel: opts.isolationLevel ?? 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [...byTopic.values()].map((ps) => ({
      ...createFetchRequestFetchTopic(),
      topic: ps[0].topic,
      topicId: ps[0].topicId ?? ZERO_UUID,
      partitions: ps.map((p) => ({
        ...createFetchRequestFetchPartition(),
        partition: p.partition,
        fetchOffset: p.offset,
        logStartOffset: p.logStartOffset ?? -1,
        partitionMaxBytes: p.partitionMaxBytes ?? 1024 * 1024,
      })),
    })),
  };
}

export function listOffsetsBody(
  topic: string,
  partitions: { partition: number; timestamp: number }[],
  opts: { isolationLevel?: number } = {},
) {
  return {
    ...createListOffsetsRequest(),
    replicaId: CONSUMER_REPLICA_ID,
    isolationLevel: opts.isolationLevel ?? 0,
    timeoutMs: 5_000,
    topics: [{
      name: topic,
      partitions: partitions.map((p) => ({
        ...createListOffsetsRequestListOffsetsPartition(),
        partitionIndex: p.partition,
        timestamp: p.timestamp,
      })),
    }],
  };
}

export function metadataBody(topics: string[] | null, allowAutoTopicCreation = false) {
  return {
    ...createMetadataRequest(),
    topics: topics === null ? null : topics.map((name) => ({ topicId: ZERO_UUID, name })),
    allowAutoTopicCreation,
  };
}

export function createTopicsBody(
  topics: {
    name: string;
    partitions?: number;
    replicationFactor?: number;
    configs?: Record<string, string>;
  }[],
  validateOnly = false,
) {
  return {
    ...createCreateTopicsRequest(),
    timeoutMs: 10_000,
    validateOnly,
    topics: topics.map((t) => ({
      ...createCreateTopicsRequestCreatableTopic(),
      name: t.name,
      numPartitions: t.partitions ?? 1,
      replicationFactor: t.replicationFactor ?? 1,
      configs: Object.entries(t.configs ?? {}).map(([name, value]) => ({ name, value })),
    })),
  };
}

// --- conveniences over a client ----------------------------------------------------

/** Describes an error code for assertion messages: "3 UNKNOWN_TOPIC_OR_PARTITION". */
export function err(code: number): string {
  return `${code} ${errorName(code)}`;
}

/** A name nobody else uses: prefix-<time>-<random>. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${
    Math.floor(Math.random() * 0xffffff).toString(16)
  }`;
}

/** Creates topics with CreateTopics v5 and throws unless each was created. */
export async function createTopics(
  c: KafkaClient,
  topics: { name: string; partitions?: number; configs?: Record<string, string> }[],
): Promise<CreateTopicsResponse> {
  const res = await c.request(19, 5, createTopicsBody(topics));
  for (const t of res.topics) {
    if (t.errorCode !== 0) {
      throw new Error(`CreateTopics ${t.name}: ${err(t.errorCode)} ${t.errorMessage ?? ""}`);
    }
  }
  return res;
}

/** Deletes one topic by name (DeleteTopics v6) and throws unless it was deleted. */
export async function deleteTopic(c: KafkaClient, topic: string): Promise<void> {
  const res = await c.request(20, 6, {
    ...createDeleteTopicsRequest(),
    topicNames: [],
    topics: [{ name: topic, topicId: ZERO_UUID }],
    timeoutMs: 5000,
  });
  const code = res.responses[0]?.errorCode;
  if (code !== 0) {
    throw new Error(`DeleteTopics ${topic}: ${code === undefined ? "no answer" : err(code)}`);
  }
}

export async function metadata(
  c: KafkaClient,
  topics: string[] | null,
  version = 12,
): Promise<MetadataResponse> {
  return await c.request(3, version, metadataBody(topics));
}

/** The topic id Metadata reports for `topic`. */
export async function topicId(c: KafkaClient, topic: string): Promise<string> {
  const md = await metadata(c, [topic]);
  const t = md.topics.find((x) => x.name === topic);
  if (!t || t.errorCode !== 0) {
    throw new Error(`Metadata ${topic}: ${t ? err(t.errorCode) : "missing"}`);
  }
  return t.topicId;
}

/** Produces one v2 batch to one partition; resolves with that partition's response. */
export async function produce(
  c: KafkaClient,
  topic: string,
  partition: number,
  records: Uint8Array,
  opts: { version?: number; acks?: number } = {},
): Promise<ProduceResponsePartitionProduceResponse> {
  const res = await c.request(0, opts.version ?? 9, produceBody(topic, partition, records, opts));
  const t = res.responses.find((r) => r.name === topic) ?? res.responses[0];
  const p = t?.partitionResponses.find((x) => x.index === partition);
  if (!p) {
    throw new Error(
      `Produce response has no entry for ${topic}-${partition}: ${JSON.stringify(res)}`,
    );
  }
  return p;
}

/** Fetches one partition; resolves with its response entry. */
export async function fetchPartition(
  c: KafkaClient,
  p: FetchPartitionInput,
  opts: {
    version?: number;
    maxWaitMs?: number;
    minBytes?: number;
    maxBytes?: number;
    timeoutMs?: number;
  } = {},
): Promise<FetchResponsePartitionData> {
  const version = opts.version ?? 11;
  const res = await c.request(1, version, fetchBody([p], opts), { timeoutMs: opts.timeoutMs });
  if (res.errorCode !== 0) {
    throw new Error(`Fetch v${version}: top-level error ${err(res.errorCode)}`);
  }
  const t = res.responses[0];
  const part = t?.partitions.find((x) => x.partitionIndex === p.partition);
  if (!part) {
    throw new Error(`Fetch v${version} response has no entry for ${p.topic}-${p.partition}`);
  }
  return part;
}

export async function listOffset(
  c: KafkaClient,
  topic: string,
  partition: number,
  timestamp: number,
  version = 7,
): Promise<ListOffsetsResponseListOffsetsPartitionResponse> {
  const res = await c.request(2, version, listOffsetsBody(topic, [{ partition, timestamp }]));
  const p = res.topics[0]?.partitions.find((x) => x.partitionIndex === partition);
  if (!p) {
    throw new Error(`ListOffsets v${version} response has no entry for ${topic}-${partition}`);
  }
  return p;
}

/** The bytes of a Records field (a fetch response partition) as one array. */
export function recordBytes(records: FetchResponsePartitionData["records"]): Uint8Array {
  if (records === null) return new Uint8Array(0);
  return records instanceof Uint8Array ? records : concat(records as readonly Uint8Array[]);
}

/** The v2 batches of a fetch response partition (a trailing partial batch is ignored). */
export function fetchedBatches(p: FetchResponsePartitionData): BatchHeader[] {
  return [...batches(recordBytes(p.records))];
}

/** Every record of a fetch response partition, in order. */
export function fetchedRecords(p: FetchResponsePartitionData): DecodedRecord[] {
  return fetchedBatches(p).flatMap((b) => decodeBatchRecords(b));
}

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
export const str = (b: Uint8Array | null): string | null =>
  b === null ? null : new TextDecoder().decode(b);
