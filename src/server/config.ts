/**
 * Broker configuration: Kafka's property names, read from a server.properties
 * file and `--override key=value` arguments (later ones win), with defaults that
 * need no setup: one node listening on 127.0.0.1:9092, data in ./runnel-data.
 *
 * process.roles: "broker,controller" (the default: a combined node),
 * "controller" (a metadata-quorum voter only) or "broker" (a broker that
 * follows the quorum as an observer; its node.id must not be a voter). The
 * last two need controller.quorum.voters.
 */

export interface Endpoint {
  /** Listener name, e.g. PLAINTEXT. */
  name: string;
  host: string;
  port: number;
}

export type ProcessRoles = "broker,controller" | "controller" | "broker";

export interface BrokerConfig {
  /** process.roles: a combined node (the default), a metadata-quorum voter only, or a broker only. */
  readonly roles: ProcessRoles;
  /** Every property given explicitly (file, then overrides). */
  readonly props: ReadonlyMap<string, string>;
  /** Where the properties came from, for the startup log. */
  readonly source: string;
  readonly nodeId: number;
  readonly listeners: readonly Endpoint[];
  /** What clients are told to connect to (one per listener). */
  readonly advertisedListeners: readonly Endpoint[];
  readonly logDirs: readonly string[];
  readonly numPartitions: number;
  readonly defaultReplicationFactor: number;
  readonly autoCreateTopicsEnable: boolean;
  /** socket.request.max.bytes: largest request frame. */
  readonly socketRequestMaxBytes: number;
  /** connections.max.idle.ms */
  readonly connectionsMaxIdleMs: number;
  /** max.connections */
  readonly maxConnections: number;
  /** queued.max.requests: in-flight requests per connection before reading pauses. */
  readonly queuedMaxRequests: number;
  /** cluster.id: only used when the metadata log has none yet. */
  readonly clusterId: string | null;
  /** broker.heartbeat.interval.ms: a cluster broker's heartbeat to the active controller. */
  readonly brokerHeartbeatIntervalMs: number;
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Parses Java .properties text (key=value or key: value, # and ! comments, \ continuations). */
export function parseProperties(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i].trimStart();
    if (line === "" || line.startsWith("#") || line.startsWith("!")) continue;
    while (/(^|[^\\])(\\\\)*\\$/.test(line) && i + 1 < lines.length) {
      line = line.slice(0, -1) + lines[++i].trimStart();
    }
    const m = /^((?:\\.|[^=:\s\\])+)\s*[=:\s]\s*(.*)$/.exec(line);
    if (m) out.set(m[1].replace(/\\(.)/g, "$1"), m[2].trim());
    else out.set(line.trim(), "");
  }
  return out;
}

function parseListeners(name: string, value: string): Endpoint[] {
  return value.split(",").map((s) => s.trim()).filter(Boolean).map((s) => {
    const m = /^([A-Za-z0-9_]+):\/\/(\[[^\]]*\]|[^:]*):(\d+)$/.exec(s);
    if (!m) throw new ConfigError(`${name}: "${s}" is not LISTENER://host:port`);
    const port = Number(m[3]);
    if (port > 65535) throw new ConfigError(`${name}: port ${port} out of range`);
    return { name: m[1].toUpperCase(), host: m[2].replace(/^\[|\]$/g, ""), port };
  });
}

function intProp(props: ReadonlyMap<string, string>, name: string, dflt: number, min = 0): number {
  const v = props.get(name);
  if (v === undefined) return dflt;
  if (!/^-?\d+$/.test(v.trim())) throw new ConfigError(`${name}=${v} is not an integer`);
  const n = Number(v);
  if (n < min) throw new ConfigError(`${name}=${v} is below ${min}`);
  return n;
}

function boolProp(props: ReadonlyMap<string, string>, name: string, dflt: boolean): boolean {
  const v = props.get(name);
  if (v === undefined) return dflt;
  if (v !== "true" && v !== "false") throw new ConfigError(`${name}=${v} is not true or false`);
  return v === "true";
}

export const defaultDataDir = "./runnel-data";

export function brokerConfig(props: ReadonlyMap<string, string>, source: string): BrokerConfig {
  const listeners = parseListeners(
    "listeners",
    props.get("listeners") ?? "PLAINTEXT://127.0.0.1:9092",
  );
  if (listeners.length === 0) throw new ConfigError("listeners is empty");
  const advertised = props.has("advertised.listeners")
    ? parseListeners("advertised.listeners", props.get("advertised.listeners")!)
    : listeners.map((l) => ({
      ...l,
      // A wildcard bind is not an address clients can use.
      host: l.host === "" || l.host === "0.0.0.0" || l.host === "::" ? "127.0.0.1" : l.host,
    }));
  const roles = (props.get("process.roles") ?? "broker,controller").split(",").map((r) => r.trim())
    .filter(Boolean).sort().join(",");
  if (roles !== "broker,controller" && roles !== "controller" && roles !== "broker") {
    throw new ConfigError(
      `process.roles=${
        props.get("process.roles")
      }: "broker,controller" (the default), "controller" and "broker" are supported`,
    );
  }
  if (roles !== "broker,controller" && !props.has("controller.quorum.voters")) {
    throw new ConfigError(`process.roles=${roles} needs controller.quorum.voters`);
  }
  const logDirs = (props.get("log.dirs") ?? props.get("log.dir") ?? defaultDataDir).split(",").map((
    s,
  ) => s.trim())
    .filter(Boolean);
  if (logDirs.length === 0) throw new ConfigError("log.dirs is empty");
  return {
    roles: roles as ProcessRoles,
    props,
    source,
    nodeId: intProp(props, "node.id", intProp(props, "broker.id", 1, 0), 0),
    listeners,
    advertisedListeners: advertised,
    logDirs,
    numPartitions: intProp(props, "num.partitions", 1, 1),
    defaultReplicationFactor: intProp(props, "default.replication.factor", 1, 1),
    autoCreateTopicsEnable: boolProp(props, "auto.create.topics.enable", true),
    socketRequestMaxBytes: intProp(props, "socket.request.max.bytes", 100 * 1024 * 1024, 1024),
    connectionsMaxIdleMs: intProp(props, "connections.max.idle.ms", 600_000, 0),
    maxConnections: intProp(props, "max.connections", 10_000, 1),
    queuedMaxRequests: intProp(props, "queued.max.requests", 500, 1),
    clusterId: props.get("cluster.id") ?? null,
    brokerHeartbeatIntervalMs: intProp(props, "broker.heartbeat.interval.ms", 2000, 1),
  };
}

/**
 * `serve [server.properties] [--override key=value ...]`, also accepting the
 * `--` Deno passes through and `--override=key=value`.
 */
export async function configFromArgs(
  args: readonly string[],
  readText: (path: string) => Promise<string>,
): Promise<BrokerConfig> {
  const props = new Map<string, string>();
  const sources: string[] = [];
  const overrides: [string, string][] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--") continue;
    let kv: string | undefined;
    if (a === "--override") kv = args[++i];
    else if (a.startsWith("--override=")) kv = a.slice("--override=".length);
    else if (a.startsWith("-")) throw new ConfigError(`unknown option ${a}`);
    else {
      for (const [k, v] of parseProperties(await readText(a))) props.set(k, v);
      sources.push(a);
      continue;
    }
    if (kv === undefined || !kv.includes("=")) throw new ConfigError(`--override needs key=value`);
    const at = kv.indexOf("=");
    overrides.push([kv.slice(0, at).trim(), kv.slice(at + 1).trim()]);
  }
  for (const [k, v] of overrides) props.set(k, v);
  if (overrides.length) sources.push(`${overrides.length} override(s)`);
  return brokerConfig(props, sources.length ? sources.join(" + ") : "defaults");
}
