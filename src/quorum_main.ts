/**
 * A standalone metadata-quorum node (controller role only), until the broker
 * embeds the quorum itself:
 *
 *   deno run -A src/quorum_main.ts --node-id 1 \
 *     --voters 1@127.0.0.1:19091,2@127.0.0.1:19092,3@127.0.0.1:19093 \
 *     --data-dir DIR --client-port 18081 \
 *     [--election-timeout-ms 1000] [--fetch-timeout-ms 2000] [--request-timeout-ms 2000]
 *     [--fetch-max-wait-ms 500] [--election-backoff-max-ms 1000] [--snapshot-every 1000]
 *
 * Its state machine is the list of committed record values, served with the
 * node's state on a loopback HTTP port (src/server/quorum_admin.ts). SIGTERM
 * resigns leadership and exits; SIGKILL is what the real-process test uses.
 */
import { forEachValue } from "./raft/records.ts";
import { serveQuorumAdmin } from "./server/quorum_admin.ts";
import { parseVoters, QuorumNode } from "./server/quorum_node.ts";

function parseArgs(args: string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (let i = 0; i < args.length; i += 2) {
    const k = args[i];
    const v = args[i + 1];
    if (!k.startsWith("--") || v === undefined) throw new Error(`bad arguments near ${k}`);
    m.set(k.slice(2), v);
  }
  return m;
}

function num(a: Map<string, string>, key: string, fallback?: number): number {
  const v = a.get(key);
  if (v === undefined) {
    if (fallback === undefined) throw new Error(`--${key} is required`);
    return fallback;
  }
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${key} must be a non-negative integer`);
  return n;
}

const a = parseArgs(Deno.args);
const nodeId = num(a, "node-id");
const voters = parseVoters(a.get("voters") ?? "");
const dataDir = a.get("data-dir");
if (dataDir === undefined) throw new Error("--data-dir is required");

const values: string[] = [];
const decoder = new TextDecoder();
const node = new QuorumNode({
  nodeId,
  voters,
  dataDir,
  config: {
    electionTimeoutMs: num(a, "election-timeout-ms", 1000),
    electionBackoffMaxMs: num(a, "election-backoff-max-ms", 1000),
    fetchTimeoutMs: num(a, "fetch-timeout-ms", 2000),
    requestTimeoutMs: num(a, "request-timeout-ms", 2000),
    fetchMaxWaitMs: num(a, "fetch-max-wait-ms", 500),
  },
  snapshotEveryOffsets: num(a, "snapshot-every", 1000),
  stateMachine: {
    loadSnapshot(_id, snap) {
      values.length = 0;
      for (const v of snap) values.push(decoder.decode(v));
    },
    apply(batch) {
      forEachValue(batch.bytes, (v) => values.push(decoder.decode(v)));
    },
    snapshot() {
      const enc = new TextEncoder();
      return values.map((v) => enc.encode(v));
    },
  },
});
/** A port just freed by a killed predecessor may still be taken for a moment. */
async function retryBind<T>(fn: () => T): Promise<T> {
  for (let i = 0;; i++) {
    try {
      return fn();
    } catch (e) {
      if (!(e instanceof Deno.errors.AddrInUse) || i >= 100) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

await retryBind(() => node.start());
const server = await retryBind(() => serveQuorumAdmin(node, num(a, "client-port"), () => values));
console.log(JSON.stringify({ ready: true, nodeId, state: node.state() }));

Deno.addSignalListener("SIGTERM", () => {
  node.close();
  setTimeout(async () => {
    await server.shutdown();
    Deno.exit(0);
  }, 100);
});
