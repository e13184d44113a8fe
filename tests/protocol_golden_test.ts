/**
 * Golden frames: requests captured from real clients (kcat and the
 * confluent-kafka Python client on librdkafka 2.0.2, kafkajs 2.2.4) by
 * tests/support/capture_golden.ts. Each decodes and re-encodes to the same
 * bytes, and the produced record batches (every codec librdkafka has, gzip
 * from kafkajs) decode to exactly the messages the capture session sent.
 */
import { decodeBase64 } from "./support/base64.ts";
import {
  codecs,
  kafkajsMessages,
  kcatHeader,
  kcatLines,
  pythonMessages,
} from "./support/golden_scenarios.ts";
import { concat, decodeRequest, encodeAnyRequest } from "../src/protocol/messages.ts";
import type { ApiVersionsRequest, ProduceRequest } from "../src/protocol/generated/mod.ts";
import { batches, decodeBatchRecords, type DecodedRecord } from "../src/protocol/records/batch.ts";
import { deepEqual } from "../src/protocol/equal.ts";

interface Fixture {
  apiKey: number;
  apiVersion: number;
  frame: Uint8Array;
}

function load(client: string): Fixture[] {
  const text = Deno.readTextFileSync(new URL(`./fixtures/golden/${client}.jsonl`, import.meta.url));
  return text.trim().split("\n").map((l) => {
    const j = JSON.parse(l);
    return { apiKey: j.apiKey, apiVersion: j.apiVersion, frame: decodeBase64(j.frame) };
  });
}

const utf8 = new TextDecoder();
const str = (b: Uint8Array | null) => (b === null ? null : utf8.decode(b));

/** Every record produced to `topic` in the fixtures, in order, with the codec of each batch. */
function produced(
  fixtures: Fixture[],
  topic: string,
): { codecs: Set<number>; records: DecodedRecord[] } {
  const out = { codecs: new Set<number>(), records: [] as DecodedRecord[] };
  for (const f of fixtures) {
    if (f.apiKey !== 0) continue;
    const d = decodeRequest(f.frame);
    if (d.kind !== "request") continue;
    for (const t of (d.body as ProduceRequest).topicData) {
      if (t.name !== topic) continue;
      for (const p of t.partitionData) {
        for (const b of batches(p.records as Uint8Array)) {
          out.codecs.add(b.compression);
          out.records.push(...decodeBatchRecords(b));
        }
      }
    }
  }
  return out;
}

function check(cond: boolean, what: string): void {
  if (!cond) throw new Error(what);
}

for (const client of ["kcat", "python", "kafkajs"]) {
  Deno.test(`${client}: golden frames decode and re-encode to the same bytes`, () => {
    const fixtures = load(client);
    check(fixtures.length > 5, "too few fixtures");
    for (const f of fixtures) {
      const d = decodeRequest(f.frame);
      if (d.kind !== "request") {
        throw new Error(`api ${f.apiKey} v${f.apiVersion} took the fallback`);
      }
      check(
        d.header.apiKey === f.apiKey && d.header.apiVersion === f.apiVersion,
        "header mismatch",
      );
      const again = concat(encodeAnyRequest(d.header, d.body)).subarray(4);
      check(deepEqual(again, f.frame), `${d.codec.name} v${f.apiVersion} re-encodes differently`);
    }
  });
}

Deno.test("kcat: produce batches in all five codecs decode to the lines sent", () => {
  const fixtures = load("kcat");
  const api = fixtures.find((f) => f.apiKey === 18)!;
  const d = decodeRequest(api.frame);
  check(
    d.kind === "request" && /librdkafka/.test((d.body as ApiVersionsRequest).clientSoftwareName),
    "software name",
  );
  codecs.forEach((codec, code) => {
    const got = produced(fixtures, `golden-${codec}`);
    check(deepEqual([...got.codecs], [code]), `golden-${codec}: batch codecs ${[...got.codecs]}`);
    const lines = got.records.map((r) => `${str(r.key)}:${str(r.value)}`);
    check(deepEqual(lines, kcatLines), `golden-${codec}: records differ`);
    for (const r of got.records) {
      check(r.headers.length === 1 && r.headers[0].key === kcatHeader.key, "header key");
      check(str(r.headers[0].value) === kcatHeader.value, "header value");
    }
  });
});

Deno.test("confluent-kafka (Python): null keys, values and headers survive every codec", () => {
  const fixtures = load("python");
  codecs.forEach((codec, code) => {
    const got = produced(fixtures, `py-${codec}`);
    // librdkafka sends a batch uncompressed when compressing does not shrink it.
    check(
      got.codecs.has(code) && [...got.codecs].every((c) => c === code || c === 0),
      `py-${codec}: codecs ${[...got.codecs]}`,
    );
    const want = pythonMessages.map((m) => ({
      key: m.key,
      value: m.value,
      headers: m.headers.map(([k, v]) => [k, v]),
      timestamp: 1700000000000,
    }));
    const have = got.records.map((r) => ({
      key: str(r.key),
      value: str(r.value),
      headers: r.headers.map((h) => [h.key, str(h.value)]),
      timestamp: r.timestamp,
    }));
    check(deepEqual(have, want), `py-${codec}: ${JSON.stringify(have)}`);
  });
});

Deno.test("kafkajs: produce v7 with and without gzip decodes to the messages sent", () => {
  const fixtures = load("kafkajs");
  for (const [codec, code] of [["none", 0], ["gzip", 1]] as const) {
    const got = produced(fixtures, `js-${codec}`);
    check(deepEqual([...got.codecs], [code]), `js-${codec}: batch codecs ${[...got.codecs]}`);
    const have = got.records.map((r) => ({
      key: str(r.key),
      value: str(r.value),
      headers: Object.fromEntries(r.headers.map((h) => [h.key, str(h.value)])),
    }));
    check(deepEqual(have, kafkajsMessages), `js-${codec}: ${JSON.stringify(have)}`);
  }
});
