/**
 * The coordinator driver over real partition logs on the fault-injecting
 * in-memory filesystem: __consumer_offsets is created on first use the way
 * Kafka does it, a commit is acknowledged only once fsynced (a failing fsync
 * fails the commit and stores nothing), and after a crash that loses every
 * unsynced byte the reloaded coordinator has every acknowledged commit and
 * the stable group with its members.
 */
import { topicRecords } from "../../tests/support/metadata_records.ts";
import { assert, assertEquals } from "../../tests/support/storage_assert.ts";
import type { CreateTopicSpec } from "../metadata/controller.ts";
import { MetadataImage } from "../metadata/image.ts";
import { ErrorCode as E } from "../protocol/errors.ts";
import { defaultLogConfig } from "../storage/config.ts";
import { MemoryLogger } from "../storage/env.ts";
import { MemFs } from "../storage/fs_memory.ts";
import { PartitionLog } from "../storage/log.ts";
import { encodeSubscription } from "./consumer_protocol.ts";
import { GroupCoordinator, OFFSETS_TOPIC } from "./coordinator.ts";
import type { JoinRequest } from "./shard.ts";

class World {
  image = MetadataImage.empty.apply(
    [{ type: "broker", nodeId: 1, host: "h", port: 1, rack: null }],
    0,
  );
  created: CreateTopicSpec[] = [];
  logs = new Map<string, PartitionLog>();
  readonly logger = new MemoryLogger();
  constructor(public fs: MemFs, public leader = 1) {}

  coordinator(props: Record<string, string> = {}): GroupCoordinator {
    return new GroupCoordinator({
      nodeId: 1,
      props: new Map(Object.entries({ "group.initial.rebalance.delay.ms": "0", ...props })),
      image: () => this.image,
      logs: {
        partition: async (topic, p) => {
          const dir = `/d/${topic}-${p}`;
          let log = this.logs.get(dir);
          if (!log) {
            this.fs.mkdirp(dir);
            log = await PartitionLog.open({
              fs: this.fs,
              dir,
              topic,
              partition: p,
              config: defaultLogConfig,
              logger: this.logger,
            });
            this.logs.set(dir, log);
          }
          return log;
        },
        append: (log, records, leaderEpoch) => {
          const info = log.append(records, { leaderEpoch });
          log.setHighWatermark(log.logEndOffset);
          return info;
        },
        sync: () => Promise.resolve(),
      },
      controller: {
        createTopics: (specs) => {
          this.created.push(...specs);
          const s = specs[0];
          const topicId = "AAAAAAAAAAAAAAAAAAAAAQ";
          const records = topicRecords(s.name, topicId, s.numPartitions, { broker: this.leader });
          this.image = this.image.apply(records, this.image.offset + 1);
          return Promise.resolve(specs.map((x) => ({
            name: x.name,
            topicId,
            numPartitions: x.numPartitions,
            replicationFactor: x.replicationFactor,
            errorCode: E.NONE,
            errorMessage: null,
          })));
        },
      },
      logger: this.logger,
    });
  }

  async closeLogs(): Promise<void> {
    for (const l of this.logs.values()) await l.close().catch(() => {});
    this.logs.clear();
  }
}

function joinReq(groupId: string, memberId = ""): JoinRequest {
  return {
    groupId,
    memberId,
    groupInstanceId: null,
    requireKnownMemberId: false,
    supportSkippingAssignment: false,
    clientId: "c",
    clientHost: "/h",
    rebalanceTimeoutMs: 10_000,
    sessionTimeoutMs: 10_000,
    protocolType: "consumer",
    protocols: [{ name: "range", metadata: encodeSubscription(["t"]) }],
  };
}

const part = (partition: number, offset: number) => ({
  topic: "t",
  partition,
  offset,
  leaderEpoch: -1,
  metadata: null,
  commitTimestamp: -1,
});

Deno.test("__consumer_offsets is created on first use: partitions from config, compacted, rf capped", async () => {
  const w = new World(new MemFs());
  const c = w.coordinator({ "offsets.topic.num.partitions": "4" });
  try {
    assertEquals(c.list(), []);
    assertEquals(w.created.length, 0, "listing creates nothing");
    const found = await c.coordinatorOf("g");
    assertEquals(found, { errorCode: E.NONE, nodeId: 1 });
    assertEquals(w.created.length, 1);
    const spec = w.created[0];
    assertEquals([spec.name, spec.numPartitions, spec.replicationFactor], [OFFSETS_TOPIC, 4, 1]);
    assertEquals(
      spec.configs.find((x) => x.name === "cleanup.policy")?.value,
      "compact",
    );
    assertEquals(c.partitionFor("hello"), 99162322 % 4);
    await c.coordinatorOf("other");
    assertEquals(w.created.length, 1, "created once");
  } finally {
    c.close();
    await w.closeLogs();
  }
});

Deno.test("a commit is acknowledged only once fsynced; a failing fsync fails it and stores nothing", async () => {
  const fs = new MemFs();
  const w = new World(fs);
  const c = w.coordinator({ "offsets.topic.num.partitions": "1" });
  try {
    assertEquals(
      await c.commitOffsets({
        groupId: "s",
        generationId: -1,
        memberId: "",
        groupInstanceId: null,
        retentionTimeMs: -1,
        groupIdNotFoundError: false,
        partitions: [part(0, 5)],
      }),
      [E.NONE],
    );
    const log = w.logs.get(`/d/${OFFSETS_TOPIC}-0`)!;
    assertEquals(log.flushedOffset, log.logEndOffset, "acknowledged before it was flushed");
    fs.failPath(`/d/${OFFSETS_TOPIC}-0`);
    const failed = await c.commitOffsets({
      groupId: "s",
      generationId: -1,
      memberId: "",
      groupInstanceId: null,
      retentionTimeMs: -1,
      groupIdNotFoundError: false,
      partitions: [part(0, 6)],
    });
    assertEquals(failed, [E.NOT_COORDINATOR], "storage failure maps to NOT_COORDINATOR");
    const f = await c.fetchOffsets("s", null, true);
    assertEquals(f.offsets.map((o) => o.offset), [5]);
  } finally {
    c.close();
    await w.closeLogs();
  }
});

Deno.test("after a crash that drops every unsynced byte, every acknowledged commit and the group are back", async () => {
  const fs = new MemFs();
  const w = new World(fs);
  const c = w.coordinator({ "offsets.topic.num.partitions": "3" });
  let member = "";
  const acked = new Map<string, number>();
  try {
    const j = await c.join(joinReq("g"));
    assertEquals(j.errorCode, E.NONE);
    member = j.memberId;
    const s = await c.sync({
      groupId: "g",
      generationId: 1,
      memberId: member,
      groupInstanceId: null,
      protocolType: null,
      protocolName: null,
      assignments: [{ memberId: member, assignment: new Uint8Array([1, 2, 3]) }],
    });
    assertEquals(s.errorCode, E.NONE);
    for (let i = 1; i <= 20; i++) {
      const group = i % 2 ? "g" : `simple-${i % 4}`;
      const r = await c.commitOffsets({
        groupId: group,
        generationId: group === "g" ? 1 : -1,
        memberId: group === "g" ? member : "",
        groupInstanceId: null,
        retentionTimeMs: -1,
        groupIdNotFoundError: false,
        partitions: [part(i % 3, i * 10)],
      });
      assertEquals(r, [E.NONE]);
      acked.set(`${group}/${i % 3}`, i * 10);
    }
    // The crash comes right after the last acknowledgement: had any answer
    // gone out before its fsync, that commit would be lost below.
  } finally {
    c.close();
  }
  const rebooted = fs.crash({ random: () => 0.99, keepPendingProbability: 0 });
  const w2 = new World(rebooted);
  w2.image = w.image;
  w.logs.clear();
  const c2 = w2.coordinator({ "offsets.topic.num.partitions": "3" });
  try {
    await c2.load();
    assert(w2.logger.lines.some((l) => l.includes("group coordinator loaded")), "no load line");
    for (const [k, offset] of acked) {
      const [group, p] = k.split("/");
      const f = await c2.fetchOffsets(group, [{ topic: "t", partition: Number(p) }], false);
      assertEquals(f.offsets[0].offset, offset, `${k} after the crash`);
    }
    const d = await c2.describe("g");
    assertEquals([d.state, d.members.map((m) => m.memberId)], ["Stable", [member]]);
    assertEquals(d.members[0].assignment, new Uint8Array([1, 2, 3]));
    assertEquals(
      await c2.heartbeat({
        groupId: "g",
        generationId: 1,
        memberId: member,
        groupInstanceId: null,
      }),
      E.NONE,
    );
  } finally {
    c2.close();
    await w2.closeLogs();
  }
});

Deno.test("groups whose partition another node leads get NOT_COORDINATOR", async () => {
  const w = new World(new MemFs(), 2);
  const c = w.coordinator({ "offsets.topic.num.partitions": "2" });
  try {
    assertEquals(await c.coordinatorOf("g"), { errorCode: E.NONE, nodeId: 2 });
    assertEquals((await c.join(joinReq("g"))).errorCode, E.NOT_COORDINATOR);
    assertEquals(
      await c.heartbeat({ groupId: "g", generationId: 1, memberId: "m", groupInstanceId: null }),
      E.NOT_COORDINATOR,
    );
    assertEquals(c.list(), []);
  } finally {
    c.close();
    await w.closeLogs();
  }
});
