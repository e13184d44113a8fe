/**
 * Codec benchmark (`deno task bench:codec`): encode/decode throughput of a
 * Produce request and a Fetch response, and CRC-32C throughput, each beside a
 * memcpy baseline measured in the same run. Prints one JSON line; figures are
 * medians of several repetitions in MB/s (10^6 bytes), plus ratios to memcpy.
 */
import {
  concat,
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
} from "../src/protocol/messages.ts";
import type { FetchResponse, ProduceRequest } from "../src/protocol/generated/mod.ts";
import { createFetchResponse } from "../src/protocol/generated/mod.ts";
import { batches, buildBatch, validateBatch } from "../src/protocol/records/batch.ts";
import { crc32c } from "../src/protocol/records/crc.ts";

const reps = Number(Deno.env.get("BENCH_REPS") ?? 7);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Runs `fn` repeatedly for ~targetMs, `reps` times; returns the median MB/s for `bytes` per call. */
function mbps(bytes: number, fn: () => void, targetMs = 150): number {
  for (let i = 0; i < 20; i++) fn(); // warm up
  const results: number[] = [];
  for (let r = 0; r < reps; r++) {
    let calls = 0;
    const start = performance.now();
    let now = start;
    while (now - start < targetMs) {
      fn();
      calls++;
      now = performance.now();
    }
    results.push((bytes * calls) / ((now - start) / 1000) / 1e6);
  }
  return median(results);
}

function records(n: number, size: number) {
  const value = new Uint8Array(size).fill(120);
  return Array.from({ length: n }, (_, i) => ({ key: new TextEncoder().encode(`k${i}`), value }));
}

// A Produce v9 request: one partition, one uncompressed batch of 1,000 x 100 B records.
const produceBatch = buildBatch({ records: records(1000, 100) });
const produce: ProduceRequest = {
  transactionalId: null,
  acks: -1,
  timeoutMs: 30000,
  topicData: [{
    name: "bench",
    topicId: "AAAAAAAAAAAAAAAAAAAAAA",
    partitionData: [{ index: 0, records: produceBatch }],
  }],
};
const produceHeader = { apiKey: 0 as const, apiVersion: 9, correlationId: 1, clientId: "bench" };
const produceFrame = concat(encodeRequest(produceHeader, produce)).subarray(4);

// A Fetch v12 response: 8 partitions, each 4 batches of 100 x 1 KiB records.
const fetchBatches = concat(
  Array.from({ length: 4 }, () => buildBatch({ records: records(100, 1024) })),
);
const fetch: FetchResponse = createFetchResponse();
fetch.responses = [{
  topic: "bench",
  topicId: "AAAAAAAAAAAAAAAAAAAAAA",
  partitions: Array.from({ length: 8 }, (_, i) => ({
    partitionIndex: i,
    errorCode: 0,
    highWatermark: 400,
    lastStableOffset: 400,
    logStartOffset: 0,
    divergingEpoch: { epoch: -1, endOffset: -1 },
    currentLeader: { leaderId: -1, leaderEpoch: -1 },
    snapshotId: { endOffset: -1, epoch: -1 },
    abortedTransactions: null,
    preferredReadReplica: -1,
    records: fetchBatches,
  })),
}];
const fetchFrame = concat(encodeResponse(1, 12, 1, fetch)).subarray(4);

const mib = new Uint8Array(1 << 20).map((_, i) => i * 31);
const dst = new Uint8Array(1 << 20);

const memcpy = mbps(mib.length, () => dst.set(mib));
const crc = mbps(mib.length, () => crc32c(mib));
const produceEncode = mbps(produceFrame.length, () => encodeRequest(produceHeader, produce));
const produceEncodeCopy = mbps(
  produceFrame.length,
  () => concat(encodeRequest(produceHeader, produce)),
);
const produceDecode = mbps(produceFrame.length, () => decodeRequest(produceFrame));
const produceDecodeValidate = mbps(produceFrame.length, () => {
  const d = decodeRequest(produceFrame);
  if (d.kind !== "request") throw new Error("bad frame");
  const p = (d.body as ProduceRequest).topicData[0].partitionData[0].records as Uint8Array;
  validateBatch(p, 0);
});
const fetchEncode = mbps(fetchFrame.length, () => encodeResponse(1, 12, 1, fetch));
const fetchDecode = mbps(fetchFrame.length, () => {
  const { body } = decodeResponse(1, 12, fetchFrame);
  for (const p of (body as FetchResponse).responses[0].partitions) {
    for (const _ of batches(p.records as Uint8Array)) { /* walk batch headers */ }
  }
});

const r = (x: number) => Math.round(x);
const ratio = (x: number) => Math.round((x / memcpy) * 1000) / 1000;
console.log(JSON.stringify({
  bench: "codec",
  reps,
  produceFrameBytes: produceFrame.length,
  fetchFrameBytes: fetchFrame.length,
  memcpyMBps: r(memcpy),
  crc32cMBps: r(crc),
  produceEncodeMBps: r(produceEncode),
  produceEncodeFlatMBps: r(produceEncodeCopy),
  produceDecodeMBps: r(produceDecode),
  produceDecodeValidateMBps: r(produceDecodeValidate),
  fetchEncodeMBps: r(fetchEncode),
  fetchDecodeMBps: r(fetchDecode),
  ratioToMemcpy: {
    crc32c: ratio(crc),
    produceEncodeFlat: ratio(produceEncodeCopy),
    produceDecodeValidate: ratio(produceDecodeValidate),
    fetchEncode: ratio(fetchEncode),
  },
}));
