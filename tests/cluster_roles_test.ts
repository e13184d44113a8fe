/**
 * A cluster of real processes on loopback: three controller-only nodes
 * (process.roles=controller, the metadata quorum) and two broker-only nodes
 * (process.roles=broker, node.id 101 and 102, observers of the quorum that
 * register with the active controller and forward admin writes to it).
 *
 * Through the brokers, with the project's own client: a topic with four
 * partitions is created via 101 and visible at once there (read your writes)
 * and soon via 102; both brokers are listed with their endpoints and every
 * partition is led by one of them; replication factors above 1 are refused;
 * records produced to every partition through its leader read back, while the
 * other broker answers NOT_LEADER_OR_FOLLOWER; a group commits an offset at
 * the coordinator FindCoordinator names (the other broker: NOT_COORDINATOR).
 * Then the controller leader is killed with SIGKILL: a CreateTopics via 102
 * succeeds again within a bound, and both brokers still serve the topic.
 */
import { BrokerProcess, freePort } from "./support/broker_process.ts";
import {
  createTopicsBody,
  err,
  fetchedRecords,
  fetchPartition,
  KafkaClient,
  listOffset,
  metadata,
  produce,
  str,
  utf8,
} from "./support/kafka_client.ts";
import { ErrorCode } from "../src/protocol/errors.ts";
import { buildBatch } from "../src/protocol/records/batch.ts";

const BROKERS = [101, 102];
/** Fast failure detection, so the kill -9 part stays short. */
const quorumTiming = {
  "controller.quorum.election.timeout.ms": "300",
  "controller.quorum.election.backoff.max.ms": "200",
  "controller.quorum.fetch.timeout.ms": "600",
  "controller.quorum.request.timeout.ms": "400",
};

function check(cond: boolean, what: string): asserts cond {
  if (!cond) throw new Error(what);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Retries `fn` until it returns a value (not undefined), bounded. */
async function eventually<T>(what: string, ms: number, fn: () => Promise<T | undefined>) {
  const deadline = performance.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (performance.now() > deadline) {
      throw new Error(`${what}: not within ${ms} ms${last ? ` (last error: ${last})` : ""}`);
    }
    await sleep(50);
  }
}

Deno.test({
  name: "cluster: 3 controllers + 2 brokers; create, route, produce, commit, survive a kill -9",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const started = performance.now();
    const voterPorts = [freePort(), freePort(), freePort()];
    const voters = voterPorts.map((p, i) => `${i + 1}@127.0.0.1:${p}`).join(",");
    const nodes: BrokerProcess[] = [];
    const clients: KafkaClient[] = [];
    try {
      const controllers = await Promise.all([1, 2, 3].map((id) =>
        BrokerProcess.start({
          readyLine: "Runnel controller started",
          overrides: {
            "process.roles": "controller",
            "node.id": String(id),
            "controller.quorum.voters": voters,
            ...quorumTiming,
          },
        })
      ));
      nodes.push(...controllers);
      const brokers = await Promise.all(BROKERS.map((id) =>
        BrokerProcess.start({
          overrides: {
            "process.roles": "broker",
            "node.id": String(id),
            "controller.quorum.voters": voters,
            "broker.heartbeat.interval.ms": "500",
            ...quorumTiming,
          },
        })
      ));
      nodes.push(...brokers);
      const portOf = new Map(BROKERS.map((id, i) => [id, brokers[i].port]));
      const client = new Map<number, KafkaClient>();
      for (const [i, id] of BROKERS.entries()) {
        const c = await KafkaClient.connect(brokers[i].bootstrap);
        clients.push(c);
        client.set(id, c);
      }
      const c101 = client.get(101)!;
      const c102 = client.get(102)!;

      // Create through 101: visible there at once.
      const topic = "orders";
      const created = await c101.request(19, 7, createTopicsBody([{ name: topic, partitions: 4 }]));
      check(
        created.topics[0].errorCode === 0,
        `create: ${err(created.topics[0].errorCode)} ${created.topics[0].errorMessage}`,
      );
      const md101 = await metadata(c101, [topic]);
      check(
        md101.topics[0].errorCode === 0,
        `Metadata right after create: ${err(md101.topics[0].errorCode)}`,
      );

      // No partition data replication yet: RF 2 is refused, RF 3 > brokers too.
      const rf = await c101.request(
        19,
        7,
        createTopicsBody([{ name: "rf2", replicationFactor: 2 }, {
          name: "rf3",
          replicationFactor: 3,
        }]),
      );
      check(
        rf.topics.every((t) => t.errorCode === ErrorCode.INVALID_REPLICATION_FACTOR),
        `RF > 1: ${JSON.stringify(rf.topics.map((t) => [t.errorCode, t.errorMessage]))}`,
      );
      check(
        /replication is not implemented/.test(rf.topics[0].errorMessage ?? ""),
        `RF 2 message: ${rf.topics[0].errorMessage}`,
      );

      // Both brokers list both brokers and every partition's leader.
      const leaders = new Map<number, number>();
      for (const [id, c] of client) {
        const md = await eventually(`topic on broker ${id}`, 5000, async () => {
          const m = await metadata(c, null);
          const t = m.topics.find((x) => x.name === topic);
          return t && t.partitions.length === 4 ? m : undefined;
        });
        const listed = md.brokers.map((b) => `${b.nodeId}@${b.host}:${b.port}`).sort();
        check(
          listed.join() === BROKERS.map((b) => `${b}@127.0.0.1:${portOf.get(b)}`).join(),
          `broker ${id} lists ${listed}`,
        );
        for (const p of md.topics.find((x) => x.name === topic)!.partitions) {
          check(BROKERS.includes(p.leaderId), `partition ${p.partitionIndex} leader ${p.leaderId}`);
          check(p.replicaNodes.length === 1 && p.replicaNodes[0] === p.leaderId, "one replica");
          if (leaders.has(p.partitionIndex)) {
            check(leaders.get(p.partitionIndex) === p.leaderId, "both brokers agree on leaders");
          }
          leaders.set(p.partitionIndex, p.leaderId);
        }
      }
      check(new Set(leaders.values()).size === 2, "partitions spread over both brokers");
      const cluster = await c102.request(60, 0, {
        includeClusterAuthorizedOperations: false,
        endpointType: 1,
        includeFencedBrokers: false,
      });
      check(
        cluster.brokers.map((b) => b.brokerId).sort().join() === "101,102",
        `DescribeCluster: ${JSON.stringify(cluster.brokers)}`,
      );

      // Produce to each partition through its leader; the other broker refuses.
      const other = (id: number) => id === 101 ? 102 : 101;
      const batch = (v: string) => buildBatch({ records: [{ key: null, value: utf8(v) }] });
      for (const [p, leader] of leaders) {
        const ok = await produce(client.get(leader)!, topic, p, batch(`v${p}`));
        check(ok.errorCode === 0, `produce ${p} via leader ${leader}: ${err(ok.errorCode)}`);
        const wrong = await produce(client.get(other(leader))!, topic, p, batch("x"));
        check(
          wrong.errorCode === ErrorCode.NOT_LEADER_OR_FOLLOWER,
          `produce ${p} via ${other(leader)}: ${err(wrong.errorCode)}`,
        );
        const f = await fetchPartition(client.get(leader)!, { topic, partition: p, offset: 0 });
        check(
          f.errorCode === 0 && fetchedRecords(f).map((r) => str(r.value)).join() === `v${p}`,
          `fetch ${p}: ${err(f.errorCode)}`,
        );
        const fw = await fetchPartition(client.get(other(leader))!, {
          topic,
          partition: p,
          offset: 0,
        });
        check(
          fw.errorCode === ErrorCode.NOT_LEADER_OR_FOLLOWER,
          `fetch elsewhere: ${err(fw.errorCode)}`,
        );
        const lo = await listOffset(client.get(other(leader))!, topic, p, -1);
        check(
          lo.errorCode === ErrorCode.NOT_LEADER_OR_FOLLOWER,
          `list offsets elsewhere: ${err(lo.errorCode)}`,
        );
      }

      // A group commits at its coordinator; the other broker is not it.
      const group = "cluster-group";
      const found = await c101.request(10, 4, { key: "", keyType: 0, coordinatorKeys: [group] });
      const coord = found.coordinators[0];
      check(
        coord.errorCode === 0 && BROKERS.includes(coord.nodeId),
        `FindCoordinator: ${JSON.stringify(coord)}`,
      );
      check(coord.port === portOf.get(coord.nodeId), "coordinator endpoint");
      const commit = (c: KafkaClient) =>
        c.request(8, 8, {
          groupId: group,
          generationIdOrMemberEpoch: -1,
          memberId: "",
          groupInstanceId: null,
          retentionTimeMs: -1,
          topics: [{
            name: topic,
            partitions: [{
              partitionIndex: 0,
              committedOffset: 1,
              committedLeaderEpoch: -1,
              commitTimestamp: -1,
              committedMetadata: null,
            }],
          }],
        });
      const committed = await commit(client.get(coord.nodeId)!);
      const code = committed.topics[0].partitions[0].errorCode;
      check(code === 0, `commit at the coordinator: ${err(code)}`);
      const elsewhere = await commit(client.get(other(coord.nodeId))!);
      check(
        elsewhere.topics[0].partitions[0].errorCode === ErrorCode.NOT_COORDINATOR,
        `commit elsewhere: ${err(elsewhere.topics[0].partitions[0].errorCode)}`,
      );
      const fetched = await client.get(coord.nodeId)!.request(9, 8, {
        groupId: "",
        topics: null,
        requireStable: false,
        groups: [{ groupId: group, memberId: null, memberEpoch: -1, topics: null }],
      });
      const off = fetched.groups[0].topics.find((t) => t.name === topic)?.partitions[0];
      check(off?.committedOffset === 1, `committed offset read back: ${JSON.stringify(off)}`);

      // Kill -9 the controller leader; admin writes work again, data stays served.
      const q = await c101.request(55, 2, {
        topics: [{ topicName: "__cluster_metadata", partitions: [{ partitionIndex: 0 }] }],
      });
      const leaderId = q.topics[0].partitions[0].leaderId;
      check(leaderId >= 1 && leaderId <= 3, `controller leader ${leaderId}`);
      const killedAt = performance.now();
      await controllers[leaderId - 1].kill();
      const after = await eventually("CreateTopics via 102 after the kill", 20_000, async () => {
        const r = await c102.request(
          19,
          7,
          createTopicsBody([{ name: "after-kill", partitions: 2 }]),
        );
        const t = r.topics[0];
        if (t.errorCode === ErrorCode.TOPIC_ALREADY_EXISTS) return "exists";
        return t.errorCode === 0 ? "created" : undefined;
      });
      const failoverMs = Math.round(performance.now() - killedAt);
      check(after === "created" || after === "exists", "created after the kill");
      for (const [id, c] of client) {
        await eventually(`after-kill topic on ${id}`, 5000, async () => {
          const m = await metadata(c, ["after-kill"]);
          return m.topics[0].errorCode === 0 ? true : undefined;
        });
      }
      for (const [p, leader] of leaders) {
        const ok = await produce(client.get(leader)!, topic, p, batch(`w${p}`));
        check(
          ok.errorCode === 0 && ok.baseOffset === 1,
          `produce ${p} after the kill: ${err(ok.errorCode)}`,
        );
        const f = await fetchPartition(client.get(leader)!, { topic, partition: p, offset: 0 });
        check(
          fetchedRecords(f).map((r) => str(r.value)).join() === `v${p},w${p}`,
          `fetch ${p} after the kill`,
        );
      }
      const total = Math.round(performance.now() - started);
      check(total < 40_000, `test took ${total} ms`);
      console.log(JSON.stringify({ failoverMs, totalMs: total }));
    } catch (e) {
      for (const n of nodes) console.error(n.describe(15));
      throw e;
    } finally {
      for (const c of clients) await c.close().catch(() => {});
      await Promise.all(nodes.map((n) => n.close()));
    }
  },
});

Deno.test({
  name: "cluster: 3 combined nodes (broker,controller) register, forward and agree",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const voterPorts = [freePort(), freePort(), freePort()];
    const voters = voterPorts.map((p, i) => `${i + 1}@127.0.0.1:${p}`).join(",");
    const nodes: BrokerProcess[] = [];
    const clients: KafkaClient[] = [];
    try {
      nodes.push(
        ...await Promise.all([1, 2, 3].map((id) =>
          BrokerProcess.start({
            overrides: {
              "node.id": String(id),
              "controller.quorum.voters": voters,
              ...quorumTiming,
            },
          })
        )),
      );
      for (const n of nodes) clients.push(await KafkaClient.connect(n.bootstrap));
      const q = await clients[0].request(55, 2, {
        topics: [{ topicName: "__cluster_metadata", partitions: [{ partitionIndex: 0 }] }],
      });
      const leaderId = q.topics[0].partitions[0].leaderId;
      // Create through a node that is not the controller leader: forwarded.
      const via = clients[leaderId === 1 ? 1 : 0];
      const created = await via.request(
        19,
        7,
        createTopicsBody([{ name: "combined", partitions: 3 }]),
      );
      check(created.topics[0].errorCode === 0, `create: ${err(created.topics[0].errorCode)}`);
      for (const [i, c] of clients.entries()) {
        const md = await eventually(`topic on node ${i + 1}`, 5000, async () => {
          const m = await metadata(c, null);
          const t = m.topics.find((x) => x.name === "combined");
          return t && m.brokers.length === 3 ? m : undefined;
        });
        const t = md.topics.find((x) => x.name === "combined")!;
        check(
          t.partitions.map((p) => p.leaderId).sort().join() === "1,2,3",
          `leaders ${t.partitions.map((p) => p.leaderId)}`,
        );
      }
      const md = await metadata(clients[0], ["combined"]);
      for (const p of md.topics[0].partitions) {
        const leader = clients[p.leaderId - 1];
        const r = await produce(
          leader,
          "combined",
          p.partitionIndex,
          buildBatch({
            records: [{ key: null, value: utf8("c") }],
          }),
        );
        check(r.errorCode === 0, `produce ${p.partitionIndex}: ${err(r.errorCode)}`);
      }
    } catch (e) {
      for (const n of nodes) console.error(n.describe(15));
      throw e;
    } finally {
      for (const c of clients) await c.close().catch(() => {});
      await Promise.all(nodes.map((n) => n.close()));
    }
  },
});
