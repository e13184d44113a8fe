/**
 * Captures golden request frames from real clients into tests/fixtures/golden/:
 *   deno run -A tests/support/capture_golden.ts [kcat] [python] [kafkajs]
 * Needs kcat and python3-confluent-kafka (Debian) and kafkajs (from
 * ../shared/interop/kafkajs/node_modules, installed by its setup.sh).
 * Each fixture line is {apiKey, apiVersion, frame (base64)}; identical frames are kept once.
 */
import { encodeBase64 } from "./base64.ts";
import { CaptureBroker, type Captured } from "./capture_broker.ts";
import {
  codecs,
  kafkajsMessages,
  kcatHeader,
  kcatLines,
  pythonMessages,
} from "./golden_scenarios.ts";

const out = new URL("../fixtures/golden/", import.meta.url);
const kafkajsDir = new URL("../../../shared/interop/kafkajs/", import.meta.url).pathname;

async function run(
  cmd: string,
  args: string[],
  stdin?: string,
  env?: Record<string, string>,
): Promise<string> {
  const p = new Deno.Command(cmd, {
    args,
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    env,
  }).spawn();
  if (stdin !== undefined) {
    const w = p.stdin.getWriter();
    await w.write(new TextEncoder().encode(stdin));
    await w.close();
  }
  const timer = setTimeout(() => p.kill("SIGKILL"), 30_000);
  const res = await p.output();
  clearTimeout(timer);
  const text = new TextDecoder().decode(res.stdout);
  if (!res.success) {
    throw new Error(`${cmd} ${args.join(" ")} failed: ${new TextDecoder().decode(res.stderr)}`);
  }
  return text;
}

async function kcat(b: string): Promise<void> {
  await run("kcat", ["-b", b, "-L"]);
  for (const codec of codecs) {
    await run("kcat", [
      "-b",
      b,
      "-P",
      "-t",
      `golden-${codec}`,
      "-z",
      codec,
      "-K:",
      "-H",
      `${kcatHeader.key}=${kcatHeader.value}`,
      "-X",
      "linger.ms=100",
    ], kcatLines.join("\n") + "\n");
  }
  const got = await run("kcat", [
    "-b",
    b,
    "-C",
    "-t",
    "golden-zstd",
    "-p",
    "0",
    "-o",
    "beginning",
    "-e",
    "-f",
    "%k:%s\\n",
  ]);
  if (got.trim() !== kcatLines.join("\n")) throw new Error(`kcat consumed something else:\n${got}`);
}

async function python(b: string): Promise<void> {
  const script = `
import json, sys
from confluent_kafka import Producer, Consumer, TopicPartition
b = sys.argv[1]
msgs = json.loads(sys.argv[2])
for codec in ["none", "gzip", "snappy", "lz4", "zstd"]:
    p = Producer({"bootstrap.servers": b, "compression.type": codec, "linger.ms": 50})
    for m in msgs:
        p.produce("py-" + codec, key=None if m["key"] is None else m["key"].encode(),
                  value=None if m["value"] is None else m["value"].encode(),
                  headers=[(k, None if v is None else v.encode()) for k, v in m["headers"]], timestamp=1700000000000)
    if p.flush(10) != 0: sys.exit("produce did not finish")
c = Consumer({"bootstrap.servers": b, "group.id": "golden", "enable.auto.commit": False, "enable.partition.eof": True})
c.assign([TopicPartition("py-lz4", 0, 0)])
n = 0
while n < len(msgs):
    m = c.poll(10)
    if m is None: sys.exit("consume timed out")
    if m.error(): continue
    n += 1
c.close()
`;
  await run("/usr/bin/python3", ["-c", script, b, JSON.stringify(pythonMessages)]);
}

async function kafkajs(b: string): Promise<void> {
  const script = `
const { Kafka, CompressionTypes, logLevel } = require("kafkajs");
const [b, msgs] = [process.argv[1], JSON.parse(process.argv[2])];
(async () => {
  const kafka = new Kafka({ clientId: "golden", brokers: [b], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: "js-none", numPartitions: 1 }, { topic: "js-gzip", numPartitions: 1 }] });
  const producer = kafka.producer();
  await producer.connect();
  for (const [codec, compression] of [["none", CompressionTypes.None], ["gzip", CompressionTypes.GZIP]]) {
    await producer.send({ topic: "js-" + codec, compression, messages: msgs.map((m) => ({ ...m, timestamp: "1700000000000" })) });
  }
  await admin.fetchTopicOffsets("js-gzip");
  await producer.disconnect();
  await admin.disconnect();
})().catch((e) => { console.error(e); process.exit(1); });
`;
  await run("node", ["-e", script, b, JSON.stringify(kafkajsMessages)], undefined, {
    NODE_PATH: kafkajsDir + "node_modules",
  });
}

function save(name: string, frames: Captured[]): void {
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const f of frames) {
    const b64 = encodeBase64(f.frame);
    const key = `${f.apiKey}:${f.apiVersion}:${b64}`;
    if (seen.has(key)) continue;
    seen.add(key);
    lines.push(JSON.stringify({ apiKey: f.apiKey, apiVersion: f.apiVersion, frame: b64 }));
  }
  Deno.writeTextFileSync(new URL(`${name}.jsonl`, out), lines.join("\n") + "\n");
  console.log(`${name}: ${lines.length} frames`);
}

const which = Deno.args.length ? Deno.args : ["kcat", "python", "kafkajs"];
Deno.mkdirSync(out, { recursive: true });
for (const name of which) {
  const broker = new CaptureBroker();
  broker.start();
  const b = `127.0.0.1:${broker.port}`;
  try {
    if (name === "kcat") await kcat(b);
    else if (name === "python") await python(b);
    else if (name === "kafkajs") await kafkajs(b);
    else throw new Error(`unknown client ${name}`);
  } finally {
    broker.stop();
  }
  save(name, broker.captured);
}
Deno.exit(0);
