/** process.roles parsing and the role checks made before a node starts. */
import { brokerConfig, ConfigError } from "./config.ts";
import { consoleLog } from "./log.ts";
import { MetadataQuorum } from "./metadata_quorum.ts";

function throwsConfigError(props: Record<string, string>, match: RegExp): void {
  try {
    brokerConfig(new Map(Object.entries(props)), "test");
  } catch (e) {
    if (e instanceof ConfigError && match.test(e.message)) return;
    throw e;
  }
  throw new Error(`no ConfigError for ${JSON.stringify(props)}`);
}

Deno.test("process.roles: combined by default; controller and broker need voters", () => {
  if (brokerConfig(new Map(), "test").roles !== "broker,controller") throw new Error("default");
  const voters = "1@127.0.0.1:9093";
  for (const roles of ["controller", "broker", "controller,broker"]) {
    const c = brokerConfig(
      new Map([["process.roles", roles], ["controller.quorum.voters", voters]]),
      "test",
    );
    const want = roles === "broker"
      ? "broker"
      : roles === "controller"
      ? "controller"
      : "broker,controller";
    if (c.roles !== want) throw new Error(`${roles} -> ${c.roles}`);
  }
  throwsConfigError({ "process.roles": "broker" }, /needs controller.quorum.voters/);
  throwsConfigError({ "process.roles": "controller" }, /needs controller.quorum.voters/);
  throwsConfigError({ "process.roles": "observer" }, /are supported/);
});

Deno.test("a broker-only node's id must not be a voter (checked before any file is opened)", () => {
  const config = brokerConfig(
    new Map([
      ["process.roles", "broker"],
      ["node.id", "1"],
      ["controller.quorum.voters", "1@127.0.0.1:9093"],
    ]),
    "test",
  );
  const sm = { apply() {}, load() {}, snapshot: () => [] };
  try {
    new MetadataQuorum(config, sm, consoleLog("test", "error"));
  } catch (e) {
    if (e instanceof ConfigError && /is a voter/.test(e.message)) return;
    throw e;
  }
  throw new Error("accepted a broker whose id is a voter");
});
