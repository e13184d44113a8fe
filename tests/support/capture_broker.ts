/**
 * A tiny in-memory stand-in for a broker, just enough for real clients (kcat,
 * the confluent-kafka Python client, kafkajs) to run a produce/consume/admin
 * session against it while every request frame they send is recorded. Used by
 * capture_golden.ts to make the golden-frame fixtures; not the Runnel broker.
 * One partition per topic, node 0, offsets assigned in memory.
 */
import { allApis } from "../../src/protocol/generated/mod.ts";
import type {
  CreateTopicsRequest,
  CreateTopicsResponse,
  FetchRequest,
  FetchResponse,
  ListOffsetsRequest,
  ListOffsetsResponse,
  MetadataRequest,
  MetadataResponse,
  ProduceRequest,
  ProduceResponse,
} from "../../src/protocol/generated/mod.ts";
import { FrameDecoder } from "../../src/protocol/frame.ts";
import { concat, decodeRequest, encodeResponse } from "../../src/protocol/messages.ts";
import { BatchHeader } from "../../src/protocol/records/layout.ts";
import { randomUuid } from "../../src/protocol/uuid.ts";

export interface Captured {
  apiKey: number;
  apiVersion: number;
  frame: Uint8Array;
}

interface PartitionLog {
  batches: Uint8Array[];
  nextOffset: number;
}

export class CaptureBroker {
  readonly captured: Captured[] = [];
  private readonly logs = new Map<string, PartitionLog>();
  private readonly topicIds = new Map<string, string>();
  private listener: Deno.Listener | null = null;
  port = 0;

  start(): void {
    this.listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    this.port = (this.listener.addr as Deno.NetAddr).port;
    (async () => {
      for await (const conn of this.listener!) this.serve(conn).catch(() => conn.close());
    })().catch(() => {});
  }

  stop(): void {
    this.listener?.close();
  }

  /** Appends a batch (its baseOffset is assigned here) for clients to fetch. */
  preload(topic: string, batch: Uint8Array): void {
    const log = this.log(topic);
    const copy = batch.slice();
    const h = new BatchHeader(copy);
    h.baseOffset = log.nextOffset;
    log.nextOffset += h.lastOffsetDelta + 1;
    log.batches.push(copy);
  }

  private log(topic: string): PartitionLog {
    let l = this.logs.get(topic);
    if (!l) {
      l = { batches: [], nextOffset: 0 };
      this.logs.set(topic, l);
      this.topicIds.set(topic, randomUuid());
    }
    return l;
  }

  private async serve(conn: Deno.Conn): Promise<void> {
    const frames = new FrameDecoder();
    const buf = new Uint8Array(1 << 16);
    for (;;) {
      const n = await conn.read(buf);
      if (n === null) break;
      for (const frame of frames.push(buf.slice(0, n))) {
        const d = decodeRequest(frame);
        const h = d.header;
        this.captured.push({ apiKey: h.apiKey, apiVersion: h.apiVersion, frame: frame.slice() });
        if (d.kind === "apiVersionsFallback") {
          await write(conn, encodeResponse(18, 0, h.correlationId, this.apiVersions(35)));
          continue;
        }
        const body = this.handle(h.apiKey, h.apiVersion, d.body);
        if (body === undefined) continue; // acks=0
        await write(conn, encodeResponse(h.apiKey, h.apiVersion, h.correlationId, body));
      }
    }
    conn.close();
  }

  private apiVersions(errorCode = 0) {
    const res = allApis.find((a) => a.apiKey === 18)!.response.create() as {
      errorCode: number;
      apiKeys: { apiKey: number; minVersion: number; maxVersion: number }[];
    };
    res.errorCode = errorCode;
    res.apiKeys = allApis.filter((a) => a.listeners.includes("broker")).map((a) => ({
      apiKey: a.apiKey,
      minVersion: a.request.minVersion,
      maxVersion: a.request.maxVersion,
    }));
    return res;
  }

  private handle(apiKey: number, version: number, body: unknown): unknown {
    const codec = allApis.find((a) => a.apiKey === apiKey)!;
    switch (apiKey) {
      case 18:
        return this.apiVersions();
      case 3:
        return this.metadata(body as MetadataRequest, codec.response.create() as MetadataResponse);
      case 0:
        return this.produce(body as ProduceRequest, codec.response.create() as ProduceResponse);
      case 1:
        return this.fetch(body as FetchRequest, codec.response.create() as FetchResponse);
      case 2:
        return this.listOffsets(
          body as ListOffsetsRequest,
          codec.response.create() as ListOffsetsResponse,
        );
      case 19:
        return this.createTopics(
          body as CreateTopicsRequest,
          codec.response.create() as CreateTopicsResponse,
        );
      case 10: {
        // No coordinator here: clients retry later, which is all a capture needs.
        const res = codec.response.create() as {
          errorCode: number;
          coordinators: { errorCode: number }[];
        };
        res.errorCode = 15;
        return res;
      }
      default:
        void version;
        return codec.response.create();
    }
  }

  private metadata(req: MetadataRequest, res: MetadataResponse): MetadataResponse {
    res.brokers = [{ nodeId: 0, host: "127.0.0.1", port: this.port, rack: null }];
    res.clusterId = "golden-capture-cluster";
    res.controllerId = 0;
    const names = req.topics === null || req.topics.length === 0
      ? [...this.logs.keys()]
      : (req.topics ?? []).map((t) => t.name ?? "");
    for (const name of names) this.log(name);
    res.topics = names.map((name) => ({
      errorCode: 0,
      name,
      topicId: this.topicIds.get(name)!,
      isInternal: false,
      partitions: [{
        errorCode: 0,
        partitionIndex: 0,
        leaderId: 0,
        leaderEpoch: 0,
        replicaNodes: [0],
        isrNodes: [0],
        offlineReplicas: [],
      }],
      topicAuthorizedOperations: -2147483648,
    }));
    return res;
  }

  private produce(req: ProduceRequest, res: ProduceResponse): ProduceResponse | undefined {
    res.responses = req.topicData.map((t) => ({
      name: t.name,
      topicId: t.topicId,
      partitionResponses: t.partitionData.map((p) => {
        const log = this.log(t.name);
        const baseOffset = log.nextOffset;
        const records = p.records instanceof Uint8Array ? p.records.slice() : new Uint8Array(0);
        for (let pos = 0; pos + 61 <= records.length;) {
          const h = new BatchHeader(records, pos);
          h.baseOffset = log.nextOffset;
          log.nextOffset += h.lastOffsetDelta + 1;
          log.batches.push(records.slice(pos, pos + h.sizeBytes));
          pos += h.sizeBytes;
        }
        return {
          index: p.index,
          errorCode: 0,
          baseOffset,
          logAppendTimeMs: -1,
          logStartOffset: 0,
          recordErrors: [],
          errorMessage: null,
          currentLeader: { leaderId: -1, leaderEpoch: -1 },
        };
      }),
    }));
    return req.acks === 0 ? undefined : res;
  }

  private fetch(req: FetchRequest, res: FetchResponse): FetchResponse {
    res.responses = req.topics.map((t) => ({
      topic: t.topic,
      topicId: t.topicId,
      partitions: t.partitions.map((p) => {
        const log = this.log(t.topic);
        const chunks = log.batches.filter((b) => {
          const h = new BatchHeader(b);
          return h.lastOffset >= p.fetchOffset;
        });
        return {
          partitionIndex: p.partition,
          errorCode: 0,
          highWatermark: log.nextOffset,
          lastStableOffset: log.nextOffset,
          logStartOffset: 0,
          divergingEpoch: { epoch: -1, endOffset: -1 },
          currentLeader: { leaderId: -1, leaderEpoch: -1 },
          snapshotId: { endOffset: -1, epoch: -1 },
          abortedTransactions: req.isolationLevel === 1 ? [] : null,
          preferredReadReplica: -1,
          records: chunks.length ? concat(chunks) : new Uint8Array(0),
        };
      }),
    }));
    return res;
  }

  private listOffsets(req: ListOffsetsRequest, res: ListOffsetsResponse): ListOffsetsResponse {
    res.topics = req.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => {
        const log = this.log(t.name);
        const offset = p.timestamp === -2 ? 0 : log.nextOffset;
        return {
          partitionIndex: p.partitionIndex,
          errorCode: 0,
          oldStyleOffsets: [offset],
          timestamp: -1,
          offset,
          leaderEpoch: 0,
        };
      }),
    }));
    return res;
  }

  private createTopics(req: CreateTopicsRequest, res: CreateTopicsResponse): CreateTopicsResponse {
    res.topics = req.topics.map((t) => {
      this.log(t.name);
      return {
        name: t.name,
        topicId: this.topicIds.get(t.name)!,
        errorCode: 0,
        errorMessage: null,
        topicConfigErrorCode: 0,
        numPartitions: 1,
        replicationFactor: 1,
        configs: [],
      };
    });
    return res;
  }
}

async function write(conn: Deno.Conn, chunks: Uint8Array[]): Promise<void> {
  const bytes = concat(chunks);
  for (let off = 0; off < bytes.length;) off += await conn.write(bytes.subarray(off));
}
