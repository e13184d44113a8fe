/**
 * `runnel bench`: the project's own load generator. One JSON line per run.
 *   runnel bench produce -b host:port -t topic -n count -s size [-P partitions] [-a acks] [--batch N] [--inflight N]
 *   runnel bench consume -b host:port -t topic -n count
 *   runnel bench e2e     -b host:port -n count -s size -r rate [-P partitions]
 * produce: pipelined Produce v9 requests, one batch per partition each;
 * consume: Fetch v12 from offset 0 on every partition, records counted by walking them;
 * e2e: a producer at a fixed rate and a long-polling consumer; latency from the
 * send time stamped in each record to its arrival.
 */
import { parseArgs } from "node:util";
import type {
  CreateTopicsResponse,
  FetchResponse,
  MetadataResponse,
  ProduceResponse,
} from "../protocol/generated/mod.ts";
import { batches, buildBatch, RecordView } from "../protocol/records/batch.ts";
import { ZERO_UUID } from "../protocol/uuid.ts";
import { BenchConnection } from "./bench_client.ts";

interface Options {
  mode: string;
  host: string;
  port: number;
  topic: string;
  count: number;
  size: number;
  partitions: number;
  acks: number;
  batchRecords: number;
  inflight: number;
  rate: number;
}

function parse(args: string[]): Options {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      bootstrap: { type: "string", short: "b", default: "127.0.0.1:9092" },
      topic: { type: "string", short: "t" },
      count: { type: "string", short: "n", default: "1000000" },
      size: { type: "string", short: "s", default: "100" },
      partitions: { type: "string", short: "P", default: "1" },
      acks: { type: "string", short: "a", default: "1" },
      batch: { type: "string", default: "0" },
      inflight: { type: "string", default: "8" },
      rate: { type: "string", short: "r", default: "20000" },
    },
  });
  const mode = positionals[0] ?? "";
  if (!["produce", "consume", "e2e"].includes(mode)) {
    throw new Error(`unknown bench mode "${mode}"`);
  }
  const [host, port] = values.bootstrap!.split(":");
  const size = Number(values.size);
  return {
    mode,
    host,
    port: Number(port),
    topic: values.topic ?? `bench-${Date.now().toString(36)}`,
    count: Number(values.count),
    size,
    partitions: Number(values.partitions),
    acks: Number(values.acks),
    // About 64 KiB batches unless told otherwise, as a producer with linger would send.
    batchRecords: Number(values.batch) || Math.max(1, Math.floor(65536 / (size + 20))),
    inflight: Number(values.inflight),
    rate: Number(values.rate),
  };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function ensureTopic(c: BenchConnection, topic: string, partitions: number): Promise<number> {
  const res = await c.request<CreateTopicsResponse>(19, 5, {
    topics: [{
      name: topic,
      numPartitions: partitions,
      replicationFactor: 1,
      assignments: [],
      configs: [],
    }],
    timeoutMs: 10000,
    validateOnly: false,
  });
  const code = res.topics[0].errorCode;
  if (code !== 0 && code !== 36) {
    throw new Error(`CreateTopics ${topic}: error ${code} ${res.topics[0].errorMessage}`);
  }
  const md = await c.request<MetadataResponse>(3, 9, {
    topics: [{ topicId: ZERO_UUID, name: topic }],
    allowAutoTopicCreation: false,
    includeClusterAuthorizedOperations: false,
    includeTopicAuthorizedOperations: false,
  });
  return md.topics[0].partitions.length;
}

function produceRequest(topic: string, acks: number, perPartition: Uint8Array[]) {
  return {
    transactionalId: null,
    acks,
    timeoutMs: 30000,
    topicData: [{
      name: topic,
      topicId: ZERO_UUID,
      partitionData: perPartition.map((records, index) => ({ index, records })),
    }],
  };
}

async function produce(o: Options): Promise<Record<string, unknown>> {
  const c = await BenchConnection.connect(o.host, o.port);
  const partitions = await ensureTopic(c, o.topic, o.partitions);
  const value = new Uint8Array(o.size).map((_, i) => (i * 7) & 255);
  const batch = buildBatch({
    records: Array.from({ length: o.batchRecords }, () => ({ key: null, value })),
  });
  const perRequest = o.batchRecords * partitions;
  const requests = Math.ceil(o.count / perRequest);
  const req = produceRequest(o.topic, o.acks, Array.from({ length: partitions }, () => batch));
  const latencies: number[] = [];
  const start = performance.now();
  let sent = 0;
  let errors = 0;
  const window = new Set<Promise<void>>();
  while (sent < requests) {
    while (window.size >= o.inflight) await Promise.race(window);
    const t0 = performance.now();
    sent++;
    if (o.acks === 0) {
      // No responses come back: fire and forget, as acks=0 producers do.
      void c.request(0, 9, req).catch(() => {});
      continue;
    }
    const p: Promise<void> = c.request<ProduceResponse>(0, 9, req).then((res) => {
      latencies.push(performance.now() - t0);
      for (const t of res.responses) {
        for (const pr of t.partitionResponses) if (pr.errorCode !== 0) errors++;
      }
      window.delete(p);
    });
    window.add(p);
  }
  await Promise.all(window);
  const elapsedS = (performance.now() - start) / 1000;
  c.close();
  const records = requests * perRequest;
  latencies.sort((a, b) => a - b);
  return {
    mode: "produce",
    topic: o.topic,
    partitions,
    records,
    recordBytes: o.size,
    acks: o.acks,
    errors,
    elapsedS: round(elapsedS),
    recordsPerS: Math.round(records / elapsedS),
    mbPerS: round((records * o.size) / elapsedS / 1e6),
    requestLatencyMs: {
      p50: round(percentile(latencies, 50)),
      p99: round(percentile(latencies, 99)),
    },
  };
}

async function fetchOnce(c: BenchConnection, topic: string, offsets: number[], maxWaitMs: number) {
  return await c.request<FetchResponse>(1, 12, {
    clusterId: null,
    replicaId: -1,
    replicaState: { replicaId: -1, replicaEpoch: -1 },
    maxWaitMs,
    minBytes: 1,
    maxBytes: 50 * 1024 * 1024,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{
      topic,
      topicId: ZERO_UUID,
      partitions: offsets.map((fetchOffset, partition) => ({
        partition,
        currentLeaderEpoch: -1,
        fetchOffset,
        lastFetchedEpoch: -1,
        logStartOffset: -1,
        partitionMaxBytes: 8 * 1024 * 1024,
        replicaDirectoryId: ZERO_UUID,
        highWatermark: Number.MAX_SAFE_INTEGER,
      })),
    }],
    forgottenTopicsData: [],
    rackId: "",
  });
}

/** Walks every record of the fetched batches at or past each partition's offset; advances the offsets. */
function consumeBatches(
  res: FetchResponse,
  offsets: number[],
  onRecord: (r: RecordView) => void,
): number {
  let n = 0;
  const view = new RecordView();
  for (const t of res.responses) {
    for (const p of t.partitions) {
      if (p.errorCode !== 0) {
        throw new Error(`fetch error ${p.errorCode} on partition ${p.partitionIndex}`);
      }
      const records = p.records as Uint8Array | null;
      if (!records || records.length === 0) continue;
      for (const b of batches(records)) {
        view.open(b);
        while (view.next()) {
          if (view.offset < offsets[p.partitionIndex]) continue;
          onRecord(view);
          n++;
        }
        offsets[p.partitionIndex] = b.lastOffset + 1;
      }
    }
  }
  return n;
}

async function consume(o: Options): Promise<Record<string, unknown>> {
  const c = await BenchConnection.connect(o.host, o.port);
  const md = await c.request<MetadataResponse>(3, 9, {
    topics: [{ topicId: ZERO_UUID, name: o.topic }],
    allowAutoTopicCreation: false,
    includeClusterAuthorizedOperations: false,
    includeTopicAuthorizedOperations: false,
  });
  const partitions = md.topics[0].partitions.length;
  if (partitions === 0) throw new Error(`topic ${o.topic} not found`);
  const offsets = new Array(partitions).fill(0);
  let consumed = 0;
  let bytes = 0;
  const start = performance.now();
  while (consumed < o.count) {
    const res = await fetchOnce(c, o.topic, offsets, 500);
    consumed += consumeBatches(res, offsets, (r) => (bytes += r.valueLength));
    if (performance.now() - start > 120_000) {
      throw new Error(`consumed only ${consumed} of ${o.count}`);
    }
  }
  const elapsedS = (performance.now() - start) / 1000;
  c.close();
  return {
    mode: "consume",
    topic: o.topic,
    partitions,
    records: consumed,
    elapsedS: round(elapsedS),
    recordsPerS: Math.round(consumed / elapsedS),
    mbPerS: round(bytes / elapsedS / 1e6),
  };
}

async function e2e(o: Options): Promise<Record<string, unknown>> {
  const admin = await BenchConnection.connect(o.host, o.port);
  const partitions = await ensureTopic(admin, o.topic, o.partitions);
  admin.close();
  const producer = await BenchConnection.connect(o.host, o.port);
  const consumer = await BenchConnection.connect(o.host, o.port);
  const latencies: number[] = [];
  const offsets = new Array(partitions).fill(0);
  const epoch = performance.timeOrigin;
  let received = 0;
  const consuming = (async () => {
    const deadline = performance.now() + 120_000;
    while (received < o.count && performance.now() < deadline) {
      const res = await fetchOnce(consumer, o.topic, offsets, 100);
      const now = epoch + performance.now();
      received += consumeBatches(res, offsets, (r) => {
        const sentAt = new DataView(r.data.buffer, r.data.byteOffset + r.valueOffset).getFloat64(0);
        latencies.push(now - sentAt);
      });
    }
  })();
  // One small batch per millisecond tick, as a producer with linger.ms=1 would send.
  const tickMs = 1;
  const perTick = Math.max(1, Math.round((o.rate * tickMs) / 1000));
  const value = new Uint8Array(Math.max(8, o.size));
  const start = performance.now();
  let sent = 0;
  let partition = 0;
  while (sent < o.count) {
    const due = Math.min(
      o.count,
      Math.floor(((performance.now() - start) / 1000) * o.rate) + perTick,
    );
    if (sent < due) {
      const n = Math.min(due - sent, o.count - sent);
      new DataView(value.buffer).setFloat64(0, epoch + performance.now());
      const batch = buildBatch({
        records: Array.from({ length: n }, () => ({ key: null, value })),
      });
      const req = {
        transactionalId: null,
        acks: o.acks,
        timeoutMs: 30000,
        topicData: [{
          name: o.topic,
          topicId: ZERO_UUID,
          partitionData: [{ index: partition, records: batch }],
        }],
      };
      partition = (partition + 1) % partitions;
      void producer.request(0, 9, req);
      sent += n;
    }
    await new Promise((r) => setTimeout(r, tickMs));
  }
  await consuming;
  producer.close();
  consumer.close();
  latencies.sort((a, b) => a - b);
  return {
    mode: "e2e",
    topic: o.topic,
    records: received,
    ratePerS: o.rate,
    recordBytes: o.size,
    latencyMs: {
      p50: round(percentile(latencies, 50)),
      p99: round(percentile(latencies, 99)),
      p999: round(percentile(latencies, 99.9)),
      max: round(latencies[latencies.length - 1] ?? 0),
    },
  };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

export async function bench(args: string[]): Promise<void> {
  const o = parse(args);
  const result = o.mode === "produce"
    ? await produce(o)
    : o.mode === "consume"
    ? await consume(o)
    : await e2e(o);
  console.log(JSON.stringify({ tool: "runnel-bench", ...result }));
}
