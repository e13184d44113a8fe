/**
 * Bad input against a real broker process. Each case gets the error Kafka
 * gives or a clean close of that connection (and only that one), and after
 * each case a second, healthy connection still gets answers:
 * - malformed frames (garbage body, truncated header, negative and zero
 *   sizes, a frame cut off by the client), oversize frames
 *   (socket.request.max.bytes);
 * - unknown API keys and unsupported versions (closed), except ApiVersions,
 *   which answers a v0 body with UNSUPPORTED_VERSION and its own range;
 * - invalid topic names (CreateTopics, Metadata, Produce), negative
 *   partitions and partitions beyond the count, produce to unknown topics
 *   (never auto-created), corrupt CRCs, invalid acks, invalid batches.
 */
import { assert, assertEquals } from "./support/storage_assert.ts";
import { BrokerProcess, brokerStep } from "./support/broker_process.ts";
import {
  createTopics,
  createTopicsBody,
  err,
  fetchPartition,
  KafkaClient,
  listOffset,
  metadataBody,
  produce,
  produceBody,
  rawFrame,
  uniqueName,
  utf8,
} from "./support/kafka_client.ts";
import { ErrorCode } from "../src/protocol/errors.ts";
import { buildBatch } from "../src/protocol/records/batch.ts";
import { buildMessageSet } from "../src/protocol/records/legacy.ts";
import {
  allApis,
  type ApiVersionsResponse,
  createApiVersionsRequest,
} from "../src/protocol/generated/mod.ts";

const requestMaxBytes = 100 * 1024;

function oneRecord(value = "v"): Uint8Array {
  return buildBatch({ records: [{ key: null, value: utf8(value) }] });
}

Deno.test("bad input: errors or clean closes, and the broker keeps serving", async (t) => {
  const broker = await BrokerProcess.start({
    overrides: { "socket.request.max.bytes": String(requestMaxBytes) },
  });
  const c = await KafkaClient.connect(broker.bootstrap);
  const topic = uniqueName("bad-input");

  /** A fresh connection gets ApiVersions and Metadata answered. */
  const assertHealthy = async (after: string) => {
    const h = await KafkaClient.connect(broker.bootstrap, { timeoutMs: 5000 });
    try {
      const av = await h.request(18, 3, {
        ...createApiVersionsRequest(),
        clientSoftwareName: "runnel-e2e",
        clientSoftwareVersion: "1.0",
      });
      assertEquals(av.errorCode, 0, `ApiVersions on a new connection after ${after}`);
      const md = await h.request(3, 12, metadataBody([topic]));
      assertEquals(md.topics[0].errorCode, 0, `Metadata on a new connection after ${after}`);
    } finally {
      await h.close();
    }
  };

  /** Sends `bytes` on a new connection and expects the broker to close it. */
  const expectClose = async (what: string, bytes: Uint8Array) => {
    const conn = await KafkaClient.connect(broker.bootstrap);
    try {
      await conn.sendRaw(bytes).catch(() => {}); // the broker may close while we write
      const closed = await conn.waitClosed(5000);
      assert(closed, `${what}: the broker did not close the connection within 5 s`);
      assertEquals(conn.protocolErrors, [], `${what}: no response frame expected`);
    } finally {
      await conn.close();
    }
    await assertHealthy(what);
  };

  const step = brokerStep(t, broker);

  try {
    await createTopics(c, [{ name: topic, partitions: 2 }]);

    await step("malformed frames close the connection", async () => {
      // Metadata v1 claiming 2^31-1 topics, then 3 bytes.
      await expectClose(
        "garbage body",
        rawFrame(3, 1, 1, new Uint8Array([0x7f, 0xff, 0xff, 0xff, 1, 2, 3])),
      );
      // Metadata v1 whose topic name length runs past the frame.
      await expectClose(
        "string past the end",
        rawFrame(3, 1, 2, new Uint8Array([0, 0, 0, 1, 0x10, 0, 0x61])),
      );
      // A size of 3: not even api key, version and correlation id.
      await expectClose("truncated header", new Uint8Array([0, 0, 0, 3, 0, 3, 0]));
      // client_id length 100 in a 10-byte header.
      await expectClose(
        "client id past the end",
        new Uint8Array([0, 0, 0, 10, 0, 18, 0, 0, 0, 0, 0, 7, 0, 100]),
      );
      await expectClose("negative size", new Uint8Array([0xff, 0xff, 0xff, 0xff, 0, 18, 0, 0]));
      await expectClose("minimum negative size", new Uint8Array([0x80, 0, 0, 0]));
      await expectClose("zero size", new Uint8Array([0, 0, 0, 0]));
    });

    await step(
      "a frame cut off by a disconnecting client does not disturb the broker",
      async () => {
        const conn = await KafkaClient.connect(broker.bootstrap);
        await conn.sendRaw(new Uint8Array([0, 0, 0, 100, 0, 3, 0, 1, 0, 0, 0, 9]));
        await conn.close();
        await assertHealthy("a half-sent frame");
      },
    );

    await step("oversize frames (> socket.request.max.bytes) close the connection", async () => {
      const size = requestMaxBytes + 1;
      const head = new Uint8Array(4);
      new DataView(head.buffer).setInt32(0, size);
      await expectClose("size prefix over the limit", head);
      await expectClose("2 GiB size prefix", new Uint8Array([0x7f, 0xff, 0xff, 0xff, 0, 3, 0, 1]));
      // A whole oversize Produce request.
      const big = produceBody(
        topic,
        0,
        buildBatch({ records: [{ key: null, value: new Uint8Array(requestMaxBytes) }] }),
      );
      await expectClose("oversize Produce", c.encode(0, 9, big));
      // Just under the limit is served.
      const r = await produce(
        c,
        topic,
        0,
        buildBatch({ records: [{ key: null, value: new Uint8Array(requestMaxBytes - 1000) }] }),
      );
      assertEquals(
        r.errorCode,
        0,
        `Produce just under socket.request.max.bytes: ${err(r.errorCode)}`,
      );
    });

    await step("unknown API keys close the connection", async () => {
      const av = await c.request(18, 0, createApiVersionsRequest());
      const advertised = new Set(av.apiKeys.map((k) => k.apiKey));
      const unserved = allApis.map((a) => a.apiKey).find((k) => !advertised.has(k));
      for (const key of [999, 32767, -1]) {
        await expectClose(`api key ${key}`, rawFrame(key, 0, 5, new Uint8Array(8)));
      }
      if (unserved !== undefined) {
        await expectClose(
          `api key ${unserved} (a Kafka API this broker does not advertise)`,
          rawFrame(unserved, 0, 6, new Uint8Array(8)),
        );
      }
    });

    await step("unsupported versions close the connection", async () => {
      const av = await c.request(18, 0, createApiVersionsRequest());
      const range = (key: number) => av.apiKeys.find((k) => k.apiKey === key)!;
      const md = range(3);
      await expectClose(
        `Metadata v${md.maxVersion + 1}`,
        rawFrame(3, md.maxVersion + 1, 7, new Uint8Array([0, 0]), { flexibleHeader: true }),
      );
      await expectClose("Metadata v-1", rawFrame(3, -1, 8, new Uint8Array([0, 0, 0, 0])));
      const fetch = range(1);
      await expectClose(
        "Fetch v99",
        rawFrame(1, 99, 9, new Uint8Array(40), { flexibleHeader: true }),
      );
      if (fetch.minVersion > 0) {
        await expectClose(
          "Fetch below min",
          rawFrame(1, fetch.minVersion - 1, 10, new Uint8Array(40)),
        );
      }
    });

    await step(
      "ApiVersions at an unsupported version answers v0 with UNSUPPORTED_VERSION and its range",
      async () => {
        const conn = await KafkaClient.connect(broker.bootstrap);
        try {
          const ours = (await conn.request(18, 0, createApiVersionsRequest())).apiKeys.find((k) =>
            k.apiKey === 18
          )!;
          // A v3-style body (client software name and version, tags) under version 99.
          const body = new Uint8Array([5, ...utf8("test"), 4, ...utf8("1.0"), 0]);
          const cid = conn.correlationId();
          const res = await conn.rawRequest(
            rawFrame(18, 99, cid, body, { flexibleHeader: true }),
            cid,
            { apiKey: 18, version: 0 },
          ) as ApiVersionsResponse;
          assertEquals(
            res.errorCode,
            ErrorCode.UNSUPPORTED_VERSION,
            `ApiVersions v99: ${err(res.errorCode)}`,
          );
          assertEquals(
            res.apiKeys.map((k) => [k.apiKey, k.minVersion, k.maxVersion]),
            [[18, ours.minVersion, ours.maxVersion]],
            "the fallback lists ApiVersions' own range",
          );
          // The connection stays open and usable.
          const again = await conn.request(18, 3, {
            ...createApiVersionsRequest(),
            clientSoftwareName: "runnel-e2e",
            clientSoftwareVersion: "1.0",
          });
          assertEquals(
            again.errorCode,
            0,
            "ApiVersions v3 after the fallback on the same connection",
          );
        } finally {
          await conn.close();
        }
      },
    );

    await step(
      "invalid topic names: CreateTopics and Metadata give INVALID_TOPIC_EXCEPTION; Produce fails",
      async () => {
        const bad = ["bad name", "a/b", "", ".", "..", "x".repeat(250), "t\u00e9st", "star*"];
        const res = await c.request(19, 5, createTopicsBody(bad.map((name) => ({ name }))));
        assertEquals(
          res.topics.map((x) => [x.name, x.errorCode]),
          bad.map((name) => [name, ErrorCode.INVALID_TOPIC_EXCEPTION]),
          "CreateTopics v5 with invalid names",
        );
        const v0 = await c.request(19, 0, createTopicsBody([{ name: "bad name" }]));
        assertEquals(v0.topics[0].errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION, "CreateTopics v0");
        for (const version of [1, 4, 12]) {
          const md = await c.request(
            3,
            version,
            metadataBody(["bad name", "a/b", "x".repeat(250)], true),
          );
          assertEquals(
            md.topics.map((x) => x.errorCode),
            [17, 17, 17],
            `Metadata v${version} with invalid names (auto-creation allowed)`,
          );
        }
        for (const name of ["bad name", "a/b", ""]) {
          const r = await produce(c, name, 0, oneRecord());
          // Kafka answers UNKNOWN_TOPIC_OR_PARTITION (no such topic); INVALID_TOPIC_EXCEPTION is as good.
          assert(
            r.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION ||
              r.errorCode === ErrorCode.INVALID_TOPIC_EXCEPTION,
            `Produce to "${name}": ${err(r.errorCode)}`,
          );
        }
        const all = await c.request(3, 12, metadataBody(null));
        assert(!all.topics.some((x) => bad.includes(x.name ?? "")), "no invalid topic was created");
        await assertHealthy("invalid topic names");
      },
    );

    await step(
      "negative partitions and partitions beyond the count: UNKNOWN_TOPIC_OR_PARTITION",
      async () => {
        for (const partition of [-1, -2147483648, 2, 1000]) {
          const p = await produce(c, topic, partition, oneRecord());
          assertEquals(
            p.errorCode,
            ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
            `Produce to partition ${partition}: ${err(p.errorCode)}`,
          );
          const f = await fetchPartition(c, { topic, partition, offset: 0 }, { version: 11 });
          assertEquals(
            f.errorCode,
            ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
            `Fetch of partition ${partition}: ${err(f.errorCode)}`,
          );
          const l = await listOffset(c, topic, partition, -1);
          assertEquals(
            l.errorCode,
            ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
            `ListOffsets of partition ${partition}: ${err(l.errorCode)}`,
          );
        }
        await assertHealthy("bad partitions");
      },
    );

    await step(
      "produce to an unknown topic: UNKNOWN_TOPIC_OR_PARTITION, never auto-created",
      async () => {
        const ghost = uniqueName("ghost");
        for (const version of [3, 7, 9, 11]) {
          const p = await produce(c, ghost, 0, oneRecord(), { version });
          assertEquals(
            p.errorCode,
            ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
            `Produce v${version} to an unknown topic: ${err(p.errorCode)}`,
          );
        }
        const legacy = await produce(
          c,
          ghost,
          0,
          buildMessageSet([{ key: null, value: utf8("x") }], { magic: 0 }),
          { version: 0 },
        );
        assertEquals(
          legacy.errorCode,
          ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
          `Produce v0 to an unknown topic: ${err(legacy.errorCode)}`,
        );
        const md = await c.request(3, 12, metadataBody([ghost], false));
        assertEquals(
          md.topics[0].errorCode,
          ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
          "the topic was not created by Produce",
        );
        const f = await fetchPartition(c, { topic: ghost, partition: 0, offset: 0 });
        assertEquals(
          f.errorCode,
          ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
          `Fetch of an unknown topic: ${err(f.errorCode)}`,
        );
        // acks=0 has no response to carry the error: Kafka closes the connection.
        const conn = await KafkaClient.connect(broker.bootstrap);
        try {
          await conn.send(0, 9, produceBody(ghost, 0, oneRecord(), { acks: 0 }));
          assert(
            await conn.waitClosed(5000),
            "acks=0 produce to an unknown topic closes the connection",
          );
          assertEquals(conn.protocolErrors, []);
        } finally {
          await conn.close();
        }
        await assertHealthy("produce to an unknown topic");
      },
    );

    await step("corrupt CRC: CORRUPT_MESSAGE, nothing appended", async () => {
      const before = (await listOffset(c, topic, 1, -1)).offset;
      const corrupt = oneRecord("checksummed");
      corrupt[corrupt.length - 3] ^= 0x55; // inside the records: the CRC-32C no longer matches
      for (const version of [3, 7, 9]) {
        const p = await produce(c, topic, 1, corrupt, { version });
        assertEquals(
          p.errorCode,
          ErrorCode.CORRUPT_MESSAGE,
          `Produce v${version} with a bad CRC: ${err(p.errorCode)}`,
        );
      }
      const crcField = oneRecord("crc");
      crcField[17] ^= 0x01; // the CRC field itself
      const p = await produce(c, topic, 1, crcField);
      assertEquals(
        p.errorCode,
        ErrorCode.CORRUPT_MESSAGE,
        `Produce with a flipped CRC byte: ${err(p.errorCode)}`,
      );
      assertEquals((await listOffset(c, topic, 1, -1)).offset, before, "nothing was appended");
      await assertHealthy("corrupt CRC");
    });

    await step("invalid acks: INVALID_REQUIRED_ACKS, nothing appended", async () => {
      const before = (await listOffset(c, topic, 1, -1)).offset;
      for (const acks of [2, -2, 100]) {
        const res = await c.request(0, 9, produceBody(topic, 1, oneRecord(), { acks }));
        const p = res.responses[0].partitionResponses[0];
        assertEquals(
          p.errorCode,
          ErrorCode.INVALID_REQUIRED_ACKS,
          `Produce with acks=${acks}: ${err(p.errorCode)}`,
        );
      }
      assertEquals((await listOffset(c, topic, 1, -1)).offset, before, "nothing was appended");
      await assertHealthy("invalid acks");
    });

    await step(
      "invalid batches: two batches in one partition, magic 1 in Produce v3+, oversize batch",
      async () => {
        const before = (await listOffset(c, topic, 1, -1)).offset;
        const two = new Uint8Array([...oneRecord("a"), ...oneRecord("b")]);
        const p2 = await produce(c, topic, 1, two, { version: 9 });
        assertEquals(
          p2.errorCode,
          ErrorCode.INVALID_RECORD,
          `Produce v9 with two batches: ${err(p2.errorCode)}`,
        );
        const legacy = buildMessageSet([{ key: null, value: utf8("old") }], { magic: 1 });
        const pl = await produce(c, topic, 1, legacy, { version: 9 });
        assertEquals(
          pl.errorCode,
          ErrorCode.INVALID_RECORD,
          `Produce v9 with a magic 1 message set: ${err(pl.errorCode)}`,
        );
        const empty = await produce(c, topic, 1, new Uint8Array(0), { version: 9 });
        assertEquals(
          empty.errorCode,
          ErrorCode.INVALID_RECORD,
          `Produce v9 with no records: ${err(empty.errorCode)}`,
        );
        const small = uniqueName("bad-small");
        await createTopics(c, [{ name: small, configs: { "max.message.bytes": "2000" } }]);
        const big = await produce(
          c,
          small,
          0,
          buildBatch({ records: [{ key: null, value: new Uint8Array(4000) }] }),
        );
        assertEquals(
          big.errorCode,
          ErrorCode.MESSAGE_TOO_LARGE,
          `batch over max.message.bytes: ${err(big.errorCode)}`,
        );
        assertEquals((await listOffset(c, topic, 1, -1)).offset, before, "nothing was appended");
        await assertHealthy("invalid batches");
      },
    );

    await step("the first connection survived every case", async () => {
      assert(c.isOpen, `the shared connection closed: ${c.closedBecause}`);
      assertEquals(c.protocolErrors, []);
      const md = await c.request(3, 12, metadataBody([topic]));
      assertEquals(md.topics[0].partitions.length, 2);
      assert(!/Uncaught|panic/i.test(broker.output()), "no uncaught error in the broker output");
    });
  } finally {
    await c.close();
    await broker.close();
  }
});
