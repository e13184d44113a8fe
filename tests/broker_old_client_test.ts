/**
 * Old clients against a real broker process, with hand-built frames:
 * - Produce v0/v1/v2 carrying legacy message sets (magic 0 and 1, plain and
 *   gzip-wrapped) are stored as v2 batches and read back by a modern consumer
 *   (Fetch v4+ RecordBatch) with their keys, values, timestamps and offsets;
 * - records written by a v2 producer (Produce v3+ RecordBatch, plain and gzip,
 *   with headers) are read back by old consumers: Fetch v0/v1 get message
 *   format v0 (no timestamps), Fetch v2/v3 message format v1 (timestamps).
 */
import { assert, assertEquals } from "./support/storage_assert.ts";
import { BrokerProcess, brokerStep } from "./support/broker_process.ts";
import {
  createTopics,
  err,
  fetchBody,
  fetchedBatches,
  fetchedRecords,
  fetchPartition,
  KafkaClient,
  produce,
  recordBytes,
  str,
  uniqueName,
  utf8,
} from "./support/kafka_client.ts";
import { buildBatch } from "../src/protocol/records/batch.ts";
import {
  buildMessageSet,
  type LegacyMagic,
  readMessageSet,
} from "../src/protocol/records/legacy.ts";
import { Compression } from "../src/protocol/records/layout.ts";
import type { FetchResponsePartitionData } from "../src/protocol/generated/mod.ts";

interface Msg {
  key: string | null;
  value: string | null;
  ts?: number;
}

function messageSet(
  msgs: Msg[],
  magic: LegacyMagic,
  compression: Compression = Compression.None,
): Uint8Array {
  return buildMessageSet(
    msgs.map((m) => ({
      key: m.key === null ? null : utf8(m.key),
      value: m.value === null ? null : utf8(m.value),
      timestamp: m.ts,
    })),
    { magic, compression },
  );
}

/** A legacy fetch response's messages: [offset, magic, key, value, timestamp]. */
function legacyMessages(p: FetchResponsePartitionData) {
  const { messages } = readMessageSet(recordBytes(p.records));
  return messages.map((m) => ({
    offset: m.offset,
    magic: m.magic,
    key: str(m.key),
    value: str(m.value),
    ts: m.timestamp,
  }));
}

async function legacyFetch(c: KafkaClient, topic: string, offset: number, version: number) {
  const res = await c.request(
    1,
    version,
    fetchBody([{ topic, partition: 0, offset }], { maxBytes: 1 << 20 }),
  );
  const p = res.responses[0]?.partitions[0];
  if (!p) throw new Error(`Fetch v${version}: no partition in the response`);
  return p;
}

Deno.test("old clients: Produce v0-v2 and Fetch v0-v3 round trips", async (t) => {
  const broker = await BrokerProcess.start();
  const c = await KafkaClient.connect(broker.bootstrap);
  const step = brokerStep(t, broker);
  const t0 = Date.now() - 10_000;

  try {
    const fromV2 = uniqueName("old-from-v2");
    // Written by a v2 producer: offsets 0-2 plain with headers, 3-4 gzip.
    const v2Records = [
      { key: "a", value: "alpha", ts: t0 + 1, headers: [{ key: "h", value: utf8("1") }] },
      { key: null, value: "beta", ts: t0 + 2 },
      { key: "c", value: null, ts: t0 + 3 },
      { key: "d", value: "delta".repeat(20), ts: t0 + 4 },
      { key: "e", value: "", ts: t0 + 5 },
    ];
    const v2Expected = v2Records.map((r, i) => ({
      offset: i,
      key: r.key,
      value: r.value,
      ts: r.ts,
    }));

    await step(
      "records from a v2 producer, read with Fetch v0/v1 (magic 0) and v2/v3 (magic 1)",
      async () => {
        await createTopics(c, [{ name: fromV2 }]);
        const enc = (r: typeof v2Records[number]) => ({
          key: r.key === null ? null : utf8(r.key),
          value: r.value === null ? null : utf8(r.value),
          timestamp: r.ts,
          headers: r.headers,
        });
        const a = await produce(
          c,
          fromV2,
          0,
          buildBatch({ records: v2Records.slice(0, 3).map(enc) }),
          { version: 3 },
        );
        const b = await produce(
          c,
          fromV2,
          0,
          buildBatch({ records: v2Records.slice(3).map(enc), compression: Compression.Gzip }),
          {
            version: 7,
          },
        );
        assertEquals(
          [a.errorCode, a.baseOffset, b.errorCode, b.baseOffset],
          [0, 0, 0, 3],
          `${err(a.errorCode)} ${err(b.errorCode)}`,
        );

        for (const version of [0, 1, 2, 3]) {
          const magic = version <= 1 ? 0 : 1;
          const p = await legacyFetch(c, fromV2, 0, version);
          assertEquals(p.errorCode, 0, `Fetch v${version}: ${err(p.errorCode)}`);
          assertEquals(p.highWatermark, 5, `Fetch v${version} high watermark`);
          const msgs = legacyMessages(p);
          assert(
            msgs.every((m) => m.magic === magic),
            `Fetch v${version} must get magic ${magic} only, got ${msgs.map((m) => m.magic)}`,
          );
          assertEquals(
            msgs,
            v2Expected.map((e) => ({ ...e, magic, ts: magic === 0 ? -1 : e.ts })),
            `Fetch v${version} messages`,
          );
          // From the middle of the gzip batch: the client drops what is below the offset.
          const mid = legacyMessages(await legacyFetch(c, fromV2, 4, version)).filter((m) =>
            m.offset >= 4
          );
          assertEquals(
            mid.map((m) => [m.offset, m.key]),
            [[4, "e"]],
            `Fetch v${version} from offset 4`,
          );
          const end = await legacyFetch(c, fromV2, 5, version);
          assertEquals(
            [end.errorCode, legacyMessages(end).length],
            [0, 0],
            `Fetch v${version} at the log end`,
          );
          const beyond = await legacyFetch(c, fromV2, 6, version);
          assertEquals(
            beyond.errorCode,
            1,
            `Fetch v${version} beyond the log end: ${err(beyond.errorCode)}`,
          );
        }
      },
    );

    await step(
      "Produce v0 (magic 0), read with Fetch v4+ as RecordBatch and with Fetch v0",
      async () => {
        const topic = uniqueName("old-v0");
        await createTopics(c, [{ name: topic }]);
        const plain: Msg[] = [{ key: "k0", value: "v0" }, { key: null, value: "v1" }, {
          key: "k2",
          value: null,
        }];
        const zipped: Msg[] = [{ key: "z3", value: "v3" }, { key: "z4", value: "v4".repeat(100) }];
        const r1 = await produce(c, topic, 0, messageSet(plain, 0), { version: 0 });
        assertEquals(
          [r1.errorCode, r1.baseOffset],
          [0, 0],
          `Produce v0 magic 0: ${err(r1.errorCode)} ${r1.errorMessage}`,
        );
        const r2 = await produce(c, topic, 0, messageSet(zipped, 0, Compression.Gzip), {
          version: 0,
        });
        assertEquals(
          [r2.errorCode, r2.baseOffset],
          [0, 3],
          `Produce v0 gzip magic 0: ${err(r2.errorCode)} ${r2.errorMessage}`,
        );

        const all = [...plain, ...zipped].map((m, i) => ({
          offset: i,
          key: m.key,
          value: m.value,
        }));
        for (const version of [4, 11, 12]) {
          const p = await fetchPartition(c, { topic, partition: 0, offset: 0 }, { version });
          assertEquals(p.errorCode, 0, `Fetch v${version}: ${err(p.errorCode)}`);
          const recs = fetchedRecords(p); // throws unless every batch is magic 2
          assertEquals(
            recs.map((r) => ({ offset: r.offset, key: str(r.key), value: str(r.value) })),
            all,
            `Fetch v${version}`,
          );
          assert(
            recs.every((r) => r.timestamp === -1),
            `magic 0 messages have no timestamp (-1): ${recs.map((r) => r.timestamp)}`,
          );
        }
        const back = legacyMessages(await legacyFetch(c, topic, 0, 0));
        assertEquals(
          back.map((m) => ({ offset: m.offset, key: m.key, value: m.value })),
          all,
          "Fetch v0 of Produce v0 data",
        );
        const mid = legacyMessages(await legacyFetch(c, topic, 4, 1)).filter((m) => m.offset >= 4);
        assertEquals(mid.map((m) => m.offset), [4], "Fetch v1 inside the gzip-wrapped set");
      },
    );

    await step(
      "Produce v1/v2 (magic 1, plain and gzip), read with Fetch v4+ and Fetch v3",
      async () => {
        const topic = uniqueName("old-v1");
        await createTopics(c, [{ name: topic }]);
        const plain: Msg[] = [{ key: "k0", value: "v0", ts: t0 + 10 }, {
          key: null,
          value: null,
          ts: t0 + 11,
        }];
        const zipped: Msg[] = [
          { key: "z2", value: "v2", ts: t0 + 12 },
          { key: "z3", value: "v3", ts: t0 + 14 },
          { key: "z4", value: "v4", ts: t0 + 13 },
        ];
        const r1 = await produce(c, topic, 0, messageSet(plain, 1), { version: 1 });
        assertEquals(
          [r1.errorCode, r1.baseOffset],
          [0, 0],
          `Produce v1 magic 1: ${err(r1.errorCode)} ${r1.errorMessage}`,
        );
        const r2 = await produce(c, topic, 0, messageSet(zipped, 1, Compression.Gzip), {
          version: 2,
        });
        assertEquals(
          [r2.errorCode, r2.baseOffset],
          [0, 2],
          `Produce v2 gzip magic 1: ${err(r2.errorCode)} ${r2.errorMessage}`,
        );
        assertEquals(r2.logAppendTimeMs, -1);
        // Some librdkafka versions send a magic 1 wrapper with offset 0 instead of the last relative offset.
        const zeroWrapper = messageSet(
          [{ key: "w5", value: "v5", ts: t0 + 15 }, { key: "w6", value: "v6", ts: t0 + 16 }],
          1,
          Compression.Gzip,
        );
        new DataView(zeroWrapper.buffer, zeroWrapper.byteOffset).setBigInt64(0, 0n);
        const r3 = await produce(c, topic, 0, zeroWrapper, { version: 2 });
        assertEquals(
          [r3.errorCode, r3.baseOffset],
          [0, 5],
          `Produce v2 gzip wrapper offset 0: ${err(r3.errorCode)} ${r3.errorMessage}`,
        );

        const all = [...plain, ...zipped, { key: "w5", value: "v5", ts: t0 + 15 }, {
          key: "w6",
          value: "v6",
          ts: t0 + 16,
        }]
          .map((m, i) => ({ offset: i, key: m.key, value: m.value, ts: m.ts }));
        for (const version of [4, 11, 13]) {
          const id = version >= 13
            ? (await c.request(3, 12, {
              topics: [{ topicId: "AAAAAAAAAAAAAAAAAAAAAA", name: topic }],
              allowAutoTopicCreation: false,
              includeClusterAuthorizedOperations: false,
              includeTopicAuthorizedOperations: false,
            })).topics[0].topicId
            : undefined;
          const p = await fetchPartition(c, {
            topic: id ? "" : topic,
            topicId: id,
            partition: 0,
            offset: 0,
          }, { version });
          assertEquals(p.errorCode, 0, `Fetch v${version}: ${err(p.errorCode)}`);
          const recs = fetchedRecords(p).map((r) => ({
            offset: r.offset,
            key: str(r.key),
            value: str(r.value),
            ts: r.timestamp,
          }));
          assertEquals(recs, all, `Fetch v${version} of magic 1 data`);
          assertEquals(fetchedBatches(p).map((b) => b.magic), [2, 2, 2]);
        }
        const v3 = legacyMessages(await legacyFetch(c, topic, 0, 3));
        assertEquals(v3, all.map((m) => ({ ...m, magic: 1 })), "Fetch v3 of magic 1 data");
        const v0 = legacyMessages(await legacyFetch(c, topic, 0, 0));
        assertEquals(
          v0,
          all.map((m) => ({ ...m, magic: 0, ts: -1 })),
          "Fetch v0 of magic 1 data (down to magic 0)",
        );
      },
    );

    await step("legacy produce: a corrupt CRC is CORRUPT_MESSAGE, nothing appended", async () => {
      const topic = uniqueName("old-bad");
      await createTopics(c, [{ name: topic }]);
      for (const magic of [0, 1] as const) {
        const bad = messageSet([{ key: "k", value: "value" }], magic);
        bad[bad.length - 1] ^= 0xff; // value byte: the CRC-32 no longer matches
        const r = await produce(c, topic, 0, bad, { version: magic === 0 ? 0 : 2 });
        assertEquals(r.errorCode, 2, `Produce with a bad magic ${magic} CRC: ${err(r.errorCode)}`);
      }
      const p = await fetchPartition(c, { topic, partition: 0, offset: 0 });
      assertEquals([p.errorCode, p.highWatermark], [0, 0], "nothing was appended");
    });

    await step(
      "Produce v0-v2 carrying a magic 2 batch is accepted, as Kafka 3.x does",
      async () => {
        // Kafka validates the magic only from Produce v3 (ProduceRequest.validateRecords keeps
        // accepting "clients which send the wrong magic version in the wrong version").
        const topic = uniqueName("old-wrong-magic");
        await createTopics(c, [{ name: topic }]);
        const v2batch = buildBatch({ records: [{ key: null, value: utf8("x"), timestamp: t0 }] });
        const r = await produce(c, topic, 0, v2batch, { version: 1 });
        assertEquals(
          [r.errorCode, r.baseOffset],
          [0, 0],
          `Produce v1 with a magic 2 batch: ${err(r.errorCode)} ${r.errorMessage}`,
        );
        const p = await fetchPartition(c, { topic, partition: 0, offset: 0 });
        assertEquals(fetchedRecords(p).map((x) => [x.offset, str(x.value)]), [[0, "x"]]);
      },
    );
  } finally {
    await c.close();
    await broker.close();
  }
});
