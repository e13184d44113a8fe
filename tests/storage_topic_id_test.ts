/**
 * End to end against a real broker process: a topic deleted and re-created
 * under the same name keeps the new topic's data across a restart (the
 * replayed metadata history deletes the old topic, not the new one's log,
 * which partition.metadata ties to the new topic id), and never shows the
 * old topic's records. Both with the single-threaded data path and with shard
 * workers (which own the partitions' logs there).
 */
import { assert, assertEquals } from "./support/storage_assert.ts";
import { BrokerProcess } from "./support/broker_process.ts";
import {
  createTopics,
  deleteTopic,
  err,
  fetchedRecords,
  fetchPartition,
  KafkaClient,
  produce,
  str,
  topicId,
  uniqueName,
  utf8,
} from "./support/kafka_client.ts";
import { buildBatch } from "../src/protocol/records/batch.ts";

function batch(values: string[]): Uint8Array {
  return buildBatch({
    records: values.map((v) => ({ key: null, value: utf8(v), headers: [], timestamp: Date.now() })),
  });
}

async function values(c: KafkaClient, topic: string): Promise<(string | null)[]> {
  const p = await fetchPartition(c, { topic, partition: 0, offset: 0 }, { maxWaitMs: 0 });
  assertEquals(p.errorCode, 0, err(p.errorCode));
  return fetchedRecords(p).map((r) => str(r.value));
}

for (const singleThread of [true, false]) {
  Deno.test(
    `a deleted and re-created topic keeps its new data across a restart (${
      singleThread ? "single thread" : "shard workers"
    })`,
    () => recreateAndRestart(singleThread),
  );
}

async function recreateAndRestart(singleThread: boolean): Promise<void> {
  const broker = await BrokerProcess.start({
    overrides: { "single.thread": String(singleThread) },
  });
  try {
    const topic = uniqueName("recreated");
    let c = await KafkaClient.connect(broker.bootstrap);
    await createTopics(c, [{ name: topic, partitions: 1 }]);
    const oldId = await topicId(c, topic);
    assertEquals((await produce(c, topic, 0, batch(["old-1", "old-2"]))).errorCode, 0);

    await deleteTopic(c, topic);
    await createTopics(c, [{ name: topic, partitions: 1 }]);
    const newId = await topicId(c, topic);
    assert(newId !== oldId, "a new topic id");
    const p = await produce(c, topic, 0, batch(["new"]));
    assertEquals([p.errorCode, Number(p.baseOffset)], [0, 0], "the new topic starts empty");
    assertEquals(await values(c, topic), ["new"]);
    await c.close();

    await broker.restart();
    c = await KafkaClient.connect(broker.bootstrap);
    try {
      assertEquals(await topicId(c, topic), newId);
      assertEquals(await values(c, topic), ["new"], broker.describe());
      const meta = await Deno.readTextFile(`${broker.logDir}/${topic}-0/partition.metadata`);
      assertEquals(meta, `version: 0\ntopic_id: ${newId}\n`);
      const afterRestart = broker.output().split("--- start #2 ---")[1];
      assert(!afterRestart.includes(`deleting log ${topic}-0`), broker.describe());
    } finally {
      await c.close();
    }
  } finally {
    await broker.close();
  }
}
