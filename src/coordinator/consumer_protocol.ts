/**
 * The bits of the "consumer" embedded protocol the coordinator reads
 * (it treats member metadata and assignments as opaque otherwise): the topics
 * of a Subscription (for offset expiry of subscribed topics and OffsetDelete's
 * GROUP_SUBSCRIBED_TO_TOPIC), and Assignment encoding/decoding for tests and
 * tools. Both start with an int16 version and are non-flexible; newer versions
 * only append fields, so a reader takes what it knows and ignores the rest.
 */
import { Reader, Writer } from "../protocol/wire.ts";

export const CONSUMER_PROTOCOL_TYPE = "consumer";

export interface Subscription {
  version: number;
  topics: string[];
  userData: Uint8Array | null;
}

export interface TopicPartitions {
  topic: string;
  partitions: number[];
}

/** Throws DecodeError on bytes that are not a subscription. */
export function decodeSubscription(bytes: Uint8Array): Subscription {
  const r = new Reader(bytes);
  const version = r.int16();
  const topics = r.array((x) => x.string());
  const userData = r.remaining > 0 ? r.nullableBytes() : null;
  return { version, topics, userData: userData && userData.slice() };
}

export function encodeSubscription(
  topics: string[],
  userData: Uint8Array | null = null,
): Uint8Array {
  const w = new Writer();
  w.int16(0);
  w.int32(topics.length);
  for (const t of topics) w.string(t);
  w.nullableBytes(userData);
  return w.finish();
}

export function encodeAssignment(assigned: TopicPartitions[]): Uint8Array {
  const w = new Writer();
  w.int16(0);
  w.int32(assigned.length);
  for (const a of assigned) {
    w.string(a.topic);
    w.int32(a.partitions.length);
    for (const p of a.partitions) w.int32(p);
  }
  w.nullableBytes(null);
  return w.finish();
}

export function decodeAssignment(bytes: Uint8Array): TopicPartitions[] {
  if (bytes.length === 0) return [];
  const r = new Reader(bytes);
  r.int16();
  return r.array((x) => ({ topic: x.string(), partitions: x.array((y) => y.int32()) }));
}
