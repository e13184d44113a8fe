/**
 * LocalDataPath: the DataPath over a ShardCore on this thread (single-thread
 * mode, and the main thread's own partitions). An append is taken (and
 * ordered) when called, so `accepted` resolves at once; the outcomes are the
 * core's. acks and the request timeout change nothing here: the core answers
 * after the append, or after the fsync where the topic asks for it.
 */
import type {
  AppendCall,
  AppendEntry,
  DataPath,
  DeleteRecordsEntry,
  DeleteRecordsOutcome,
  EpochEntry,
  EpochOutcome,
  LogDirInfo,
  OffsetsEntry,
  OffsetsOutcome,
  ReadEntry,
  ReadOutcome,
  WatchEntry,
} from "./data_path.ts";
import type { ShardCore } from "./shard_core.ts";

const accepted = Promise.resolve();

export class LocalDataPath implements DataPath {
  readonly keepsAppendedBytes = true;
  constructor(readonly core: ShardCore) {}

  append(_acks: number, _timeoutMs: number, entries: readonly AppendEntry[]): AppendCall {
    return { accepted, outcomes: this.core.append(entries) };
  }

  read(
    maxBytes: number,
    minOneBatch: boolean,
    entries: readonly ReadEntry[],
  ): Promise<ReadOutcome[]> {
    return this.core.read(maxBytes, minOneBatch, entries);
  }

  watch(entries: readonly WatchEntry[], maxWaitMs: number): Promise<boolean> {
    return this.core.watch(entries, maxWaitMs);
  }

  listOffsets(isolationLevel: number, entries: readonly OffsetsEntry[]): Promise<OffsetsOutcome[]> {
    return this.core.listOffsets(isolationLevel, entries);
  }

  deleteRecords(entries: readonly DeleteRecordsEntry[]): Promise<DeleteRecordsOutcome[]> {
    return this.core.deleteRecords(entries);
  }

  offsetForLeaderEpoch(entries: readonly EpochEntry[]): Promise<EpochOutcome[]> {
    return this.core.offsetForLeaderEpoch(entries);
  }

  logDirs(): Promise<LogDirInfo[]> {
    return Promise.resolve(this.core.logDirs());
  }

  isOffline(topic: string, partition: number): boolean {
    return this.core.isOffline(topic, partition);
  }
}
