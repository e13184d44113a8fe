/**
 * Consumer groups end to end with kafkajs 2.2.4 against a real broker process
 * (group.initial.rebalance.delay.ms=0 to keep the test short):
 * - 3 members over 6 partitions while a producer runs; a 4th joins, one
 *   leaves; after each rebalance the assignments are disjoint and complete,
 *   no two members ever process a partition at once, and with a commit after
 *   every batch nothing is lost or processed twice; the committed offsets end
 *   at the log ends, and the stored commits never go backwards.
 * - commit, restart the broker (SIGTERM, member connected), continue; then
 *   SIGKILL it: a new member resumes exactly at the committed offsets.
 */
import { Kafka, logLevel } from "npm:kafkajs@2.2.4";
import { assert, assertEquals } from "./support/storage_assert.ts";
import { BrokerProcess } from "./support/broker_process.ts";
import { KafkaClient, uniqueName } from "./support/kafka_client.ts";
import {
  BackgroundProducer,
  bounded,
  committed,
  drained,
  endOffsets,
  Ledger,
  Member,
  regressions,
  settled,
  sleep,
  storedCommits,
} from "./support/groups_helpers.ts";

function client(broker: BrokerProcess, clientId: string): Kafka {
  return new Kafka({
    clientId,
    brokers: [broker.bootstrap],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3000,
    requestTimeout: 15_000,
    retry: { retries: 10, initialRetryTime: 100, maxRetryTime: 1000 },
  });
}

const opts = {
  // kafkajs keeps timers and sockets of its own past disconnect().
  sanitizeOps: false,
  sanitizeResources: false,
};

Deno.test({
  ...opts,
  name:
    "kafkajs group: 3 members over 6 partitions, one joins, one leaves; no partition owned twice, nothing lost or repeated",
  fn: async () => {
    const broker = await BrokerProcess.start({
      overrides: { "group.initial.rebalance.delay.ms": "0" },
    });
    const kafka = client(broker, "groups-rebalance");
    const admin = kafka.admin();
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    const own = await KafkaClient.connect(broker.bootstrap);
    const topic = uniqueName("grp-six");
    const groupId = uniqueName("grp-six-g");
    const ledger = new Ledger();
    const members: Member[] = [];
    let bg: BackgroundProducer | null = null;
    try {
      await bounded("admin.connect", admin.connect());
      await bounded("producer.connect", producer.connect());
      await bounded("createTopics", admin.createTopics({ topics: [{ topic, numPartitions: 6 }] }));
      bg = new BackgroundProducer(producer, topic, 6, 12, 20);
      for (const label of ["A", "B", "C"]) {
        members.push(await Member.start(kafka, label, groupId, topic, ledger));
      }
      const three = await settled(admin, groupId, topic, 6, members);
      for (const a of Object.values(three)) {
        assertEquals(a.length, 2, "6 partitions over 3 members");
      }
      await sleep(1000);
      members.push(await Member.start(kafka, "D", groupId, topic, ledger));
      await settled(admin, groupId, topic, 6, members);
      await sleep(1000);
      const leaving = members.splice(1, 1)[0];
      await leaving.stop();
      const after = await settled(admin, groupId, topic, 6, members);
      assertEquals(Object.keys(after).sort(), ["A", "C", "D"]);
      await sleep(1000);
      await bg.stop();
      assert(bg.sent > 500 && bg.errors === 0, `produced ${bg.sent}, ${bg.errors} failed sends`);
      const ends = await endOffsets(admin, topic);
      assertEquals(ends.reduce((a, b) => a + b, 0), bg.sent);
      await drained(ledger, ends, 30_000);
      assertEquals(ledger.violations, [], "two members processed one partition at once");
      assertEquals(ledger.duplicates(), [], "messages processed twice");
      assertEquals(ledger.count(), bg.sent);
      // Every batch was committed: the committed offsets reach the log ends.
      const deadline = Date.now() + 10_000;
      while ((await committed(admin, groupId, topic)).join() !== ends.join()) {
        assert(
          Date.now() < deadline,
          `committed ${await committed(admin, groupId, topic)} != ends ${ends}`,
        );
        await sleep(100);
      }
      const stored = await storedCommits(own, groupId);
      assert(stored.length >= 6, `only ${stored.length} stored commits`);
      assertEquals(regressions(stored), [], "a committed offset went backwards");
      assertEquals(members.map((m) => m.crashes), [0, 0, 0]);
    } catch (e) {
      if (e instanceof Error) e.message += `\n${broker.describe(30)}`;
      throw e;
    } finally {
      await bg?.stop();
      for (const m of members) await m.stop().catch(() => {});
      await producer.disconnect().catch(() => {});
      await admin.disconnect().catch(() => {});
      await own.close();
      await broker.close();
    }
  },
});

Deno.test({
  ...opts,
  name:
    "kafkajs group: commit, restart the broker (SIGTERM, then SIGKILL), resume from the committed offsets",
  fn: async () => {
    const broker = await BrokerProcess.start({
      overrides: { "group.initial.rebalance.delay.ms": "0" },
    });
    const kafka = client(broker, "groups-restart");
    const admin = kafka.admin();
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    const topic = uniqueName("grp-restart");
    const groupId = uniqueName("grp-restart-g");
    const ledger = new Ledger();
    const members: Member[] = [];
    let phase = 0;
    const produce = async () => {
      phase++;
      const messages = [];
      for (let p = 0; p < 3; p++) {
        for (let i = 0; i < 10; i++) {
          messages.push({ value: `phase${phase}-p${p}-${i}`, partition: p });
        }
      }
      await bounded(`produce phase ${phase}`, producer.send({ topic, acks: -1, messages }));
    };
    const committedReach = async (want: number) => {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const c = await committed(admin, groupId, topic).catch(() => []);
        if (c.join() === [want, want, want].join()) return;
        assert(Date.now() < deadline, `committed offsets ${c}, expected ${want} on each partition`);
        await sleep(100);
      }
    };
    try {
      await bounded("admin.connect", admin.connect());
      await bounded("producer.connect", producer.connect());
      await bounded("createTopics", admin.createTopics({ topics: [{ topic, numPartitions: 3 }] }));
      await produce();
      const a = await Member.start(kafka, "A", groupId, topic, ledger);
      members.push(a);
      await drained(ledger, [10, 10, 10], 30_000);
      await committedReach(10);
      await sleep(300);

      // A graceful restart while A stays connected: the group and its offsets are reloaded.
      await broker.restart();
      await committedReach(10);
      await produce();
      await drained(ledger, [20, 20, 20], 40_000);
      await committedReach(20);
      await a.stop();
      members.length = 0;

      // A crash: every acknowledged commit must still be there.
      await broker.kill();
      await broker.startAgain();
      await committedReach(20);
      await produce();
      const b = await Member.start(kafka, "B", groupId, topic, ledger);
      members.push(b);
      await drained(ledger, [30, 30, 30], 40_000);
      await sleep(500);
      assertEquals(ledger.duplicates(), [], "messages processed twice across the restarts");
      const byB = [...ledger.seen].filter(([, w]) => w.includes("B")).map(([k]) => k).sort();
      const expected = [0, 1, 2].flatMap((p) =>
        Array.from({ length: 10 }, (_, i) => `${p}:${20 + i}`)
      )
        .sort();
      assertEquals(byB, expected, "B resumed exactly at the committed offsets");
      await committedReach(30);
    } catch (e) {
      if (e instanceof Error) e.message += `\n${broker.describe(40)}`;
      throw e;
    } finally {
      for (const m of members) await m.stop().catch(() => {});
      await producer.disconnect().catch(() => {});
      await admin.disconnect().catch(() => {});
      await broker.close();
    }
  },
});
