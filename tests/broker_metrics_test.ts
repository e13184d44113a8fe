/**
 * Prometheus metrics on metrics.listener: the metadata quorum's leadership
 * changes (one per start of a one-voter quorum), request counts by API, and
 * per-partition offsets after a produce.
 */
import { BrokerProcess, freePort } from "./support/broker_process.ts";
import { KafkaClient, produceBody } from "./support/kafka_client.ts";
import { buildBatch } from "../src/protocol/records/batch.ts";

function check(cond: boolean, what: string): void {
  if (!cond) throw new Error(what);
}

function sample(text: string, line: string): number {
  const m = text.split("\n").find((l) => l.startsWith(line + " "));
  if (m === undefined) throw new Error(`no sample ${line} in:\n${text}`);
  return Number(m.slice(line.length + 1));
}

Deno.test("metrics: quorum leadership changes, requests by API, partition offsets", async () => {
  const port = freePort();
  const broker = await BrokerProcess.start({
    overrides: { "metrics.listener": `127.0.0.1:${port}` },
  });
  try {
    const scrape = async () => await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const first = await scrape();
    check(
      sample(first, "runnel_metadata_quorum_leader_changes_total") >= 1,
      "a leader was elected",
    );
    check(sample(first, "runnel_metadata_quorum_leader_id") === 1, "this node leads");

    const c = await KafkaClient.connect(broker.bootstrap);
    const created = await c.request(19, 7, {
      topics: [{
        name: "m-topic",
        numPartitions: 1,
        replicationFactor: 1,
        assignments: [],
        configs: [],
      }],
      timeoutMs: 5000,
      validateOnly: false,
    });
    check(created.topics[0].errorCode === 0, "topic created");
    const enc = new TextEncoder();
    const batch = buildBatch({
      records: [1, 2, 3].map((i) => ({ key: null, value: enc.encode(`v${i}`) })),
    });
    const res = await c.request(0, 9, produceBody("m-topic", 0, batch));
    check(res.responses[0].partitionResponses[0].errorCode === 0, "produced");
    await c.close();

    const after = await scrape();
    check(
      sample(after, 'runnel_partition_log_end_offset{topic="m-topic",partition="0"}') === 3,
      "log end 3",
    );
    check(
      sample(after, 'runnel_partition_high_watermark{topic="m-topic",partition="0"}') === 3,
      "high watermark 3",
    );
    check(sample(after, 'runnel_requests_total{api="Produce"}') >= 1, "produce counted");
    check(sample(after, 'runnel_requests_total{api="CreateTopics"}') >= 1, "create counted");
    check(sample(after, "runnel_topics") >= 1, "topics gauge");

    await broker.restart();
    const restarted = await scrape();
    check(
      sample(restarted, "runnel_metadata_quorum_epoch") >
        sample(first, "runnel_metadata_quorum_epoch"),
      "a restart is a new quorum epoch",
    );
  } finally {
    await broker.close();
  }
});
