/**
 * The broker's metadata log is a one-voter Raft quorum: DescribeQuorum on the
 * Kafka listener reports it, a restart is a new leader epoch (a leadership
 * change), and metadata committed before the restart (topics, configs, the
 * cluster id) comes back from the quorum's log.
 */
import { BrokerProcess } from "./support/broker_process.ts";
import { KafkaClient } from "./support/kafka_client.ts";
import { ZERO_UUID } from "../src/protocol/uuid.ts";

function check(cond: boolean, what: string): void {
  if (!cond) throw new Error(what);
}

async function describe(bootstrap: string) {
  const c = await KafkaClient.connect(bootstrap);
  try {
    const res = await c.request(55, 2, {
      topics: [{ topicName: "__cluster_metadata", partitions: [{ partitionIndex: 0 }] }],
    });
    const md = await c.request(3, 12, {
      topics: null,
      allowAutoTopicCreation: false,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: false,
    });
    return { quorum: res, md };
  } finally {
    await c.close();
  }
}

Deno.test("metadata lives in a one-voter quorum that survives restarts", async () => {
  const broker = await BrokerProcess.start();
  try {
    const c = await KafkaClient.connect(broker.bootstrap);
    const created = await c.request(19, 7, {
      topics: [{
        name: "q-topic",
        numPartitions: 3,
        replicationFactor: 1,
        assignments: [],
        configs: [{ name: "retention.ms", value: "12345" }],
      }],
      timeoutMs: 5000,
      validateOnly: false,
    });
    check(created.topics[0].errorCode === 0, `create: ${JSON.stringify(created.topics[0])}`);
    await c.close();

    const first = await describe(broker.bootstrap);
    const p = first.quorum.topics[0].partitions[0];
    check(
      first.quorum.errorCode === 0 && p.errorCode === 0,
      `describe: ${JSON.stringify(first.quorum)}`,
    );
    check(p.leaderId === 1 && p.leaderEpoch >= 1, `leader ${p.leaderId} epoch ${p.leaderEpoch}`);
    check(
      p.currentVoters.length === 1 && p.currentVoters[0].replicaId === 1,
      "one voter, this node",
    );
    check(p.highWatermark > 0, `high watermark ${p.highWatermark}`);

    await broker.restart();
    const second = await describe(broker.bootstrap);
    const q = second.quorum.topics[0].partitions[0];
    check(
      q.leaderEpoch > p.leaderEpoch,
      `a restart is a new epoch: ${p.leaderEpoch} -> ${q.leaderEpoch}`,
    );
    check(q.highWatermark > p.highWatermark, "the new leader's log holds the old one's records");
    check(second.md.clusterId === first.md.clusterId, "cluster id kept");
    const topic = second.md.topics.find((t) => t.name === "q-topic");
    check(topic?.partitions.length === 3 && topic.topicId !== ZERO_UUID, "topic restored");
    check(
      topic!.topicId === first.md.topics.find((t) => t.name === "q-topic")!.topicId,
      "same topic id",
    );

    const c2 = await KafkaClient.connect(broker.bootstrap);
    const cfg = await c2.request(32, 4, {
      resources: [{
        resourceType: 2,
        resourceName: "q-topic",
        configurationKeys: ["retention.ms"],
      }],
      includeSynonyms: false,
      includeDocumentation: false,
    });
    await c2.close();
    check(cfg.results[0].configs[0]?.value === "12345", "topic config restored");
  } finally {
    await broker.close();
  }
});
