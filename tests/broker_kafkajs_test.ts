/**
 * kafkajs 2.2.4 (a client with its own protocol code) against a real broker
 * process: produce with every codec kafkajs has built in (none, gzip) with
 * keys, null values and headers, checked by reading the partitions back with
 * our own client; topic admin (create, already exists, metadata, partitions,
 * delete), configs (describe topic and broker, alter then describe), offsets
 * (latest/earliest, by timestamp) and deleteTopicRecords.
 * kafkajs consumers always join a group, so consumption is done with our
 * client. Every kafkajs call is bounded in time.
 */
import { Buffer } from "node:buffer";
import { CompressionTypes, ConfigResourceTypes, Kafka, logLevel } from "npm:kafkajs@2.2.4";
import { assert, assertEquals } from "./support/storage_assert.ts";
import { BrokerProcess, brokerStep } from "./support/broker_process.ts";
import {
  fetchedBatches,
  fetchedRecords,
  fetchPartition,
  KafkaClient,
  str,
  uniqueName,
  withTimeout,
} from "./support/kafka_client.ts";
import { Compression } from "../src/protocol/records/layout.ts";

const callMs = 10_000;
const bounded = <T>(what: string, p: Promise<T>) => withTimeout(p, callMs, `kafkajs ${what}`);

/** kafkajs throws errors with a `type` (Kafka's error name); returns it, or the message. */
async function errorType(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    const any = e as {
      type?: string;
      errors?: { type?: string }[];
      message?: string;
      name?: string;
    };
    return any.type ?? any.errors?.[0]?.type ?? `${any.name}: ${any.message}`;
  }
  return "no error";
}

Deno.test({
  name: "kafkajs 2.2.4: produce with every built-in codec, topic admin, configs, offsets",
  // kafkajs keeps timers and sockets of its own (retries, idle reconnects) past disconnect().
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async (t) => {
    const broker = await BrokerProcess.start();
    const kafka = new Kafka({
      clientId: "runnel-kafkajs-test",
      brokers: [broker.bootstrap],
      logLevel: logLevel.NOTHING,
      connectionTimeout: 3000,
      requestTimeout: 5000,
      retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1000 },
    });
    const admin = kafka.admin();
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    const own = await KafkaClient.connect(broker.bootstrap);
    const step = brokerStep(t, broker);

    const topic = uniqueName("kjs-main");
    const timed = uniqueName("kjs-timed");

    try {
      await bounded("admin.connect", admin.connect());
      await bounded("producer.connect", producer.connect());

      await step("createTopics, and TOPIC_ALREADY_EXISTS on repeat", async () => {
        const created = await bounded(
          "createTopics",
          admin.createTopics({
            topics: [
              {
                topic,
                numPartitions: 3,
                configEntries: [{ name: "retention.ms", value: "3600000" }],
              },
              { topic: timed, numPartitions: 1 },
            ],
            waitForLeaders: true,
            timeout: 5000,
          }),
        );
        assertEquals(created, true, "createTopics of new topics");
        const again = await bounded(
          "createTopics (repeat)",
          admin.createTopics({ topics: [{ topic }], timeout: 5000 }),
        );
        assertEquals(
          again,
          false,
          "kafkajs returns false when every topic got TOPIC_ALREADY_EXISTS",
        );
        const topics = await bounded("listTopics", admin.listTopics());
        assert(topics.includes(topic) && topics.includes(timed), `listTopics: ${topics}`);
        const invalid = await errorType(
          bounded(
            "createTopics (invalid name)",
            admin.createTopics({ topics: [{ topic: "not valid!" }], timeout: 5000 }),
          ),
        );
        assertEquals(invalid, "INVALID_TOPIC_EXCEPTION", "createTopics with an invalid name");
      });

      await step("fetchTopicMetadata and describeCluster", async () => {
        const md = await bounded(
          "fetchTopicMetadata",
          admin.fetchTopicMetadata({ topics: [topic] }),
        );
        assertEquals(md.topics.length, 1);
        const parts = md.topics[0].partitions.sort((a, b) => a.partitionId - b.partitionId);
        assertEquals(parts.map((p) => p.partitionId), [0, 1, 2]);
        const cluster = await bounded("describeCluster", admin.describeCluster());
        assertEquals(
          cluster.brokers.map((b) => `${b.host}:${b.port}`),
          [broker.bootstrap],
          "advertised address",
        );
        const nodeId = cluster.brokers[0].nodeId;
        assertEquals(cluster.controller, nodeId, "the controller is this node");
        assert(
          typeof cluster.clusterId === "string" && cluster.clusterId.length > 0,
          "a cluster id",
        );
        for (const p of parts) {
          assertEquals([p.partitionErrorCode, p.leader, p.replicas, p.isr], [0, nodeId, [nodeId], [
            nodeId,
          ]], `partition ${p.partitionId}`);
        }
      });

      for (
        const [codecName, codec, attr] of [
          ["none", CompressionTypes.None, Compression.None],
          ["gzip", CompressionTypes.GZIP, Compression.Gzip],
        ] as const
      ) {
        await step(
          `produce with compression ${codecName}: keys, null values, headers`,
          async () => {
            const partition = codec === CompressionTypes.None ? 0 : 1;
            const ts = Date.now() - 1000;
            const messages = [
              {
                key: "key-1",
                value: `value-1-${codecName}`,
                headers: { h1: "one", h2: Buffer.from([0, 1, 2]) },
                timestamp: String(ts),
              },
              { key: null, value: `no key ${codecName}`, timestamp: String(ts + 1) },
              { key: "tombstone", value: null, timestamp: String(ts + 2) },
              { key: "big", value: "x".repeat(10_000), timestamp: String(ts + 3) },
            ];
            const before = await fetchPartition(own, { topic, partition, offset: 0 });
            const start = before.highWatermark;
            const meta = await bounded(
              `send ${codecName}`,
              producer.send({
                topic,
                acks: -1,
                compression: codec,
                messages: messages.map((m) => ({ ...m, partition })),
              }),
            );
            assertEquals(meta.length, 1);
            assertEquals([meta[0].topicName, meta[0].partition, meta[0].errorCode], [
              topic,
              partition,
              0,
            ]);
            assertEquals(meta[0].baseOffset, String(start), "baseOffset");

            const p = await fetchPartition(own, { topic, partition, offset: start });
            assertEquals(p.errorCode, 0);
            const batches = fetchedBatches(p).filter((b) => b.lastOffset >= start);
            assertEquals(
              batches.map((b) => b.compression),
              [attr],
              `stored batch compression (kafkajs sent ${codecName})`,
            );
            const got = fetchedRecords(p).filter((r) => r.offset >= start).map((r) => ({
              offset: r.offset,
              key: str(r.key),
              value: str(r.value),
              ts: r.timestamp,
              headers: r.headers.map((h) => [h.key, h.value === null ? null : [...h.value]]),
            }));
            assertEquals(
              got,
              messages.map((m, i) => ({
                offset: start + i,
                key: m.key,
                value: m.value,
                ts: Number(m.timestamp),
                headers: i === 0
                  ? [["h1", [...new TextEncoder().encode("one")]], ["h2", [0, 1, 2]]]
                  : [],
              })),
            );
          },
        );
      }

      await step(
        "sendBatch to several topics and partitions, keys spread by the default partitioner",
        async () => {
          const res = await bounded(
            "sendBatch",
            producer.sendBatch({
              acks: -1,
              compression: CompressionTypes.GZIP,
              topicMessages: [
                {
                  topic,
                  messages: Array.from(
                    { length: 30 },
                    (_, i) => ({ key: `k${i}`, value: `batch-${i}` }),
                  ),
                },
                {
                  topic: timed,
                  messages: [{
                    key: null,
                    value: "other topic",
                    timestamp: String(Date.now() - 200_000),
                  }],
                },
              ],
            }),
          );
          assert(res.every((r) => r.errorCode === 0), `sendBatch results: ${JSON.stringify(res)}`);
          const values: string[] = [];
          for (const partition of [0, 1, 2]) {
            const p = await fetchPartition(own, { topic, partition, offset: 0 });
            values.push(
              ...fetchedRecords(p).map((r) => str(r.value) ?? "").filter((v) =>
                v.startsWith("batch-")
              ),
            );
          }
          assertEquals(
            values.sort(),
            Array.from({ length: 30 }, (_, i) => `batch-${i}`).sort(),
            "every message landed once",
          );
        },
      );

      await step("createPartitions", async () => {
        await bounded(
          "createPartitions",
          admin.createPartitions({ topicPartitions: [{ topic, count: 5 }], timeout: 5000 }),
        );
        const md = await bounded(
          "fetchTopicMetadata",
          admin.fetchTopicMetadata({ topics: [topic] }),
        );
        assertEquals(md.topics[0].partitions.map((p) => p.partitionId).sort(), [0, 1, 2, 3, 4]);
        // A new producer: kafkajs keeps its metadata (3 partitions) for metadataMaxAge otherwise.
        const fresh = kafka.producer({ allowAutoTopicCreation: false });
        try {
          await bounded("producer.connect", fresh.connect());
          const meta = await bounded(
            "send to a new partition",
            fresh.send({
              topic,
              acks: -1,
              messages: [{ key: null, value: "in partition 4", partition: 4 }],
            }),
          );
          assertEquals(meta.map((m) => [m.partition, m.errorCode, m.baseOffset]), [[4, 0, "0"]]);
        } finally {
          await withTimeout(fresh.disconnect(), 5000, "producer.disconnect").catch(() => {});
        }
        const fewer = await errorType(
          bounded(
            "createPartitions (decrease)",
            admin.createPartitions({ topicPartitions: [{ topic, count: 2 }] }),
          ),
        );
        assertEquals(fewer, "INVALID_PARTITIONS", "createPartitions with fewer partitions");
      });

      await step("describeConfigs: topic and broker", async () => {
        const res = await bounded(
          "describeConfigs",
          admin.describeConfigs({
            includeSynonyms: false,
            resources: [
              {
                type: ConfigResourceTypes.TOPIC,
                name: topic,
                configNames: ["retention.ms", "cleanup.policy"],
              },
              {
                type: ConfigResourceTypes.BROKER,
                name: "1",
                configNames: ["num.partitions", "listeners"],
              },
            ],
          }),
        );
        const topicRes = res.resources.find((r) => r.resourceType === ConfigResourceTypes.TOPIC)!;
        assertEquals(topicRes.errorCode, 0);
        const tc = Object.fromEntries(topicRes.configEntries.map((e) => [e.configName, e]));
        assertEquals([tc["retention.ms"]?.configValue, tc["retention.ms"]?.isDefault], [
          "3600000",
          false,
        ], "retention.ms set at creation");
        assertEquals(tc["retention.ms"].configSource, 1, "TOPIC_CONFIG source");
        assertEquals([tc["cleanup.policy"]?.configValue, tc["cleanup.policy"]?.isDefault], [
          "delete",
          true,
        ], "cleanup.policy default");
        const brokerRes = res.resources.find((r) => r.resourceType === ConfigResourceTypes.BROKER)!;
        assertEquals(brokerRes.errorCode, 0);
        const bc = Object.fromEntries(
          brokerRes.configEntries.map((e) => [e.configName, e.configValue]),
        );
        assertEquals(bc["num.partitions"], "1");
        assertEquals(bc["listeners"], `PLAINTEXT://${broker.bootstrap}`);
        const all = await bounded(
          "describeConfigs (all)",
          admin.describeConfigs({
            includeSynonyms: true,
            resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }],
          }),
        );
        const names = all.resources[0].configEntries.map((e) => e.configName);
        for (
          const n of [
            "retention.ms",
            "cleanup.policy",
            "max.message.bytes",
            "segment.bytes",
            "message.timestamp.type",
          ]
        ) {
          assert(names.includes(n), `describeConfigs without names lists ${n}`);
        }
        // Kafka answers UNKNOWN_TOPIC_OR_PARTITION for the resource; kafkajs throws it.
        const missing = await errorType(bounded(
          "describeConfigs (unknown topic)",
          admin.describeConfigs({
            includeSynonyms: false,
            resources: [{ type: ConfigResourceTypes.TOPIC, name: uniqueName("kjs-missing") }],
          }),
        ));
        assertEquals(missing, "UNKNOWN_TOPIC_OR_PARTITION", "describeConfigs of an unknown topic");
      });

      await step("alterConfigs then describeConfigs", async () => {
        await bounded(
          "alterConfigs",
          admin.alterConfigs({
            validateOnly: false,
            resources: [{
              type: ConfigResourceTypes.TOPIC,
              name: topic,
              configEntries: [{ name: "retention.ms", value: "7200000" }, {
                name: "cleanup.policy",
                value: "compact",
              }],
            }],
          }),
        );
        const res = await bounded(
          "describeConfigs",
          admin.describeConfigs({
            includeSynonyms: false,
            resources: [{
              type: ConfigResourceTypes.TOPIC,
              name: topic,
              configNames: ["retention.ms", "cleanup.policy"],
            }],
          }),
        );
        const tc = Object.fromEntries(
          res.resources[0].configEntries.map((e) => [e.configName, e.configValue]),
        );
        assertEquals(tc, { "retention.ms": "7200000", "cleanup.policy": "compact" });
        // AlterConfigs replaces the whole set: what is not named goes back to its default.
        await bounded(
          "alterConfigs (replace)",
          admin.alterConfigs({
            validateOnly: false,
            resources: [{
              type: ConfigResourceTypes.TOPIC,
              name: topic,
              configEntries: [{ name: "retention.ms", value: "5000000" }],
            }],
          }),
        );
        const res2 = await bounded(
          "describeConfigs",
          admin.describeConfigs({
            includeSynonyms: false,
            resources: [{
              type: ConfigResourceTypes.TOPIC,
              name: topic,
              configNames: ["retention.ms", "cleanup.policy"],
            }],
          }),
        );
        const tc2 = Object.fromEntries(
          res2.resources[0].configEntries.map((e) => [e.configName, e.configValue]),
        );
        assertEquals(tc2, { "retention.ms": "5000000", "cleanup.policy": "delete" });
        const invalid = await errorType(bounded(
          "alterConfigs (invalid)",
          admin.alterConfigs({
            validateOnly: false,
            resources: [{
              type: ConfigResourceTypes.TOPIC,
              name: topic,
              configEntries: [{ name: "retention.ms", value: "soon" }],
            }],
          }),
        ));
        assertEquals(invalid, "INVALID_CONFIG", "alterConfigs with a non-numeric retention.ms");
        // validateOnly changes nothing.
        await bounded(
          "alterConfigs (validateOnly)",
          admin.alterConfigs({
            validateOnly: true,
            resources: [{
              type: ConfigResourceTypes.TOPIC,
              name: topic,
              configEntries: [{ name: "retention.ms", value: "1" }],
            }],
          }),
        );
        const res3 = await bounded(
          "describeConfigs",
          admin.describeConfigs({
            includeSynonyms: false,
            resources: [{
              type: ConfigResourceTypes.TOPIC,
              name: topic,
              configNames: ["retention.ms"],
            }],
          }),
        );
        assertEquals(
          res3.resources[0].configEntries[0].configValue,
          "5000000",
          "validateOnly left the config alone",
        );
      });

      await step("fetchTopicOffsets and fetchTopicOffsetsByTimestamp", async () => {
        const base = Date.now() - 100_000;
        const stamps = [base + 10, base + 20, base + 30, base + 40];
        await bounded(
          "send with timestamps",
          producer.send({
            topic: timed,
            acks: -1,
            messages: stamps.map((ts, i) => ({
              key: null,
              value: `t${i}`,
              timestamp: String(ts),
              partition: 0,
            })),
          }),
        );
        // The partition already holds "other topic" (offset 0) from sendBatch: these are offsets 1-4.
        const offsets = await bounded("fetchTopicOffsets", admin.fetchTopicOffsets(timed));
        assertEquals(offsets.map((o) => [o.partition, o.low, o.high, o.offset]), [[
          0,
          "0",
          "5",
          "5",
        ]]);
        const at = async (ts: number) =>
          (await bounded(
            "fetchTopicOffsetsByTimestamp",
            admin.fetchTopicOffsetsByTimestamp(timed, ts),
          ))[0].offset;
        assertEquals(await at(base + 25), "3", "first offset at or after base+25");
        assertEquals(await at(base + 40), "4", "exact timestamp");
        assertEquals(
          await at(base + 41),
          "5",
          "after the last timestamp: kafkajs falls back to the high watermark",
        );
        const byTopic = await bounded("fetchTopicOffsets", admin.fetchTopicOffsets(topic));
        assertEquals(byTopic.map((o) => o.partition).sort(), [0, 1, 2, 3, 4]);
        assert(byTopic.every((o) => o.low === "0" && Number(o.high) >= 0), JSON.stringify(byTopic));
      });

      await step("deleteTopicRecords", async () => {
        await bounded(
          "deleteTopicRecords",
          admin.deleteTopicRecords({ topic: timed, partitions: [{ partition: 0, offset: "3" }] }),
        );
        const offsets = await bounded("fetchTopicOffsets", admin.fetchTopicOffsets(timed));
        assertEquals(offsets.map((o) => [o.low, o.high]), [["3", "5"]]);
        const p = await fetchPartition(own, { topic: timed, partition: 0, offset: 3 });
        assertEquals(fetchedRecords(p).filter((r) => r.offset >= 3).map((r) => str(r.value)), [
          "t2",
          "t3",
        ]);
        assertEquals(p.logStartOffset, 3);
        // kafkajs maps -1 to the high watermark.
        await bounded(
          "deleteTopicRecords (-1)",
          admin.deleteTopicRecords({ topic: timed, partitions: [{ partition: 0, offset: "-1" }] }),
        );
        const after = await bounded("fetchTopicOffsets", admin.fetchTopicOffsets(timed));
        assertEquals(after.map((o) => [o.low, o.high]), [["5", "5"]]);
      });

      await step("deleteTopics", async () => {
        await bounded("deleteTopics", admin.deleteTopics({ topics: [timed], timeout: 5000 }));
        const topics = await bounded("listTopics", admin.listTopics());
        assert(
          !topics.includes(timed) && topics.includes(topic),
          `listTopics after delete: ${topics}`,
        );
        const gone = await own.request(3, 12, {
          topics: [{ topicId: "AAAAAAAAAAAAAAAAAAAAAA", name: timed }],
          allowAutoTopicCreation: false,
          includeClusterAuthorizedOperations: false,
          includeTopicAuthorizedOperations: false,
        });
        assertEquals(
          gone.topics[0].errorCode,
          3,
          "Metadata of the deleted topic: UNKNOWN_TOPIC_OR_PARTITION",
        );
        const sent = await errorType(bounded(
          "send to the deleted topic",
          producer.send({
            topic: timed,
            acks: -1,
            timeout: 1000,
            messages: [{ key: null, value: "late" }],
          }),
        ));
        assert(sent !== "no error", "producing to a deleted topic fails");
        // The name can be used again, from offset 0.
        assertEquals(
          await bounded(
            "createTopics (reuse)",
            admin.createTopics({ topics: [{ topic: timed }], timeout: 5000 }),
          ),
          true,
        );
        const fresh = await fetchPartition(own, { topic: timed, partition: 0, offset: 0 });
        assertEquals([fresh.errorCode, fresh.highWatermark, fetchedRecords(fresh).length], [
          0,
          0,
          0,
        ], "a re-created topic starts empty");
      });
    } finally {
      await withTimeout(producer.disconnect(), 5000, "producer.disconnect").catch(() => {});
      await withTimeout(admin.disconnect(), 5000, "admin.disconnect").catch(() => {});
      await own.close();
      await broker.close();
    }
  },
});
