/**
 * Metadata records: the only way cluster state changes. The controller turns
 * admin requests into these; every node replays the committed ones, in order,
 * into a MetadataImage. Serialized as JSON in record values of the metadata log
 * (our own format: nothing outside Runnel reads this log).
 */

export type ConfigResourceType = "topic" | "broker";

export type MetadataRecord =
  /** A topic exists with this id (its partitions follow as PartitionRecords). */
  | { type: "topic"; name: string; topicId: string }
  | {
    type: "partition";
    topicId: string;
    partition: number;
    replicas: number[];
    isr: number[];
    leader: number;
    leaderEpoch: number;
    partitionEpoch: number;
  }
  | { type: "removeTopic"; topicId: string }
  /** Sets (value) or removes (null) one config of a topic or broker ("" = cluster default). */
  | {
    type: "config";
    resourceType: ConfigResourceType;
    resourceName: string;
    name: string;
    value: string | null;
  }
  /** A broker's registration: where clients reach it. */
  | { type: "broker"; nodeId: number; host: string; port: number; rack: string | null }
  /** The cluster id, written once by the first controller. */
  | { type: "cluster"; clusterId: string };

const enc = new TextEncoder();
const dec = new TextDecoder();

export function encodeRecord(r: MetadataRecord): Uint8Array {
  return enc.encode(JSON.stringify(r));
}

export class MetadataRecordError extends Error {
  override name = "MetadataRecordError";
}

const types = new Set(["topic", "partition", "removeTopic", "config", "broker", "cluster"]);

export function decodeRecord(bytes: Uint8Array): MetadataRecord {
  let v: unknown;
  try {
    v = JSON.parse(dec.decode(bytes));
  } catch (e) {
    throw new MetadataRecordError(`metadata record is not JSON: ${e}`);
  }
  if (typeof v !== "object" || v === null || !types.has((v as { type: string }).type)) {
    throw new MetadataRecordError(`unknown metadata record ${dec.decode(bytes).slice(0, 80)}`);
  }
  return v as MetadataRecord;
}
