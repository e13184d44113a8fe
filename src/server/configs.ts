/**
 * Effective configuration as Kafka resolves it. A topic config's value comes
 * from, in order: the topic's own override, a dynamic broker config for this
 * node, a dynamic cluster-wide default, the broker's static property
 * (server.properties / --override) of the synonym, and Kafka's default.
 * DescribeConfigs reports the winner and, on request, the synonyms behind it.
 */
import type { MetadataImage } from "../metadata/image.ts";
import { type TopicConfigDef, topicConfigDefs } from "../metadata/topic_configs.ts";
import { type LogConfig, parseLogConfig } from "../storage/config.ts";
import type { BrokerConfig } from "./config.ts";

/** Kafka's ConfigSource ids (DescribeConfigs v1+). */
export const ConfigSource = {
  UNKNOWN: 0,
  DYNAMIC_TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
} as const;

/** Kafka's ConfigType ids (DescribeConfigs v3+). */
const configTypeIds: Record<string, number> = {
  boolean: 1,
  string: 2,
  int: 3,
  short: 4,
  long: 5,
  double: 6,
  list: 7,
  class: 8,
  password: 9,
};

export interface ConfigSynonym {
  name: string;
  value: string | null;
  source: number;
}

export interface ConfigEntry {
  name: string;
  value: string | null;
  source: number;
  readOnly: boolean;
  isSensitive: boolean;
  /** Sources in precedence order, the winner first. */
  synonyms: ConfigSynonym[];
  configType: number;
}

function resolveTopic(
  def: TopicConfigDef,
  topic: ReadonlyMap<string, string> | null,
  image: MetadataImage,
  config: BrokerConfig,
): ConfigSynonym[] {
  const out: ConfigSynonym[] = [];
  const own = topic?.get(def.name);
  if (own !== undefined) {
    out.push({ name: def.name, value: own, source: ConfigSource.DYNAMIC_TOPIC_CONFIG });
  }
  if (def.brokerSynonym) {
    const s = def.brokerSynonym;
    const node = image.configsOf("broker", String(config.nodeId)).get(s);
    if (node !== undefined) {
      out.push({ name: s, value: node, source: ConfigSource.DYNAMIC_BROKER_CONFIG });
    }
    const cluster = image.configsOf("broker", "").get(s);
    if (cluster !== undefined) {
      out.push({ name: s, value: cluster, source: ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG });
    }
    const stat = config.props.get(s);
    if (stat !== undefined) {
      out.push({ name: s, value: stat, source: ConfigSource.STATIC_BROKER_CONFIG });
    }
  }
  out.push({ name: def.name, value: def.defaultValue, source: ConfigSource.DEFAULT_CONFIG });
  return out;
}

/** Every topic config of `topic` with its effective value. */
export function topicConfigEntries(
  image: MetadataImage,
  config: BrokerConfig,
  topic: string,
): ConfigEntry[] {
  const own = image.configsOf("topic", topic);
  return topicConfigDefs.map((def) => {
    const synonyms = resolveTopic(def, own, image, config);
    return {
      name: def.name,
      value: synonyms[0].value,
      source: synonyms[0].source,
      readOnly: false,
      isSensitive: def.type === "password",
      synonyms,
      configType: configTypeIds[def.type] ?? 0,
    };
  });
}

/** The effective topic configs as plain name -> value (for the storage layer). */
export function topicConfigValues(
  image: MetadataImage,
  config: BrokerConfig,
  topic: string,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of topicConfigEntries(image, config, topic)) {
    if (e.value !== null) out[e.name] = e.value;
  }
  return out;
}

/** The storage LogConfig of a topic. */
export function topicLogConfig(
  image: MetadataImage,
  config: BrokerConfig,
  topic: string,
): LogConfig {
  return parseLogConfig(topicConfigValues(image, config, topic));
}

/** Broker properties that may be changed at run time (per broker or cluster-wide). */
export const dynamicBrokerConfigs: ReadonlySet<string> = new Set(
  topicConfigDefs.flatMap((d) => (d.brokerSynonym ? [d.brokerSynonym] : [])),
);

interface BrokerConfigDef {
  name: string;
  type: string;
  value: (c: BrokerConfig) => string;
  readOnly: boolean;
}

/** Static broker settings reported by DescribeConfigs (read-only unless dynamic). */
const brokerStatic: readonly BrokerConfigDef[] = [
  { name: "node.id", type: "int", value: (c) => String(c.nodeId), readOnly: true },
  { name: "broker.id", type: "int", value: (c) => String(c.nodeId), readOnly: true },
  {
    name: "listeners",
    type: "string",
    value: (c) => c.listeners.map((l) => `${l.name}://${l.host}:${l.port}`).join(","),
    readOnly: true,
  },
  {
    name: "advertised.listeners",
    type: "string",
    value: (c) => c.advertisedListeners.map((l) => `${l.name}://${l.host}:${l.port}`).join(","),
    readOnly: true,
  },
  { name: "log.dirs", type: "string", value: (c) => c.logDirs.join(","), readOnly: true },
  { name: "num.partitions", type: "int", value: (c) => String(c.numPartitions), readOnly: true },
  {
    name: "default.replication.factor",
    type: "int",
    value: (c) => String(c.defaultReplicationFactor),
    readOnly: true,
  },
  {
    name: "auto.create.topics.enable",
    type: "boolean",
    value: (c) => String(c.autoCreateTopicsEnable),
    readOnly: true,
  },
  {
    name: "socket.request.max.bytes",
    type: "int",
    value: (c) => String(c.socketRequestMaxBytes),
    readOnly: true,
  },
  {
    name: "connections.max.idle.ms",
    type: "long",
    value: (c) => String(c.connectionsMaxIdleMs),
    readOnly: true,
  },
  { name: "max.connections", type: "int", value: (c) => String(c.maxConnections), readOnly: true },
  {
    name: "queued.max.requests",
    type: "int",
    value: (c) => String(c.queuedMaxRequests),
    readOnly: true,
  },
];

/** Every broker config with its effective value, for node `nodeId` ("" = cluster default). */
export function brokerConfigEntries(
  image: MetadataImage,
  config: BrokerConfig,
  resourceName: string,
): ConfigEntry[] {
  const out: ConfigEntry[] = brokerStatic.map((d) => {
    const explicit = config.props.has(d.name);
    const source = explicit ? ConfigSource.STATIC_BROKER_CONFIG : ConfigSource.DEFAULT_CONFIG;
    const value = d.value(config);
    return {
      name: d.name,
      value,
      source,
      readOnly: d.readOnly,
      isSensitive: false,
      synonyms: [{ name: d.name, value, source }],
      configType: configTypeIds[d.type] ?? 0,
    };
  });
  for (const def of topicConfigDefs) {
    if (!def.brokerSynonym || out.some((e) => e.name === def.brokerSynonym)) continue;
    const s = def.brokerSynonym;
    const synonyms: ConfigSynonym[] = [];
    if (resourceName !== "") {
      const node = image.configsOf("broker", resourceName).get(s);
      if (node !== undefined) {
        synonyms.push({ name: s, value: node, source: ConfigSource.DYNAMIC_BROKER_CONFIG });
      }
    }
    const cluster = image.configsOf("broker", "").get(s);
    if (cluster !== undefined) {
      synonyms.push({
        name: s,
        value: cluster,
        source: ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG,
      });
    }
    const stat = config.props.get(s);
    if (stat !== undefined) {
      synonyms.push({ name: s, value: stat, source: ConfigSource.STATIC_BROKER_CONFIG });
    }
    synonyms.push({ name: s, value: def.defaultValue, source: ConfigSource.DEFAULT_CONFIG });
    out.push({
      name: s,
      value: synonyms[0].value,
      source: synonyms[0].source,
      readOnly: false,
      isSensitive: false,
      synonyms,
      configType: configTypeIds[def.type] ?? 0,
    });
  }
  return out;
}
