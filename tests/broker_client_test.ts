/**
 * End to end with our own client against a real broker process: produce and
 * consume by partition (Fetch v4, v11, v12, v13 and v17 with topic ids), fetch
 * positions (inside a batch, at the log end, beyond it), ListOffsets (earliest,
 * latest, by timestamp, max timestamp), long polling, fetch sessions, acks=0,
 * LogAppendTime topics, pipelined requests answered in order, DeleteRecords,
 * and persistence across a graceful restart and across SIGKILL with
 * flush.messages=1.
 *
 * One broker for the file; the steps run in order and the restart steps come last.
 */
import { assert, assertEquals } from "./support/storage_assert.ts";
import { BrokerProcess, brokerStep } from "./support/broker_process.ts";
import {
  createTopics,
  EARLIEST_TIMESTAMP,
  err,
  fetchBody,
  fetchedBatches,
  fetchedRecords,
  fetchPartition,
  KafkaClient,
  LATEST_TIMESTAMP,
  listOffset,
  MAX_TIMESTAMP,
  metadataBody,
  produce,
  produceBody,
  str,
  topicId,
  uniqueName,
  utf8,
} from "./support/kafka_client.ts";
import { ErrorCode } from "../src/protocol/errors.ts";
import { buildBatch, type DecodedRecord } from "../src/protocol/records/batch.ts";
import { Compression } from "../src/protocol/records/layout.ts";
import {
  createApiVersionsRequest,
  createDeleteRecordsRequest,
} from "../src/protocol/generated/mod.ts";
import { ZERO_UUID } from "../src/protocol/uuid.ts";

interface Rec {
  key?: string | null;
  value: string | null;
  headers?: Record<string, string | null>;
  ts?: number;
}

function batch(records: Rec[], compression: Compression = Compression.None): Uint8Array {
  return buildBatch({
    compression,
    records: records.map((r) => ({
      key: r.key === undefined || r.key === null ? null : utf8(r.key),
      value: r.value === null ? null : utf8(r.value),
      headers: Object.entries(r.headers ?? {}).map(([key, v]) => ({
        key,
        value: v === null ? null : utf8(v),
      })),
      timestamp: r.ts,
    })),
  });
}

/** A comparable view of a fetched record. */
function plain(r: DecodedRecord) {
  return {
    offset: r.offset,
    key: str(r.key),
    value: str(r.value),
    headers: Object.fromEntries(r.headers.map((h) => [h.key, str(h.value)])),
    ts: r.timestamp,
  };
}

function expected(from: number, recs: Rec[]) {
  return recs.map((r, i) => ({
    offset: from + i,
    key: r.key ?? null,
    value: r.value,
    headers: r.headers ?? {},
    ts: r.ts!,
  }));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test("broker end to end with our own client", async (t) => {
  const broker = await BrokerProcess.start();
  const c = await KafkaClient.connect(broker.bootstrap);
  const now = Date.now();

  // Shared topic: batch A (3 records, uncompressed, Produce v9) then batch B (2 records, gzip, Produce v3).
  const topic = uniqueName("e2e-consume");
  const recsA: Rec[] = [
    { key: "k0", value: "v0", headers: { h: "x", n: null }, ts: now - 3000 },
    { key: null, value: "v1", ts: now - 2000 },
    { key: "k2", value: null, ts: now - 1000 },
  ];
  const recsB: Rec[] = [
    { key: "k3", value: "v3".repeat(50), ts: now - 500 },
    { key: "k4", value: "", headers: { "ü": "é" }, ts: now },
  ];
  const all = [...expected(0, recsA), ...expected(3, recsB)];

  const step = brokerStep(t, broker);

  try {
    await step("produce to partitions (Produce v3, v7, v9, v11)", async () => {
      await createTopics(c, [{ name: topic, partitions: 3 }]);
      const a = await produce(c, topic, 0, batch(recsA), { version: 9 });
      assertEquals(a.errorCode, 0, `Produce v9: ${err(a.errorCode)} ${a.errorMessage}`);
      assertEquals(a.baseOffset, 0);
      assertEquals(a.logAppendTimeMs, -1, "CreateTime topic: log_append_time -1");
      assertEquals(a.logStartOffset, 0);
      const b = await produce(c, topic, 0, batch(recsB, Compression.Gzip), { version: 3 });
      assertEquals(b.errorCode, 0, `Produce v3: ${err(b.errorCode)}`);
      assertEquals(b.baseOffset, 3);
      const p1 = await produce(c, topic, 1, batch([{ value: "p1", ts: now }]), { version: 7 });
      assertEquals([p1.errorCode, p1.baseOffset], [0, 0], "partition 1 has its own offsets");
      const p2 = await produce(c, topic, 2, batch([{ value: "p2", ts: now }]), { version: 11 });
      assertEquals([p2.errorCode, p2.baseOffset], [0, 0], `Produce v11: ${err(p2.errorCode)}`);
    });

    await step("consume by partition with Fetch v4, v11, v12 (names)", async () => {
      for (const version of [4, 11, 12]) {
        const p = await fetchPartition(c, { topic, partition: 0, offset: 0 }, { version });
        assertEquals(p.errorCode, 0, `Fetch v${version}: ${err(p.errorCode)}`);
        assertEquals(p.highWatermark, 5, `Fetch v${version} high watermark`);
        assertEquals(
          p.lastStableOffset,
          5,
          `Fetch v${version} last stable offset = HW without transactions`,
        );
        if (version >= 5) assertEquals(p.logStartOffset, 0, `Fetch v${version} log start offset`);
        assertEquals(fetchedRecords(p).map(plain), all, `Fetch v${version} records`);
        const bs = fetchedBatches(p);
        assertEquals(bs.map((b) => [b.baseOffset, b.lastOffsetDelta, b.compression]), [
          [0, 2, Compression.None],
          [3, 1, Compression.Gzip],
        ], `Fetch v${version}: batches stored as produced (compression.type=producer)`);
        if (version >= 11) assertEquals(p.preferredReadReplica, -1);
      }
      const p1 = await fetchPartition(c, { topic, partition: 1, offset: 0 }, { version: 11 });
      assertEquals(fetchedRecords(p1).map((r) => [r.offset, str(r.value)]), [[0, "p1"]]);
    });

    await step(
      "consume with topic ids: Fetch v13 and v17; unknown id gives UNKNOWN_TOPIC_ID",
      async () => {
        const id = await topicId(c, topic);
        assert(id !== ZERO_UUID, "Metadata v12 returns a topic id");
        for (const version of [13, 15, 17]) {
          const res = await c.request(
            1,
            version,
            fetchBody([{ topic: "", topicId: id, partition: 0, offset: 0 }]),
          );
          assertEquals(res.errorCode, 0, `Fetch v${version} top-level error`);
          assertEquals(res.responses.length, 1);
          assertEquals(res.responses[0].topicId, id, `Fetch v${version} answers by topic id`);
          const p = res.responses[0].partitions[0];
          assertEquals(p.errorCode, 0, `Fetch v${version}: ${err(p.errorCode)}`);
          assertEquals(p.highWatermark, 5);
          assertEquals(fetchedRecords(p).map(plain), all, `Fetch v${version} records`);
        }
        const unknown = "AAAAAAAAAAAAAAAAAAAAAQ"; // a valid but unused uuid
        const res = await c.request(
          1,
          13,
          fetchBody([{ topic: "", topicId: unknown, partition: 0, offset: 0 }]),
        );
        const code = res.errorCode !== 0
          ? res.errorCode
          : res.responses[0]?.partitions[0]?.errorCode;
        assertEquals(
          code,
          ErrorCode.UNKNOWN_TOPIC_ID,
          `Fetch v13 with an unknown topic id: got ${err(code ?? 0)}`,
        );
      },
    );

    await step(
      "fetch limits: partition_max_bytes and max_bytes still return the first batch whole",
      async () => {
        const one = await fetchPartition(c, {
          topic,
          partition: 0,
          offset: 0,
          partitionMaxBytes: 1,
        }, { version: 11 });
        assertEquals(one.errorCode, 0);
        assertEquals(
          fetchedRecords(one).map(plain),
          all.slice(0, 3),
          "partition_max_bytes 1: the first batch, whole",
        );
        const res = await c.request(
          1,
          11,
          fetchBody([{ topic, partition: 0, offset: 0 }, { topic, partition: 1, offset: 0 }], {
            maxBytes: 1,
          }),
        );
        const parts = res.responses.flatMap((r) => r.partitions);
        const p0 = parts.find((p) => p.partitionIndex === 0)!;
        const p1 = parts.find((p) => p.partitionIndex === 1)!;
        assertEquals(
          fetchedRecords(p0).map(plain),
          all.slice(0, 3),
          "max_bytes 1: the first partition gets one batch",
        );
        assertEquals(
          [p1.errorCode, fetchedRecords(p1).length],
          [0, 0],
          "max_bytes 1: nothing left for the second partition",
        );
        const committed = await c.request(
          1,
          11,
          fetchBody([{ topic, partition: 0, offset: 0 }], { isolationLevel: 1 }),
        );
        const pc = committed.responses[0].partitions[0];
        assertEquals(
          [pc.errorCode, pc.highWatermark, pc.lastStableOffset],
          [0, 5, 5],
          "read_committed: LSO = HW",
        );
        assertEquals(
          fetchedRecords(pc).map(plain),
          all,
          "read_committed sees every record (no transactions)",
        );
      },
    );

    await step("fetch from an offset in the middle of a batch", async () => {
      for (const version of [4, 12]) {
        const p = await fetchPartition(c, { topic, partition: 0, offset: 1 }, { version });
        assertEquals(p.errorCode, 0, `Fetch v${version} at 1: ${err(p.errorCode)}`);
        const recs = fetchedRecords(p);
        // Kafka starts at the batch holding the offset; the client drops what is below it.
        assert(
          recs.length > 0 && recs[0].offset <= 1,
          `Fetch v${version} at 1 starts at or before 1`,
        );
        assertEquals(recs.filter((r) => r.offset >= 1).map(plain), all.slice(1));
      }
      const p = await fetchPartition(c, { topic, partition: 0, offset: 4 }, { version: 12 });
      const recs = fetchedRecords(p).filter((r) => r.offset >= 4);
      assertEquals(recs.map(plain), all.slice(4), "fetch at the last record of the gzip batch");
    });

    await step(
      "fetch at the log end: empty, no error; beyond it: OFFSET_OUT_OF_RANGE",
      async () => {
        for (const version of [4, 11, 12, 17]) {
          const id = version >= 13 ? await topicId(c, topic) : undefined;
          const name = version >= 13 ? "" : topic;
          const end = await fetchPartition(
            c,
            { topic: name, topicId: id, partition: 0, offset: 5 },
            { version },
          );
          assertEquals(end.errorCode, 0, `Fetch v${version} at the log end: ${err(end.errorCode)}`);
          assertEquals(
            fetchedRecords(end).length,
            0,
            `Fetch v${version} at the log end returns no records`,
          );
          assertEquals(end.highWatermark, 5);
          for (const offset of [6, 1_000_000]) {
            const out = await fetchPartition(
              c,
              { topic: name, topicId: id, partition: 0, offset },
              { version },
            );
            assertEquals(
              out.errorCode,
              ErrorCode.OFFSET_OUT_OF_RANGE,
              `Fetch v${version} at ${offset} (log end 5): got ${err(out.errorCode)}`,
            );
            assertEquals(fetchedRecords(out).length, 0);
          }
        }
        // A negative fetch offset is below the log start.
        const neg = await fetchPartition(c, { topic, partition: 0, offset: -5 }, { version: 11 });
        assertEquals(
          neg.errorCode,
          ErrorCode.OFFSET_OUT_OF_RANGE,
          `Fetch at -5: got ${err(neg.errorCode)}`,
        );
      },
    );

    await step(
      "leader epochs: OffsetForLeaderEpoch, and Fetch v9+ current_leader_epoch",
      async () => {
        const md = await c.request(3, 12, metadataBody([topic]));
        const epoch = md.topics[0].partitions.find((p) => p.partitionIndex === 0)!.leaderEpoch;
        assert(epoch >= 0, `Metadata v12 leader epoch ${epoch}`);
        const ask = async (partition: number, leaderEpoch: number, currentLeaderEpoch = -1) => {
          const res = await c.request(23, 4, {
            replicaId: -1,
            topics: [{ topic, partitions: [{ partition, currentLeaderEpoch, leaderEpoch }] }],
          });
          const p = res.topics[0].partitions[0];
          return [p.errorCode, p.leaderEpoch, p.endOffset];
        };
        assertEquals(await ask(0, epoch), [0, epoch, 5], "the current epoch ends at the log end");
        assertEquals(
          await ask(0, epoch + 1),
          [0, -1, -1],
          "an epoch above the latest is undefined",
        );
        assertEquals(
          await ask(0, epoch, epoch),
          [0, epoch, 5],
          "with the right current leader epoch",
        );
        assertEquals(
          (await ask(0, epoch, epoch + 1))[0],
          ErrorCode.UNKNOWN_LEADER_EPOCH,
          "current leader epoch ahead",
        );
        assertEquals(
          (await ask(9, epoch))[0],
          ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
          "partition 9 does not exist",
        );
        const res = await c.request(1, 12, {
          ...fetchBody([{ topic, partition: 0, offset: 0 }]),
          topics: [{
            topic,
            topicId: ZERO_UUID,
            partitions: [{
              ...fetchBody([{ topic, partition: 0, offset: 0 }]).topics[0].partitions[0],
              currentLeaderEpoch: epoch + 1,
            }],
          }],
        });
        const code = res.responses[0].partitions[0].errorCode;
        assertEquals(
          code,
          ErrorCode.UNKNOWN_LEADER_EPOCH,
          `Fetch v12 with current_leader_epoch ahead: ${err(code)}`,
        );
      },
    );

    await step("DescribeLogDirs and DescribeTopicPartitions", async () => {
      for (const version of [1, 4]) {
        const res = await c.request(35, version, { topics: null });
        assertEquals(res.results.length, 1, `DescribeLogDirs v${version}: one log dir`);
        const dir = res.results[0];
        assertEquals([dir.errorCode, dir.logDir], [0, broker.logDir]);
        const t0 = dir.topics.find((x) => x.name === topic);
        assert(t0 !== undefined, `DescribeLogDirs v${version} lists ${topic}`);
        const sizes = Object.fromEntries(
          t0.partitions.map((p) => [p.partitionIndex, p.partitionSize]),
        );
        assertEquals(Object.keys(sizes).sort(), ["0", "1", "2"]);
        assert(sizes[0] > 0, `partition 0 has bytes on disk: ${sizes[0]}`);
        const one = await c.request(35, version, { topics: [{ topic, partitions: [1] }] });
        assertEquals(
          one.results[0].topics.flatMap((x) =>
            x.partitions.map((p) => `${x.name}-${p.partitionIndex}`)
          ),
          [`${topic}-1`],
          "DescribeLogDirs of one partition",
        );
      }
      const id = await topicId(c, topic);
      const missing = uniqueName("e2e-missing");
      const res = await c.request(75, 0, {
        topics: [{ name: topic }, { name: missing }],
        responsePartitionLimit: 2000,
        cursor: null,
      });
      const found = res.topics.find((x) => x.name === topic);
      assert(found !== undefined, "DescribeTopicPartitions lists the topic");
      assertEquals(
        [found.errorCode, found.topicId, found.partitions.map((p) => p.partitionIndex)],
        [0, id, [0, 1, 2]],
      );
      assertEquals(
        res.topics.find((x) => x.name === missing)?.errorCode,
        ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      );
      const paged = await c.request(75, 0, {
        topics: [{ name: topic }],
        responsePartitionLimit: 2,
        cursor: null,
      });
      assertEquals(
        paged.topics[0].partitions.map((p) => p.partitionIndex),
        [0, 1],
        "first page of 2",
      );
      assertEquals(paged.nextCursor, { topicName: topic, partitionIndex: 2 }, "cursor to the rest");
      const rest = await c.request(75, 0, {
        topics: [{ name: topic }],
        responsePartitionLimit: 2,
        cursor: paged.nextCursor,
      });
      assertEquals(rest.topics[0].partitions.map((p) => p.partitionIndex), [2], "second page");
      assertEquals(rest.nextCursor, null);
    });

    await step("ListOffsets: earliest, latest, by timestamp, max timestamp", async () => {
      const lt = uniqueName("e2e-offsets");
      await createTopics(c, [{ name: lt, partitions: 1 }]);
      const base = Date.now() - 60_000;
      // offset: timestamp delta — 0:100 1:110 2:120 | 3:150 4:130 | 5:140
      const sets: number[][] = [[100, 110, 120], [150, 130], [140]];
      for (const s of sets) {
        const r = await produce(c, lt, 0, batch(s.map((d) => ({ value: `t${d}`, ts: base + d }))));
        assertEquals(r.errorCode, 0, err(r.errorCode));
      }
      const empty = uniqueName("e2e-offsets-empty");
      await createTopics(c, [{ name: empty, partitions: 1 }]);

      for (const version of [1, 4, 7, 10]) {
        const at = async (ts: number) => {
          const p = await listOffset(c, lt, 0, ts, version);
          assertEquals(p.errorCode, 0, `ListOffsets v${version} ts=${ts}: ${err(p.errorCode)}`);
          return [p.offset, p.timestamp];
        };
        assertEquals((await at(EARLIEST_TIMESTAMP))[0], 0, `v${version} earliest`);
        assertEquals((await at(LATEST_TIMESTAMP))[0], 6, `v${version} latest`);
        assertEquals(await at(base), [0, base + 100], `v${version} before the first record`);
        assertEquals(await at(base + 110), [1, base + 110], `v${version} on a record's timestamp`);
        assertEquals(await at(base + 115), [2, base + 120], `v${version} between two records`);
        assertEquals(
          await at(base + 125),
          [3, base + 150],
          `v${version} first record at or after, in log order`,
        );
        assertEquals(await at(base + 150), [3, base + 150], `v${version} on the max timestamp`);
        assertEquals(
          await at(base + 151),
          [-1, -1],
          `v${version} after the last timestamp: -1, no error`,
        );
        const e = await listOffset(c, empty, 0, LATEST_TIMESTAMP, version);
        assertEquals([e.errorCode, e.offset], [0, 0], `v${version} latest of an empty partition`);
        const eb = await listOffset(c, empty, 0, base, version);
        assertEquals(
          [eb.errorCode, eb.offset, eb.timestamp],
          [0, -1, -1],
          `v${version} by timestamp, empty partition`,
        );
        if (version >= 4) {
          const p = await listOffset(c, lt, 0, LATEST_TIMESTAMP, version);
          assertEquals(p.leaderEpoch >= 0, true, `v${version} returns the leader epoch`);
        }
        if (version >= 7) {
          assertEquals(await at(MAX_TIMESTAMP), [3, base + 150], `v${version} max timestamp`);
        }
      }
      const old = await listOffset(c, lt, 0, MAX_TIMESTAMP, 6);
      assertEquals(
        old.errorCode,
        ErrorCode.UNSUPPORTED_VERSION,
        `ListOffsets v6 with MAX_TIMESTAMP (-3): got ${err(old.errorCode)}`,
      );
      const v0 = await c.request(2, 0, {
        replicaId: -1,
        isolationLevel: 0,
        timeoutMs: 0,
        topics: [{
          name: lt,
          partitions: [{
            partitionIndex: 0,
            currentLeaderEpoch: -1,
            timestamp: -1,
            maxNumOffsets: 1,
          }],
        }],
      });
      const p0 = v0.topics[0].partitions[0];
      assertEquals(
        [p0.errorCode, p0.oldStyleOffsets[0]],
        [0, 6],
        "ListOffsets v0 latest in old_style_offsets",
      );
      const unknown = await listOffset(c, lt, 7, LATEST_TIMESTAMP, 7);
      assertEquals(
        unknown.errorCode,
        ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        `partition 7: ${err(unknown.errorCode)}`,
      );
    });

    await step("long poll: a produce on another connection wakes a waiting Fetch", async () => {
      const lp = uniqueName("e2e-longpoll");
      await createTopics(c, [{ name: lp, partitions: 1 }]);
      const producer = await KafkaClient.connect(broker.bootstrap);
      try {
        const started = performance.now();
        const fetching = fetchPartition(c, { topic: lp, partition: 0, offset: 0 }, {
          version: 11,
          maxWaitMs: 2000,
          minBytes: 1,
          timeoutMs: 6000,
        });
        await sleep(300);
        const producedAt = performance.now();
        const r = await produce(producer, lp, 0, batch([{ value: "wake up", ts: Date.now() }]));
        assertEquals(r.errorCode, 0);
        const p = await fetching;
        const done = performance.now();
        assertEquals(p.errorCode, 0, err(p.errorCode));
        assertEquals(
          fetchedRecords(p).map((x) => str(x.value)),
          ["wake up"],
          "the waiting fetch returns the new record",
        );
        assert(
          done - producedAt < 1000 && done - started < 1600,
          `Fetch answered ${Math.round(done - producedAt)} ms after the produce, ${
            Math.round(done - started)
          } ms after it was sent (max_wait 2000): expected well under max_wait`,
        );
      } finally {
        await producer.close();
      }
    });

    await step(
      "long poll: with nothing arriving, Fetch returns empty after about max_wait",
      async () => {
        const lp = uniqueName("e2e-longpoll-idle");
        await createTopics(c, [{ name: lp, partitions: 1 }]);
        const started = performance.now();
        const p = await fetchPartition(c, { topic: lp, partition: 0, offset: 0 }, {
          version: 12,
          maxWaitMs: 2000,
          minBytes: 1,
          timeoutMs: 8000,
        });
        const took = performance.now() - started;
        assertEquals(p.errorCode, 0, err(p.errorCode));
        assertEquals(fetchedRecords(p).length, 0);
        assert(
          took >= 1900 && took < 3500,
          `idle Fetch with max_wait 2000 answered after ${Math.round(took)} ms`,
        );
      },
    );

    await step(
      "fetch sessions (v7+): new session, incremental fetch, bad epoch, unknown id",
      async () => {
        const st = uniqueName("e2e-session");
        await createTopics(c, [{ name: st, partitions: 2 }]);
        await produce(c, st, 0, batch([{ value: "s0", ts: Date.now() }]));
        const full = await c.request(1, 12, {
          ...fetchBody([{ topic: st, partition: 0, offset: 0 }, {
            topic: st,
            partition: 1,
            offset: 0,
          }]),
          sessionId: 0,
          sessionEpoch: 0,
        });
        assertEquals(full.errorCode, 0, `full fetch opening a session: ${err(full.errorCode)}`);
        assertEquals(
          full.responses.flatMap((r) => r.partitions.map((p) => p.partitionIndex)).sort(),
          [0, 1],
          "a full fetch lists exactly the requested partitions",
        );
        const sid = full.sessionId;
        // Kafka may decline (id 0) when its session cache is full; a fresh broker's is empty.
        assert(sid !== 0, "a full fetch with epoch 0 on a fresh broker opens a session");
        // Incremental: nothing new yet for partition 0 (at its end), partition 1 gets a record.
        await produce(c, st, 1, batch([{ value: "s1", ts: Date.now() }]));
        const inc = await c.request(1, 12, { ...fetchBody([]), sessionId: sid, sessionEpoch: 1 });
        assertEquals(inc.errorCode, 0, `incremental fetch epoch 1: ${err(inc.errorCode)}`);
        assertEquals(inc.sessionId, sid);
        const parts = inc.responses.flatMap((r) => r.partitions);
        const p1 = parts.find((p) => p.partitionIndex === 1);
        assert(p1 !== undefined, "the incremental response carries the partition with new data");
        assertEquals(fetchedRecords(p1).map((r) => str(r.value)), ["s1"]);
        const stale = await c.request(1, 12, { ...fetchBody([]), sessionId: sid, sessionEpoch: 5 });
        assertEquals(
          stale.errorCode,
          ErrorCode.INVALID_FETCH_SESSION_EPOCH,
          `wrong epoch: ${err(stale.errorCode)}`,
        );
        const missing = await c.request(1, 12, {
          ...fetchBody([]),
          sessionId: 0x7fff1234,
          sessionEpoch: 1,
        });
        assertEquals(
          missing.errorCode,
          ErrorCode.FETCH_SESSION_ID_NOT_FOUND,
          `unknown id: ${err(missing.errorCode)}`,
        );
      },
    );

    await step("acks=0: no response, and the next request gets its own answer", async () => {
      const a0 = uniqueName("e2e-acks0");
      await createTopics(c, [{ name: a0, partitions: 1 }]);
      const conn = await KafkaClient.connect(broker.bootstrap);
      try {
        // The first produce (acks=1) creates the log; pipelined first produces have a step of their own (last).
        const first = await produce(conn, a0, 0, batch([{ value: "acked", ts: Date.now() }]), {
          acks: 1,
        });
        assertEquals(first.errorCode, 0, err(first.errorCode));
        for (let i = 0; i < 3; i++) {
          await conn.send(
            0,
            9,
            produceBody(a0, 0, batch([{ value: `fire-${i}`, ts: Date.now() }]), { acks: 0 }),
          );
        }
        const av = await conn.request(18, 3, {
          ...createApiVersionsRequest(),
          clientSoftwareName: "runnel-e2e",
          clientSoftwareVersion: "1.0",
        });
        assertEquals(av.errorCode, 0);
        const md = await conn.request(3, 9, metadataBody([a0]));
        assertEquals(md.topics[0].name, a0);
        await sleep(200);
        assertEquals(conn.protocolErrors, [], "no stray response frames after acks=0 produces");
        assert(conn.isOpen, `connection still open after acks=0 produces (${conn.closedBecause})`);
        const p = await fetchPartition(conn, { topic: a0, partition: 0, offset: 0 });
        assertEquals(fetchedRecords(p).map((r) => str(r.value)), [
          "acked",
          "fire-0",
          "fire-1",
          "fire-2",
        ]);
      } finally {
        await conn.close();
      }
    });

    const lat = uniqueName("e2e-logappend");
    await step(
      "LogAppendTime topic: log_append_time in the response and in stored timestamps",
      async () => {
        await createTopics(c, [{
          name: lat,
          partitions: 1,
          configs: { "message.timestamp.type": "LogAppendTime" },
        }]);
        const before = Date.now();
        const old = before - 10 * 24 * 3600_000;
        const r = await produce(
          c,
          lat,
          0,
          batch([{ value: "a", ts: old }, { value: "b", ts: old + 1 }]),
          { version: 8 },
        );
        const after = Date.now();
        assertEquals(r.errorCode, 0, err(r.errorCode));
        assert(
          r.logAppendTimeMs >= before && r.logAppendTimeMs <= after,
          `log_append_time ${r.logAppendTimeMs} is not the broker time (${before}..${after})`,
        );
        const p = await fetchPartition(c, { topic: lat, partition: 0, offset: 0 }, { version: 11 });
        const [b] = fetchedBatches(p);
        assert(b.isLogAppendTime, "stored batch has the LogAppendTime attribute");
        assertEquals(b.maxTimestamp, r.logAppendTimeMs, "batch maxTimestamp is the append time");
        assertEquals(fetchedRecords(p).map((x) => x.timestamp), [
          r.logAppendTimeMs,
          r.logAppendTimeMs,
        ]);
        const byTime = await listOffset(c, lat, 0, before - 1000);
        assertEquals(
          [byTime.offset, byTime.timestamp],
          [0, r.logAppendTimeMs],
          "ListOffsets by time uses append time",
        );
      },
    );

    await step("pipelined requests are answered in request order", async () => {
      const pt = uniqueName("e2e-pipeline");
      await createTopics(c, [{ name: pt, partitions: 1 }]);
      const conn = await KafkaClient.connect(broker.bootstrap);
      try {
        // A long-poll fetch first: everything after it must wait for it. The client
        // rejects a response that overtakes an earlier request (protocolErrors).
        const started = performance.now();
        const fetching = conn.request(
          1,
          11,
          fetchBody([{ topic: pt, partition: 0, offset: 0 }], { maxWaitMs: 600, minBytes: 1000 }),
        );
        const md = conn.request(3, 12, metadataBody([pt]));
        const av = conn.request(18, 0, createApiVersionsRequest());
        const pr = conn.request(0, 9, produceBody(pt, 0, batch([{ value: "p", ts: Date.now() }])));
        const lo = listOffset(conn, pt, 0, LATEST_TIMESTAMP);
        const more = Array.from({ length: 20 }, () => conn.request(3, 4, metadataBody([pt])));
        const mdAt = md.then(() => performance.now());
        const [f, m, a, p, l] = await Promise.all([fetching, md, av, pr, lo, ...more]);
        assertEquals(conn.protocolErrors, [], "responses came back in request order");
        assertEquals(f.errorCode, 0);
        assertEquals(m.topics[0].name, pt);
        assertEquals(a.errorCode, 0);
        assertEquals(p.responses[0].partitionResponses[0].errorCode, 0);
        assertEquals(l.offset, 1);
        const mdLatency = (await mdAt) - started;
        assert(
          mdLatency >= 500,
          `Metadata behind a 600 ms long poll answered after ${Math.round(mdLatency)} ms`,
        );
      } finally {
        await conn.close();
      }
    });

    await step(
      "requests on a connection are processed in order: a pipelined Fetch sees the Produce before it",
      async () => {
        // Kafka's protocol guide: "requests will be processed in the order they are sent".
        const po = uniqueName("e2e-processing-order");
        await createTopics(c, [{ name: po, partitions: 1 }]);
        await produce(c, po, 0, batch([{ value: "first", ts: Date.now() }])); // the log exists
        const conn = await KafkaClient.connect(broker.bootstrap);
        try {
          conn.cork(); // one write: the broker reads all four requests at once
          const produced = conn.request(
            0,
            9,
            produceBody(po, 0, batch([{ value: "second", ts: Date.now() }]), { acks: 1 }),
          );
          const fetched = conn.request(1, 11, fetchBody([{ topic: po, partition: 0, offset: 0 }]));
          const fireAndForget = conn.send(
            0,
            9,
            produceBody(po, 0, batch([{ value: "third", ts: Date.now() }]), { acks: 0 }),
          );
          const listed = listOffset(conn, po, 0, LATEST_TIMESTAMP);
          await conn.uncork();
          const [pr, f, l] = await Promise.all([produced, fetched, listed, fireAndForget]);
          assertEquals(pr.responses[0].partitionResponses[0].baseOffset, 1);
          const values = fetchedRecords(f.responses[0].partitions[0]).map((r) => str(r.value));
          assertEquals(
            values,
            ["first", "second"],
            "Fetch pipelined after Produce (acks=1) on the same connection",
          );
          assertEquals(
            l.offset,
            3,
            "ListOffsets pipelined after Produce (acks=0) on the same connection",
          );
        } finally {
          await conn.close();
        }
      },
    );

    await step(
      "DeleteRecords moves the log start; fetch below it is OFFSET_OUT_OF_RANGE",
      async () => {
        const dt = uniqueName("e2e-delete");
        await createTopics(c, [{ name: dt, partitions: 1 }]);
        for (const s of [["a", "b"], ["c", "d"], ["e"]]) {
          await produce(c, dt, 0, batch(s.map((v) => ({ value: v, ts: Date.now() }))));
        }
        const del = (offset: number, version = 2) =>
          c.request(21, version, {
            ...createDeleteRecordsRequest(),
            timeoutMs: 5000,
            topics: [{ name: dt, partitions: [{ partitionIndex: 0, offset }] }],
          });
        const res = await del(3);
        const p = res.topics[0].partitions[0];
        assertEquals(
          [p.errorCode, p.lowWatermark],
          [0, 3],
          `DeleteRecords to 3: ${err(p.errorCode)}`,
        );
        const early = await listOffset(c, dt, 0, EARLIEST_TIMESTAMP);
        assertEquals(early.offset, 3, "ListOffsets earliest after DeleteRecords");
        for (const offset of [0, 2]) {
          const below = await fetchPartition(c, { topic: dt, partition: 0, offset }, {
            version: 11,
          });
          assertEquals(
            below.errorCode,
            ErrorCode.OFFSET_OUT_OF_RANGE,
            `Fetch at ${offset} < log start 3: ${err(below.errorCode)}`,
          );
        }
        const from3 = await fetchPartition(c, { topic: dt, partition: 0, offset: 3 }, {
          version: 11,
        });
        assertEquals(from3.errorCode, 0);
        assertEquals(from3.logStartOffset, 3, "Fetch reports the new log start offset");
        assertEquals(fetchedRecords(from3).filter((r) => r.offset >= 3).map((r) => str(r.value)), [
          "d",
          "e",
        ]);
        // Going backwards changes nothing; -1 means the high watermark; beyond it is out of range.
        const back = (await del(1)).topics[0].partitions[0];
        assertEquals(
          [back.errorCode, back.lowWatermark],
          [0, 3],
          "DeleteRecords below the log start keeps it",
        );
        const beyond = (await del(99, 1)).topics[0].partitions[0];
        assertEquals(
          beyond.errorCode,
          ErrorCode.OFFSET_OUT_OF_RANGE,
          `DeleteRecords beyond HW: ${err(beyond.errorCode)}`,
        );
        const hw = (await del(-1, 0)).topics[0].partitions[0];
        assertEquals(
          [hw.errorCode, hw.lowWatermark],
          [0, 5],
          "DeleteRecords -1 deletes up to the high watermark",
        );
        const atEnd = await fetchPartition(c, { topic: dt, partition: 0, offset: 5 });
        assertEquals([atEnd.errorCode, fetchedRecords(atEnd).length], [0, 0]);
        const next = await produce(c, dt, 0, batch([{ value: "f", ts: Date.now() }]));
        assertEquals(next.baseOffset, 5, "offsets continue after deleting everything");
        assertEquals(next.logStartOffset, 5);
      },
    );

    // --- restarts: everything above is on disk too and checked again below -----------------

    const durable = uniqueName("e2e-durable");
    const flushed = uniqueName("e2e-flushed");
    let durableId = "";
    let durableBefore: ReturnType<typeof plain>[] = [];

    await step(
      "graceful restart (SIGTERM): clean exit, same topics, ids and high watermarks",
      async () => {
        await createTopics(c, [{
          name: durable,
          partitions: 2,
          configs: { "retention.ms": "-1" },
        }]);
        durableId = await topicId(c, durable);
        const ts = Date.now();
        for (let i = 0; i < 5; i++) {
          const r = await produce(
            c,
            durable,
            0,
            batch(
              [{ key: `k${i}`, value: `v${i}`, headers: { i: String(i) }, ts: ts + i }, {
                value: null,
                ts: ts + i,
              }],
              i % 2 ? Compression.Gzip : Compression.None,
            ),
          );
          assertEquals([r.errorCode, r.baseOffset], [0, 2 * i]);
        }
        await produce(c, durable, 1, batch([{ value: "other", ts }]));
        const before = await fetchPartition(c, { topic: durable, partition: 0, offset: 0 });
        durableBefore = fetchedRecords(before).map(plain);
        assertEquals(durableBefore.length, 10);
        await c.close();

        const status = await broker.stop();
        assertEquals(status.code, 0, "graceful shutdown exit code");
        await broker.startAgain();

        const c2 = await KafkaClient.connect(broker.bootstrap);
        try {
          assertEquals(await topicId(c2, durable), durableId, "same topic id after restart");
          const md = await c2.request(3, 12, metadataBody(null));
          for (const name of [topic, lat, durable]) {
            assert(md.topics.some((x) => x.name === name), `${name} survives the restart`);
          }
          // Before anything is produced: the high watermark is the recovered log end.
          assertEquals(
            (await listOffset(c2, durable, 0, LATEST_TIMESTAMP)).offset,
            10,
            "ListOffsets latest after restart",
          );
          const after = await fetchPartition(c2, { topic: durable, partition: 0, offset: 0 });
          assertEquals(
            [after.errorCode, after.highWatermark],
            [0, 10],
            "Fetch high watermark after restart",
          );
          assertEquals(
            fetchedRecords(after).map(plain),
            durableBefore,
            "records fetchable right after restart",
          );
        } finally {
          await c2.close();
        }
      },
    );

    await step(
      "after the restart: same records and offsets, appends continue, topic configs kept",
      async () => {
        const c2 = await KafkaClient.connect(broker.bootstrap);
        try {
          // A new record lands at the old log end (and moves the high watermark there, so this
          // step does not depend on the high watermark being restored at start-up).
          const more = await produce(c2, durable, 0, batch([{ value: "after", ts: Date.now() }]));
          assertEquals(
            [more.errorCode, more.baseOffset],
            [0, 10],
            "appends continue at the old log end",
          );
          const after = await fetchPartition(c2, { topic: durable, partition: 0, offset: 0 });
          assertEquals(
            fetchedRecords(after).map(plain).slice(0, 10),
            durableBefore,
            "same records and offsets",
          );
          await produce(c2, durable, 1, batch([{ value: "more", ts: Date.now() }]));
          const p1 = await fetchPartition(c2, { topic: durable, partition: 1, offset: 0 });
          assertEquals(fetchedRecords(p1).map((r) => [r.offset, str(r.value)]), [[0, "other"], [
            1,
            "more",
          ]]);
          await produce(c2, topic, 0, batch([{ value: "later", ts: Date.now() }]));
          const shared = await fetchPartition(c2, { topic, partition: 0, offset: 0 });
          assertEquals(
            fetchedRecords(shared).map(plain).slice(0, 5),
            all,
            "earlier steps' records (gzip batch included)",
          );
          const r = await produce(c2, lat, 0, batch([{ value: "c", ts: 1 }]));
          assert(
            r.errorCode === 0 && r.logAppendTimeMs > 0,
            `the LogAppendTime topic config survives: ${JSON.stringify(r)}`,
          );
        } finally {
          await c2.close();
        }
      },
    );

    await step("acknowledged records survive SIGKILL with flush.messages=1", async () => {
      const c3 = await KafkaClient.connect(broker.bootstrap);
      const acked: { offset: number; value: string }[] = [];
      try {
        await createTopics(c3, [{
          name: flushed,
          partitions: 1,
          configs: { "flush.messages": "1" },
        }]);
        for (let i = 0; i < 20; i++) {
          const r = await produce(
            c3,
            flushed,
            0,
            batch([{ value: `durable-${i}`, ts: Date.now() }]),
            { acks: -1 },
          );
          assertEquals(r.errorCode, 0, err(r.errorCode));
          acked.push({ offset: r.baseOffset, value: `durable-${i}` });
        }
        // acks=1 too, in a burst of pipelined requests.
        const burst = await Promise.all(
          Array.from(
            { length: 10 },
            (_, i) =>
              produce(c3, flushed, 0, batch([{ value: `burst-${i}`, ts: Date.now() }]), {
                acks: 1,
              }),
          ),
        );
        burst.forEach((r, i) => acked.push({ offset: r.baseOffset, value: `burst-${i}` }));
      } finally {
        await c3.close();
      }
      await broker.kill();
      await broker.startAgain();
      const c4 = await KafkaClient.connect(broker.bootstrap);
      try {
        // A new record lands right after what recovery kept (and moves the high watermark
        // there, so this step does not depend on the high watermark being restored on start).
        const marker = await produce(c4, flushed, 0, batch([{ value: "marker", ts: Date.now() }]));
        assertEquals(marker.errorCode, 0, `produce after SIGKILL: ${err(marker.errorCode)}`);
        assertEquals(
          marker.baseOffset,
          acked.length,
          "the log end after recovery is the acknowledged end",
        );
        const p = await fetchPartition(c4, { topic: flushed, partition: 0, offset: 0 });
        assertEquals(p.errorCode, 0, `after SIGKILL: ${err(p.errorCode)}`);
        const got = fetchedRecords(p).map((r) => ({ offset: r.offset, value: str(r.value)! }));
        assertEquals(
          got,
          [...acked, { offset: acked.length, value: "marker" }],
          "every acknowledged record is back at its offset",
        );
        // The durable topic of the previous step was flushed by its clean shutdown.
        await produce(c4, durable, 0, batch([{ value: "marker", ts: Date.now() }]));
        const d = await fetchPartition(c4, { topic: durable, partition: 0, offset: 0 });
        assertEquals(fetchedRecords(d).map(plain).slice(0, 10), durableBefore);
      } finally {
        await c4.close();
      }
    });

    await step("pipelined first produces to a new partition (acks=1 and acks=0)", async () => {
      const fresh = uniqueName("e2e-fresh");
      const conn = await KafkaClient.connect(broker.bootstrap);
      try {
        await createTopics(conn, [{ name: fresh, partitions: 2 }]);
        // Sent back to back right after creation: the broker may still be creating the logs.
        for (let i = 0; i < 3; i++) {
          await conn.send(
            0,
            9,
            produceBody(fresh, 1, batch([{ value: `zero-${i}`, ts: Date.now() }]), { acks: 0 }),
          );
        }
        const acked = await Promise.all(
          [0, 1, 2].map((i) =>
            produce(conn, fresh, 0, batch([{ value: `one-${i}`, ts: Date.now() }]), { acks: 1 })
          ),
        );
        assertEquals(acked.map((r) => [r.errorCode, r.baseOffset]), [[0, 0], [0, 1], [0, 2]]);
        const p0 = await fetchPartition(conn, { topic: fresh, partition: 0, offset: 0 });
        assertEquals(
          fetchedRecords(p0).map((r) => str(r.value)),
          ["one-0", "one-1", "one-2"],
        );
        const p1 = await fetchPartition(conn, { topic: fresh, partition: 1, offset: 0 });
        assertEquals(
          fetchedRecords(p1).map((r) => str(r.value)),
          ["zero-0", "zero-1", "zero-2"],
        );
        assert(!/ERROR|offline/.test(broker.output()), "the broker logged no error");
      } finally {
        await conn.close();
      }
    });
  } finally {
    await c.close();
    await broker.close();
  }
});
