/**
 * The multi-core data path end to end: a broker process with 2 reactor and 3
 * shard workers (more than this machine's cores on purpose: every request
 * below spans shards), the same with the main thread accepting connections
 * (num.network.threads=0) and with
 * single.thread=true.
 *
 * - one Produce request writing to 6 partitions owned by 3 shards, answered
 *   as one response in request order; offsets per partition;
 * - one Fetch spanning the shards answered as one response; the max_bytes
 *   budget holds over the whole response; a long poll wakes on an append to
 *   a partition owned by another shard than the first one asked;
 * - ListOffsets, DeleteRecords, DescribeLogDirs across shards; committed
 *   offsets (the __consumer_offsets partitions stay on the main thread) and a
 *   Fetch of __consumer_offsets (forwarded whole to the main thread);
 * - a topic deleted and re-created under the same name starts empty;
 * - many pipelined produce requests on one connection keep their order;
 * - a graceful restart keeps everything.
 */
import { assert, assertEquals } from "./support/storage_assert.ts";
import { BrokerProcess, brokerStep } from "./support/broker_process.ts";
import {
  createTopics,
  deleteTopic,
  EARLIEST_TIMESTAMP,
  err,
  fetchBody,
  fetchedRecords,
  KafkaClient,
  LATEST_TIMESTAMP,
  listOffsetsBody,
  produceBody,
  str,
  uniqueName,
  utf8,
} from "./support/kafka_client.ts";
import { buildBatch } from "../src/protocol/records/batch.ts";
import {
  createDeleteRecordsRequest,
  createDescribeLogDirsRequest,
  createOffsetCommitRequest,
  createOffsetFetchRequest,
  createProduceRequest,
} from "../src/protocol/generated/mod.ts";
import { ZERO_UUID } from "../src/protocol/uuid.ts";

const PARTITIONS = 6;

function batch(values: string[]): Uint8Array {
  return buildBatch({
    records: values.map((v) => ({ key: null, value: utf8(v), headers: [], timestamp: Date.now() })),
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function scenario(t: Deno.TestContext, broker: BrokerProcess): Promise<void> {
  let c = await KafkaClient.connect(broker.bootstrap);
  const topic = uniqueName("mc");
  const step = brokerStep(t, broker);
  try {
    await step("one produce request over every shard", async () => {
      await createTopics(c, [{ name: topic, partitions: PARTITIONS }]);
      for (let round = 0; round < 2; round++) {
        const res = await c.request(0, 9, {
          ...createProduceRequest(),
          acks: -1,
          timeoutMs: 5000,
          topicData: [{
            name: topic,
            topicId: ZERO_UUID,
            // Reverse order on purpose: the response follows the request's order.
            partitionData: Array.from({ length: PARTITIONS }, (_, i) => PARTITIONS - 1 - i).map((
              p,
            ) => ({ index: p, records: batch([`r${round}-p${p}-a`, `r${round}-p${p}-b`]) })),
          }],
        });
        const parts = res.responses[0].partitionResponses;
        assertEquals(
          parts.map((p) => p.index),
          Array.from({ length: PARTITIONS }, (_, i) => PARTITIONS - 1 - i),
        );
        for (const p of parts) {
          assertEquals(
            [p.errorCode, p.baseOffset],
            [0, round * 2],
            `p${p.index}: ${err(p.errorCode)}`,
          );
        }
      }
    });

    await step("one fetch over every shard, one budget", async () => {
      const all = Array.from(
        { length: PARTITIONS },
        (_, p) => ({ topic, partition: p, offset: 0 }),
      );
      const res = await c.request(1, 12, fetchBody(all));
      assertEquals(res.errorCode, 0);
      const got = res.responses[0].partitions;
      assertEquals(got.map((p) => p.partitionIndex), [0, 1, 2, 3, 4, 5]);
      for (const p of got) {
        assertEquals(p.errorCode, 0, err(p.errorCode));
        assertEquals(p.highWatermark, 4);
        assertEquals(
          fetchedRecords(p).map((r) => str(r.value)),
          [0, 1].flatMap((
            round,
          ) => [`r${round}-p${p.partitionIndex}-a`, `r${round}-p${p.partitionIndex}-b`]),
        );
      }
      // A budget of one byte: only the first partition with data answers (one batch), the rest none.
      const tight = await c.request(1, 12, fetchBody(all, { maxBytes: 1 }));
      const sizes = tight.responses[0].partitions.map((p) => fetchedRecords(p).length);
      assertEquals(sizes, [2, 0, 0, 0, 0, 0], "max_bytes holds over the whole response");
    });

    await step("a long poll wakes on an append to another shard", async () => {
      const waiter = await KafkaClient.connect(broker.bootstrap);
      try {
        const parts = Array.from(
          { length: PARTITIONS },
          (_, p) => ({ topic, partition: p, offset: 4 }),
        );
        const started = Date.now();
        const pending = waiter.request(1, 12, fetchBody(parts, { maxWaitMs: 5000, minBytes: 1 }));
        await sleep(200);
        const r = await c.request(0, 9, produceBody(topic, 5, batch(["late"])));
        assertEquals(r.responses[0].partitionResponses[0].errorCode, 0);
        const res = await pending;
        const waited = Date.now() - started;
        assert(waited < 3000, `long poll answered after ${waited} ms`);
        const p5 = res.responses[0].partitions.find((p) => p.partitionIndex === 5)!;
        assertEquals(fetchedRecords(p5).map((x) => str(x.value)), ["late"]);
      } finally {
        waiter.close();
      }
    });

    await step("ListOffsets and DeleteRecords across shards", async () => {
      const parts = Array.from({ length: PARTITIONS }, (_, p) => p);
      const latest = await c.request(
        2,
        7,
        listOffsetsBody(topic, parts.map((p) => ({ partition: p, timestamp: LATEST_TIMESTAMP }))),
      );
      assertEquals(latest.topics[0].partitions.map((p) => p.offset), [4, 4, 4, 4, 4, 5]);
      const del = await c.request(21, 2, {
        ...createDeleteRecordsRequest(),
        timeoutMs: 5000,
        topics: [{ name: topic, partitions: parts.map((p) => ({ partitionIndex: p, offset: 1 })) }],
      });
      assertEquals(
        del.topics[0].partitions.map((p) => [p.errorCode, p.lowWatermark]),
        parts.map(() => [0, 1]),
      );
      const earliest = await c.request(
        2,
        7,
        listOffsetsBody(topic, parts.map((p) => ({ partition: p, timestamp: EARLIEST_TIMESTAMP }))),
      );
      assertEquals(earliest.topics[0].partitions.map((p) => p.offset), [1, 1, 1, 1, 1, 1]);
    });

    await step("DescribeLogDirs sees every shard's partitions", async () => {
      const res = await c.request(35, 4, { ...createDescribeLogDirsRequest(), topics: null });
      const mine = res.results.flatMap((d) => d.topics).filter((x) => x.name === topic)
        .flatMap((x) => x.partitions.map((p) => p.partitionIndex)).sort();
      assertEquals(mine, [0, 1, 2, 3, 4, 5]);
    });

    await step("offsets commit to __consumer_offsets, which can be fetched", async () => {
      const group = uniqueName("g");
      const commit = await c.request(8, 8, {
        ...createOffsetCommitRequest(),
        groupId: group,
        generationIdOrMemberEpoch: -1,
        memberId: "",
        groupInstanceId: null,
        topics: [{
          name: topic,
          partitions: [{
            partitionIndex: 3,
            committedOffset: 2,
            committedLeaderEpoch: -1,
            committedMetadata: "",
            commitTimestamp: -1,
          }],
        }],
      });
      assertEquals(commit.topics[0].partitions[0].errorCode, 0);
      const fetched = await c.request(9, 7, {
        ...createOffsetFetchRequest(),
        groupId: group,
        topics: [{ name: topic, partitionIndexes: [3] }],
        requireStable: false,
      });
      assertEquals(fetched.topics[0].partitions[0].committedOffset, 2);
      const internal = Array.from(
        { length: 50 },
        (_, p) => ({ topic: "__consumer_offsets", partition: p, offset: 0 }),
      );
      const res = await c.request(1, 12, fetchBody(internal));
      const records = res.responses[0].partitions.reduce((n, p) => n + fetchedRecords(p).length, 0);
      assert(records >= 1, "the commit is in __consumer_offsets");
    });

    await step("a deleted and re-created topic starts empty", async () => {
      await deleteTopic(c, topic);
      await createTopics(c, [{ name: topic, partitions: PARTITIONS }]);
      const latest = await c.request(
        2,
        7,
        listOffsetsBody(
          topic,
          [0, 1, 2, 3, 4, 5].map((p) => ({ partition: p, timestamp: LATEST_TIMESTAMP })),
        ),
      );
      assertEquals(
        latest.topics[0].partitions.map((p) => [p.errorCode, p.offset]),
        [0, 1, 2, 3, 4, 5].map(() => [0, 0]),
      );
    });

    await step("pipelined produces on one connection keep their order", async () => {
      const n = 200;
      const sent = Array.from(
        { length: n },
        (_, i) =>
          c.request(0, 9, produceBody(topic, i % PARTITIONS, batch([`seq-${i}`]), { acks: 1 })),
      );
      const res = await Promise.all(sent);
      res.forEach((r, i) => {
        const p = r.responses[0].partitionResponses[0];
        assertEquals([p.errorCode, p.baseOffset], [0, Math.floor(i / PARTITIONS)], `request ${i}`);
      });
    });

    await step(
      "a flood larger than the rings waits instead of dropping (backpressure)",
      async () => {
        // 40 requests x 6 partitions x ~200 KiB in flight at once: ~48 MB through 4 MiB rings.
        const flood = uniqueName("flood");
        await createTopics(c, [{ name: flood, partitions: PARTITIONS }]);
        const big = "x".repeat(200 * 1024);
        const sent = Array.from({ length: 40 }, (_, i) =>
          c.request(0, 9, {
            ...createProduceRequest(),
            acks: 1,
            timeoutMs: 30_000,
            topicData: [{
              name: flood,
              topicId: ZERO_UUID,
              partitionData: Array.from({ length: PARTITIONS }, (_, p) => ({
                index: p,
                records: batch([`${i}:${big}`]),
              })),
            }],
          }, { timeoutMs: 60_000 }));
        const res = await Promise.all(sent);
        res.forEach((r, i) => {
          for (const p of r.responses[0].partitionResponses) {
            assertEquals([p.errorCode, p.baseOffset], [0, i], `request ${i} p${p.index}`);
          }
        });
        const latest = await c.request(
          2,
          7,
          listOffsetsBody(
            flood,
            [0, 1, 2, 3, 4, 5].map((p) => ({ partition: p, timestamp: LATEST_TIMESTAMP })),
          ),
        );
        assertEquals(latest.topics[0].partitions.map((p) => p.offset), [40, 40, 40, 40, 40, 40]);
        // Read it all back, in order, through fetches the rings must split.
        let offset = 0;
        while (offset < 40) {
          const r = await c.request(1, 12, fetchBody([{ topic: flood, partition: 2, offset }]));
          const got = fetchedRecords(r.responses[0].partitions[0]);
          assert(got.length > 0, `fetch at ${offset} returned nothing`);
          for (const rec of got) {
            assertEquals(str(rec.value)!.split(":")[0], String(rec.offset));
            assertEquals(rec.offset, offset++);
          }
        }
      },
    );

    await step("a graceful restart keeps the data", async () => {
      c.close();
      await broker.stop();
      await broker.restart();
      c = await KafkaClient.connect(broker.bootstrap);
      const all = Array.from(
        { length: PARTITIONS },
        (_, p) => ({ topic, partition: p, offset: 0 }),
      );
      const res = await c.request(1, 12, fetchBody(all));
      const values = res.responses[0].partitions.flatMap((p) =>
        fetchedRecords(p).map((r) => str(r.value))
      );
      assertEquals(values.length, 200);
      for (let p = 0; p < PARTITIONS; p++) {
        const mine = fetchedRecords(res.responses[0].partitions[p]).map((r) =>
          Number(str(r.value)!.slice(4))
        );
        assert(mine.every((v, i) => i === 0 || v > mine[i - 1]), `partition ${p} in order`);
      }
    });
  } finally {
    c.close();
  }
}

Deno.test("multi-core data path: 2 reactors, 3 shards", async (t) => {
  const broker = await BrokerProcess.start({
    overrides: { "num.network.threads": "2", "num.shard.threads": "3" },
  });
  try {
    assert(broker.output().includes("2 reactors, 3 shards"), broker.describe());
    await scenario(t, broker);
  } finally {
    await broker.close();
  }
});

Deno.test("multi-core data path: the main thread accepts, 3 shards", async (t) => {
  const broker = await BrokerProcess.start({
    overrides: { "num.network.threads": "0", "num.shard.threads": "3" },
  });
  try {
    assert(broker.output().includes("connections on the main thread, 3 shards"), broker.describe());
    await scenario(t, broker);
  } finally {
    await broker.close();
  }
});

Deno.test("multi-core data path: the shard count may change between restarts", async (t) => {
  const broker = await BrokerProcess.start({ overrides: { "num.shard.threads": "3" } });
  const step = brokerStep(t, broker);
  const topic = uniqueName("reshard");
  const all = Array.from({ length: PARTITIONS }, (_, p) => ({ topic, partition: p, offset: 0 }));
  /** Each partition's records from offset 2 (the log start after DeleteRecords), with its error. */
  const read = async (c: KafkaClient) => {
    const res = await c.request(1, 12, fetchBody(all.map((p) => ({ ...p, offset: 2 }))));
    return res.responses[0].partitions.map((p) => [
      err(p.errorCode),
      ...fetchedRecords(p).map((r) => str(r.value)),
    ]);
  };
  /** Records produced to partition 0 after the first restart. */
  const written: string[] = [];
  let c = await KafkaClient.connect(broker.bootstrap);
  try {
    await step("3 shards: write, and move every log start past the first record", async () => {
      await createTopics(c, [{ name: topic, partitions: PARTITIONS }]);
      for (let p = 0; p < PARTITIONS; p++) {
        const r = await c.request(0, 9, produceBody(topic, p, batch(["a", "b"])));
        assertEquals(r.responses[0].partitionResponses[0].errorCode, 0);
        const r2 = await c.request(0, 9, produceBody(topic, p, batch(["c"])));
        assertEquals(r2.responses[0].partitionResponses[0].errorCode, 0);
      }
      const del = await c.request(21, 2, {
        ...createDeleteRecordsRequest(),
        timeoutMs: 5000,
        topics: [{
          name: topic,
          partitions: all.map((p) => ({ partitionIndex: p.partition, offset: 2 })),
        }],
      });
      assertEquals(del.topics[0].partitions.map((p) => p.errorCode), all.map(() => 0));
    });
    for (const shards of ["1", "2"]) {
      await step(
        `restarted with ${shards} shard(s): same data, same log start offsets`,
        async () => {
          c.close();
          await broker.restart({ "num.shard.threads": shards });
          c = await KafkaClient.connect(broker.bootstrap);
          assertEquals(
            await read(c),
            all.map((p) => [err(0), "c", ...(p.partition === 0 ? written : [])]),
            "records below the log start stay deleted",
          );
          const earliest = await c.request(
            2,
            7,
            listOffsetsBody(
              topic,
              all.map((p) => ({ partition: p.partition, timestamp: EARLIEST_TIMESTAMP })),
            ),
          );
          assertEquals(earliest.topics[0].partitions.map((p) => p.offset), all.map(() => 2));
          const r = await c.request(0, 9, produceBody(topic, 0, batch([`after-${shards}`])));
          assertEquals(r.responses[0].partitionResponses[0].errorCode, 0);
          const b = Number(r.responses[0].partitionResponses[0].baseOffset);
          assertEquals(b, 3 + written.length, "offsets continue");
          written.push(`after-${shards}`);
        },
      );
    }
  } finally {
    c.close();
    await broker.close();
  }
});

Deno.test("multi-core data path: the same in single-thread mode", async (t) => {
  const broker = await BrokerProcess.start({ overrides: { "single.thread": "true" } });
  try {
    assert(broker.output().includes("single thread"), broker.describe());
    await scenario(t, broker);
  } finally {
    await broker.close();
  }
});
