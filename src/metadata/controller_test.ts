import { ErrorCode } from "../protocol/errors.ts";
import { Controller, type CreateTopicSpec } from "./controller.ts";
import { MetadataImage } from "./image.ts";
import type { MetadataRecord } from "./records.ts";
import { decodeRecord, encodeRecord } from "./records.ts";

function check(cond: boolean, what: string): void {
  if (!cond) throw new Error(what);
}

/** A controller over an in-memory log; every commit goes through encode/decode like a restart. */
function setup(brokers = [1]) {
  let image = MetadataImage.empty;
  const log: MetadataRecord[][] = [];
  let offset = -1;
  const controller = new Controller(
    {
      append: (records) => {
        const decoded = records.map((r) => decodeRecord(encodeRecord(r)));
        log.push(decoded);
        offset += decoded.length;
        image = image.apply(decoded, offset);
        return Promise.resolve(offset);
      },
    },
    () => image,
    { nodeId: 1, defaultPartitions: 3, defaultReplicationFactor: 1, liveBrokers: () => brokers },
  );
  return { controller, image: () => image, log };
}

const spec = (name: string, more: Partial<CreateTopicSpec> = {}): CreateTopicSpec => ({
  name,
  numPartitions: -1,
  replicationFactor: -1,
  assignments: [],
  configs: [],
  ...more,
});

Deno.test("create topics: defaults, validation, duplicates, validate-only", async () => {
  const { controller, image } = setup();
  const res = await controller.createTopics([
    spec("a"),
    spec("b", { numPartitions: 2, configs: [{ name: "retention.ms", value: "1000" }] }),
    spec("bad name!"),
    spec("c", { replicationFactor: 3 }),
    spec("d", { numPartitions: 0 }),
    spec("e", { configs: [{ name: "no.such.config", value: "1" }] }),
    spec("f", { configs: [{ name: "cleanup.policy", value: "sideways" }] }),
    spec("a"),
  ], false);
  check(
    res.map((r) => r.errorCode).join() ===
      [
        0,
        0,
        ErrorCode.INVALID_TOPIC_EXCEPTION,
        ErrorCode.INVALID_REPLICATION_FACTOR,
        ErrorCode.INVALID_PARTITIONS,
        ErrorCode.INVALID_CONFIG,
        ErrorCode.INVALID_CONFIG,
        ErrorCode.INVALID_REQUEST,
      ].join(),
    JSON.stringify(res),
  );
  check(image().topic("a")!.partitions.length === 3, "default partition count");
  check(image().configsOf("topic", "b").get("retention.ms") === "1000", "config stored");
  const again = await controller.createTopics([spec("a"), spec("v")], true);
  check(again[0].errorCode === ErrorCode.TOPIC_ALREADY_EXISTS, "exists");
  check(again[1].errorCode === 0 && !image().topic("v"), "validate-only creates nothing");
});

Deno.test("delete by name and id, create partitions, alter configs", async () => {
  const { controller, image } = setup();
  await controller.createTopics([spec("a"), spec("b")], false);
  const idB = image().topic("b")!.topicId;
  const del = await controller.deleteTopics([
    { name: "a", topicId: null },
    { name: null, topicId: idB },
    { name: "zzz", topicId: null },
  ]);
  check(
    del.map((d) => d.errorCode).join() === `0,0,${ErrorCode.UNKNOWN_TOPIC_OR_PARTITION}`,
    JSON.stringify(del),
  );
  check(image().topicsByName.size === 0, "both deleted");
  await controller.createTopics([spec("c", { numPartitions: 2 })], false);
  const grown = await controller.createPartitions([
    { name: "c", count: 5, assignments: null },
    { name: "c2", count: 5, assignments: null },
  ], false);
  check(grown[0].errorCode === 0 && image().topic("c")!.partitions.length === 5, "grown to 5");
  check(grown[1].errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "unknown topic");
  const shrink = await controller.createPartitions(
    [{ name: "c", count: 3, assignments: null }],
    false,
  );
  check(shrink[0].errorCode === ErrorCode.INVALID_PARTITIONS, "no shrinking");
  const altered = await controller.alterConfigs(
    [{ type: "topic", name: "c", changes: [{ name: "retention.ms", value: "5" }] }],
    false,
    () => null,
  );
  check(
    altered[0].errorCode === 0 && image().configsOf("topic", "c").get("retention.ms") === "5",
    "altered",
  );
});

Deno.test("the image rebuilds from its own records (snapshot) and replays in order", async () => {
  const { controller, image, log } = setup();
  await controller.bootstrap("cluster-x", { host: "h", port: 1, rack: null });
  await controller.createTopics(
    [spec("a", { configs: [{ name: "retention.ms", value: "7" }] })],
    false,
  );
  await controller.createPartitions([{ name: "a", count: 4, assignments: null }], false);
  let replayed = MetadataImage.empty;
  let offset = -1;
  for (const batch of log) replayed = replayed.apply(batch, offset += batch.length);
  const fromSnapshot = MetadataImage.empty.apply(image().toRecords(), 0);
  for (const img of [replayed, fromSnapshot]) {
    check(img.clusterId === "cluster-x", "cluster id");
    check(img.topic("a")!.partitions.length === 4, "partitions");
    check(img.configsOf("topic", "a").get("retention.ms") === "7", "configs");
    check(img.brokers.get(1)!.host === "h", "broker");
  }
});

Deno.test("brokers register; replicas spread over them; replication factor above 1 refused", async () => {
  const { controller, image } = setup([101, 102]);
  const first = await controller.registerBroker(101, null, { host: "a", port: 1, rack: "r1" });
  check(first.errorCode === 0 && first.brokerEpoch >= 0, JSON.stringify(first));
  const cluster = image().clusterId;
  check(cluster !== null, "the first registration writes a cluster id");
  const second = await controller.registerBroker(102, cluster, { host: "b", port: 2, rack: null });
  check(second.errorCode === 0 && second.brokerEpoch > first.brokerEpoch, "second registration");
  check([...image().brokers.keys()].sort().join() === "101,102", "both brokers in the image");
  const same = await controller.registerBroker(102, cluster, { host: "b", port: 2, rack: null });
  check(same.errorCode === 0 && same.brokerEpoch === image().offset, "unchanged: no new record");
  const wrong = await controller.registerBroker(103, "other", { host: "c", port: 3, rack: null });
  check(wrong.errorCode === ErrorCode.INCONSISTENT_CLUSTER_ID, "cluster id mismatch");

  const res = await controller.createTopics([
    spec("t", { numPartitions: 4 }),
    spec("rf2", { replicationFactor: 2 }),
    spec("rf3", { replicationFactor: 3 }),
    spec("manual", { assignments: [{ partitionIndex: 0, brokerIds: [101, 102] }] }),
  ], false);
  check(
    res.map((r) => r.errorCode).join() ===
      [
        0,
        ErrorCode.INVALID_REPLICATION_FACTOR,
        ErrorCode.INVALID_REPLICATION_FACTOR,
        ErrorCode.INVALID_REPLICATION_FACTOR,
      ].join(),
    JSON.stringify(res),
  );
  check(/replication is not implemented/.test(res[1].errorMessage ?? ""), res[1].errorMessage!);
  check(/only 2 broker/.test(res[2].errorMessage ?? ""), res[2].errorMessage!);
  const leaders = image().topic("t")!.partitions.map((p) => p.leader);
  check(leaders.join() === "101,102,101,102", `round robin leaders ${leaders}`);
  check(
    image().topic("t")!.partitions.every((p) => p.replicas.length === 1),
    "one replica each",
  );
});
