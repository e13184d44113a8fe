/**
 * Group churn with kafkajs 2.2.4 against a real broker process: up to 20
 * members join and leave at random (seeded) on a 24-partition topic while a
 * producer runs. At the end every produced message was consumed, and every
 * commit the group stored (read back from __consumer_offsets in log order),
 * as well as every committed offset observed while it ran, is monotone per
 * partition. Members leave with LeaveGroup (kafkajs's disconnect); members
 * that vanish without it are covered by the state-machine tests.
 *
 * Duration: RUNNEL_CHURN_SECONDS (default 15; the acceptance run uses 60).
 * Seed: RUNNEL_CHURN_SEED (default: random, printed).
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
  sleep,
  storedCommits,
} from "./support/groups_helpers.ts";

const seconds = Number(Deno.env.get("RUNNEL_CHURN_SECONDS") ?? "15");
const seed = Number(Deno.env.get("RUNNEL_CHURN_SEED") ?? Math.floor(Math.random() * 2 ** 31));

/** mulberry32: a small seeded PRNG, so a failing run can be repeated. */
function prng(s: number): () => number {
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

Deno.test({
  name:
    `kafkajs group churn: 20 members joining and leaving for ${seconds} s on 24 partitions (seed ${seed})`,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const random = prng(seed);
    const partitions = 24;
    const broker = await BrokerProcess.start({
      overrides: { "group.initial.rebalance.delay.ms": "0" },
    });
    const kafka = new Kafka({
      clientId: "groups-churn",
      brokers: [broker.bootstrap],
      logLevel: logLevel.NOTHING,
      connectionTimeout: 3000,
      requestTimeout: 30_000,
      retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 1000 },
    });
    const admin = kafka.admin();
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    const own = await KafkaClient.connect(broker.bootstrap);
    const topic = uniqueName("grp-churn");
    const groupId = uniqueName("grp-churn-g");
    const ledger = new Ledger();
    const slots: (Member | null)[] = Array(20).fill(null);
    const stopping: Promise<void>[] = [];
    let bg: BackgroundProducer | null = null;
    let observing = true;
    const observed: { tp: string; offset: number }[] = [];
    let joins = 0, leaves = 0;
    try {
      await bounded("admin.connect", admin.connect());
      await bounded("producer.connect", producer.connect());
      await bounded(
        "createTopics",
        admin.createTopics({ topics: [{ topic, numPartitions: partitions }] }),
      );
      bg = new BackgroundProducer(producer, topic, partitions, 24, 20);
      // Committed offsets as OffsetFetch reports them, sampled while the group churns.
      const observer = (async () => {
        while (observing) {
          const c = await committed(admin, groupId, topic).catch(() => null);
          if (c) c.forEach((o, p) => o >= 0 && observed.push({ tp: `${topic}-${p}`, offset: o }));
          await sleep(200);
        }
      })();
      const start = (i: number) => {
        joins++;
        return Member.start(kafka, `m${i}`, groupId, topic, ledger, {
          sessionTimeout: 6000,
          rebalanceTimeout: 15_000,
        }).then((m) => (slots[i] = m));
      };
      for (let i = 0; i < 8; i++) await start(i);
      const until = Date.now() + seconds * 1000;
      while (Date.now() < until) {
        await sleep(200 + random() * 600);
        const i = Math.floor(random() * slots.length);
        const m = slots[i];
        if (m === null) {
          await start(i);
        } else if (slots.filter((s) => s !== null).length > 2) {
          slots[i] = null;
          leaves++;
          stopping.push(m.stop());
        }
      }
      await Promise.all(stopping);
      await bg.stop();
      const ends = await endOffsets(admin, topic);
      assertEquals(ends.reduce((a, b) => a + b, 0), bg.sent);
      assert(bg.errors === 0, `${bg.errors} failed sends`);
      await drained(ledger, ends, 90_000);
      const deadline = Date.now() + 30_000;
      while ((await committed(admin, groupId, topic)).join() !== ends.join()) {
        assert(
          Date.now() < deadline,
          `committed ${await committed(admin, groupId, topic)} != ends ${ends}`,
        );
        await sleep(200);
      }
      observing = false;
      await observer;
      const stored = await storedCommits(own, groupId);
      assertEquals(regressions(stored), [], "a stored commit went backwards");
      assertEquals(regressions(observed), [], "OffsetFetch saw a committed offset go backwards");
      const dups = ledger.duplicates().length;
      console.log(
        `churn ${seconds}s seed ${seed}: ${bg.sent} messages, ${joins} joins, ${leaves} leaves, ` +
          `${stored.length} commits stored, ${observed.length} offsets observed, ${dups} redelivered`,
      );
      assert(joins + leaves >= seconds, `only ${joins} joins and ${leaves} leaves`);
    } catch (e) {
      if (e instanceof Error) e.message += `\n${broker.describe(40)}`;
      throw e;
    } finally {
      observing = false;
      await bg?.stop();
      await Promise.all(stopping).catch(() => {});
      await Promise.all(slots.map((m) => m?.stop().catch(() => {})));
      await producer.disconnect().catch(() => {});
      await admin.disconnect().catch(() => {});
      await own.close();
      await broker.close();
    }
  },
});
