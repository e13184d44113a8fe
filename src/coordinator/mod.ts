/**
 * coordinator: the classic consumer-group coordinator (layer 3). The group
 * state machine (shard.ts) is sans-I/O: time comes in as nowMs, records to
 * store and deadlines go out as effects, so tests drive it deterministically.
 * coordinator.ts runs the shards against `__consumer_offsets` (records.ts is
 * its Kafka-compatible layout) with a real clock.
 */
export * from "./config.ts";
export * from "./consumer_protocol.ts";
export * from "./coordinator.ts";
export { Group, type GroupState, Member } from "./group.ts";
export * from "./hash.ts";
export * from "./records.ts";
export * from "./shard.ts";
