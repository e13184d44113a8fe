/**
 * The runnel command line.
 *   runnel serve [server.properties] [--override key=value ...]
 * Kafka's property names; with no arguments a single node on 127.0.0.1:9092
 * with its data in ./runnel-data, on reactor and shard workers sized from the
 * core count (single.thread=true: one thread). SIGINT/SIGTERM shut down
 * gracefully.
 */
// Only light modules load before the workers are started (see prespawn.ts); the rest is imported after.
import { ConfigError, configFromArgs } from "./server/config.ts";
import { prespawn, reactorWorkerModule, shardWorkerModule } from "./workers/prespawn.ts";
import { workerCounts } from "./workers/shard_table.ts";

const usage = `usage:
  runnel serve [server.properties] [--override key=value ...]
  runnel bench produce|consume|e2e [-b host:port] [-t topic] [-n count] [-s size] [-P partitions] [-a acks] [-r rate]
`;

async function serve(args: string[]): Promise<void> {
  let config;
  try {
    config = await configFromArgs(args, (path) => Deno.readTextFile(path));
  } catch (e) {
    if (e instanceof ConfigError || e instanceof Deno.errors.NotFound) {
      console.error(`runnel: ${e.message}`);
      Deno.exit(2);
    }
    throw e;
  }
  let node;
  const { GroupConfigError } = await import("./coordinator/config.ts");
  try {
    if (config.roles === "controller") {
      const { ControllerNode } = await import("./server/controller_node.ts");
      node = await ControllerNode.start(config);
    } else {
      // Reactor and shard workers unless single.thread=true (everything on this thread).
      const counts = workerCounts(config.props);
      if (counts.mode === "workers") {
        prespawn(shardWorkerModule, "shard", counts.shards);
        prespawn(reactorWorkerModule, "reactor", counts.reactors);
      }
      const [{ Broker }, { workerPlane }] = await Promise.all([
        import("./server/broker.ts"),
        import("./workers/worker_plane.ts"),
      ]);
      node = await Broker.start(config, {
        plane: counts.mode === "workers" ? workerPlane(counts) : undefined,
      });
    }
  } catch (e) {
    // A bad value found while wiring a component is still a configuration error: no stack trace.
    if (e instanceof GroupConfigError || e instanceof ConfigError) {
      console.error(`runnel: ${e.message}`);
      Deno.exit(2);
    }
    throw e;
  }
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await node.shutdown();
    // Let the quorum's last frames (EndQuorumEpoch) leave.
    setTimeout(() => Deno.exit(0), 100);
  };
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
}

if (import.meta.main) {
  const args = Deno.args[0] === "--" ? Deno.args.slice(1) : [...Deno.args];
  const cmd = args.shift();
  if (cmd === "serve") await serve(args);
  else if (cmd === "bench") await (await import("./cli/bench.ts")).bench(args);
  else {
    console.error(usage);
    Deno.exit(cmd === undefined || cmd === "help" || cmd === "--help" ? 0 : 2);
  }
}
