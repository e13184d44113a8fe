/**
 * storage: the partition log. Kafka's on-disk shape (a directory per
 * partition, segments named by base offset with sparse offset and time
 * indexes, checkpoint files), appends that return after the page-cache write
 * with a group-commit flusher behind them, crash recovery of the unflushed
 * tail, retention, compaction, and several log directories that fail
 * independently. Only fs_deno.ts touches the filesystem; everything else goes
 * through the FsLayer interface (fs.ts), which tests replace with the
 * fault-injecting MemFs (fs_memory.ts).
 */
export * from "./config.ts";
export * from "./errors.ts";
export * from "./env.ts";
export * from "./fs.ts";
export { DenoFs } from "./fs_deno.ts";
export { type CrashOptions, MemFs } from "./fs_memory.ts";
export { RecentCache } from "./cache.ts";
export type { CleanerStats } from "./compaction.ts";
export type { ReadResult, TimestampOffset } from "./log_read.ts";
export { LeaderEpochCache } from "./leader_epoch.ts";
export {
  type AppendInfo,
  type AppendOptions,
  type LogCheckpoint,
  PartitionLog,
  type PartitionLogOptions,
  type ReadOptions,
} from "./log.ts";
export { LogManager, type LogManagerOptions } from "./log_manager.ts";
export { partitionKey } from "./checkpoint.ts";
export { PARTITION_METADATA_FILE } from "./partition_metadata.ts";
