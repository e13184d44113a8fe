/**
 * IncrementalAlterConfigs and AlterConfigs through our own client: SET, DELETE,
 * APPEND and SUBTRACT (list configs only), duplicates, bad names and values,
 * broker resources (dynamic log.* defaults only, this node or ""), and
 * AlterConfigs replacing the whole override set.
 */
import { BrokerProcess } from "./support/broker_process.ts";
import { KafkaClient } from "./support/kafka_client.ts";
import { ErrorCode } from "../src/protocol/errors.ts";

function check(cond: boolean, what: string): void {
  if (!cond) throw new Error(what);
}

const TOPIC = 2, BROKER = 4;
const SET = 0, DELETE = 1, APPEND = 2, SUBTRACT = 3;

Deno.test("config changes: incremental operations, validation, replacement", async () => {
  const broker = await BrokerProcess.start();
  const c = await KafkaClient.connect(broker.bootstrap);
  try {
    await c.request(19, 7, {
      topics: [{
        name: "cfg",
        numPartitions: 1,
        replicationFactor: 1,
        assignments: [],
        configs: [],
      }],
      timeoutMs: 5000,
      validateOnly: false,
    });
    const describe = async (type: number, name: string, key: string) => {
      const res = await c.request(32, 4, {
        resources: [{ resourceType: type, resourceName: name, configurationKeys: [key] }],
        includeSynonyms: true,
        includeDocumentation: false,
      });
      return res.results[0].configs[0];
    };
    const incremental = async (
      type: number,
      name: string,
      configs: { name: string; configOperation: number; value: string | null }[],
      validateOnly = false,
    ) =>
      (await c.request(44, 1, {
        resources: [{ resourceType: type, resourceName: name, configs }],
        validateOnly,
      }))
        .responses[0].errorCode;

    check(
      await incremental(TOPIC, "cfg", [{
        name: "retention.ms",
        configOperation: SET,
        value: "1000",
      }]) === 0,
      "set",
    );
    check((await describe(TOPIC, "cfg", "retention.ms")).value === "1000", "set read back");
    check(
      await incremental(TOPIC, "cfg", [{
        name: "cleanup.policy",
        configOperation: APPEND,
        value: "compact",
      }]) === 0,
      "append",
    );
    check(
      (await describe(TOPIC, "cfg", "cleanup.policy")).value === "delete,compact",
      "appended to the default",
    );
    check(
      await incremental(TOPIC, "cfg", [{
        name: "cleanup.policy",
        configOperation: SUBTRACT,
        value: "delete",
      }]) === 0,
      "subtract",
    );
    check((await describe(TOPIC, "cfg", "cleanup.policy")).value === "compact", "subtracted");
    check(
      await incremental(TOPIC, "cfg", [{
        name: "retention.ms",
        configOperation: APPEND,
        value: "5",
      }]) ===
        ErrorCode.INVALID_CONFIG,
      "append to a non-list config",
    );
    check(
      await incremental(TOPIC, "cfg", [
        { name: "retention.ms", configOperation: SET, value: "1" },
        { name: "retention.ms", configOperation: DELETE, value: null },
      ]) === ErrorCode.INVALID_REQUEST,
      "duplicate names",
    );
    check(
      await incremental(TOPIC, "cfg", [{
        name: "retention.ms",
        configOperation: SET,
        value: "soon",
      }]) ===
        ErrorCode.INVALID_CONFIG,
      "bad value",
    );
    check(
      await incremental(TOPIC, "cfg", [{ name: "no.such", configOperation: SET, value: "1" }]) ===
        ErrorCode.INVALID_CONFIG,
      "unknown name",
    );
    check(
      await incremental(
        TOPIC,
        "cfg",
        [{ name: "retention.ms", configOperation: SET, value: "77" }],
        true,
      ) === 0,
      "validate only",
    );
    check(
      (await describe(TOPIC, "cfg", "retention.ms")).value === "1000",
      "validate-only changes nothing",
    );
    check(
      await incremental(TOPIC, "cfg", [{
        name: "retention.ms",
        configOperation: DELETE,
        value: null,
      }]) === 0,
      "delete",
    );
    check(
      (await describe(TOPIC, "cfg", "retention.ms")).value === "604800000",
      "back to the default",
    );
    check(
      await incremental(TOPIC, "nope", [{
        name: "retention.ms",
        configOperation: SET,
        value: "1",
      }]) ===
        ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      "unknown topic",
    );

    // Broker resources: dynamic defaults flow into topics as synonyms.
    check(
      await incremental(BROKER, "", [{
        name: "log.retention.ms",
        configOperation: SET,
        value: "4242",
      }]) === 0,
      "cluster default",
    );
    const eff = await describe(TOPIC, "cfg", "retention.ms");
    check(
      eff.value === "4242" && eff.configSource === 3,
      `dynamic default reaches the topic: ${JSON.stringify(eff)}`,
    );
    check(
      await incremental(BROKER, "1", [{ name: "node.id", configOperation: SET, value: "7" }]) ===
        ErrorCode.INVALID_CONFIG,
      "static broker config",
    );
    check(
      await incremental(BROKER, "9", [{
        name: "log.retention.ms",
        configOperation: SET,
        value: "1",
      }]) ===
        ErrorCode.INVALID_REQUEST,
      "another broker's id",
    );

    // AlterConfigs replaces the override set: what is left out goes back to its default.
    await incremental(TOPIC, "cfg", [{ name: "segment.ms", configOperation: SET, value: "60000" }]);
    const alter = await c.request(33, 2, {
      resources: [{
        resourceType: TOPIC,
        resourceName: "cfg",
        configs: [{ name: "retention.ms", value: "99" }],
      }],
      validateOnly: false,
    });
    check(alter.responses[0].errorCode === 0, "alter");
    check((await describe(TOPIC, "cfg", "retention.ms")).value === "99", "alter set");
    check(
      (await describe(TOPIC, "cfg", "segment.ms")).value === "604800000",
      "alter removed the other override",
    );
    check(
      (await describe(TOPIC, "cfg", "cleanup.policy")).value === "delete",
      "and cleanup.policy",
    );
  } finally {
    await c.close();
    await broker.close();
  }
});
