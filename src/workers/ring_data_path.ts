/**
 * The DataPath of a thread that owns no data partitions (a reactor, or the
 * main thread for everything but the internal topics): each call is split by
 * owner with the shard table, sent to each shard as one contract message over
 * its ring (a `local` DataPath serves what `route` keeps on this thread), and
 * the answers are put back together in request order, so a fetch spanning
 * shards is one response.
 *
 * Fetch budgets: each shard applies the whole budget to its part; the merge
 * then drops, in request order, partitions that would take the total over it
 * (the client asks for them again). A message never exceeds half a ring: the
 * shard trims a fetch answer to fit, and the ring is sized from
 * message.max.bytes so that one batch always fits (worker_plane.ts).
 */
import { ErrorCode } from "../protocol/errors.ts";
import type {
  AppendCall,
  AppendEntry,
  AppendOutcome,
  DataPath,
  DeleteRecordsEntry,
  DeleteRecordsOutcome,
  EpochEntry,
  EpochOutcome,
  LogDirInfo,
  OffsetsEntry,
  OffsetsOutcome,
  PartitionRef,
  ReadEntry,
  ReadOutcome,
  WatchEntry,
} from "../server/data_path.ts";
import { encodedSize, Kind, type Message, type OutMessage } from "./contract.ts";
import type { ShardLink } from "./shard_link.ts";

const INT32_MAX = 2 ** 31 - 1;

/** Where a partition lives: a shard index, or LOCAL for this thread's own DataPath. */
export const LOCAL = -1;

/** Bytes of a ProduceAppend before its entries, and per entry besides the records. */
const PRODUCE_HEADER_BYTES = 20;
const PRODUCE_ENTRY_BYTES = 32;
/** Bytes a FetchResult spends per entry besides the records. */
const FETCH_RESULT_ENTRY_BYTES = 30;

interface Group<E> {
  dest: number;
  indexes: number[];
  entries: E[];
}

function expect<K extends Message["kind"]>(m: Message, kind: K): Extract<Message, { kind: K }> {
  if (m.kind !== kind) throw new Error(`shard answered kind ${m.kind}, expected ${kind}`);
  return m as Extract<Message, { kind: K }>;
}

function failedAppend(errorCode: number, errorMessage: string): AppendOutcome {
  return { errorCode, errorMessage, baseOffset: -1, logStartOffset: -1 };
}

export class RingDataPath implements DataPath {
  /** Appends are copied into rings (internal topics, the only local ones, take no produce). */
  readonly keepsAppendedBytes = false;
  private offline = new Set<string>();

  constructor(
    private readonly links: readonly ShardLink[],
    /** The owner of a partition: a shard index or LOCAL. */
    private readonly route: (topic: string, partition: number) => number,
    private readonly local: DataPath | null = null,
  ) {}

  private group<E extends PartitionRef>(entries: readonly E[]): Group<E>[] {
    const byDest = new Map<number, Group<E>>();
    entries.forEach((e, i) => {
      const dest = this.route(e.topic, e.partition);
      let g = byDest.get(dest);
      if (!g) byDest.set(dest, g = { dest, indexes: [], entries: [] });
      g.indexes.push(i);
      g.entries.push(e);
    });
    return [...byDest.values()];
  }

  private localPath(): DataPath {
    if (!this.local) throw new Error("a partition routed to this thread, which owns none");
    return this.local;
  }

  append(acks: number, timeoutMs: number, entries: readonly AppendEntry[]): AppendCall {
    const out: AppendOutcome[] = new Array(entries.length);
    const accepted: Promise<void>[] = [];
    const done: Promise<void>[] = [];
    for (const g of this.group(entries)) {
      if (g.dest === LOCAL) {
        const call = this.localPath().append(acks, timeoutMs, g.entries);
        accepted.push(call.accepted);
        done.push(call.outcomes.then((os) => os.forEach((o, i) => (out[g.indexes[i]] = o))));
        continue;
      }
      const link = this.links[g.dest];
      const budget = link.maxMessageBytes - PRODUCE_HEADER_BYTES;
      // Entries go in as few messages as fit; order within the shard is kept.
      let batch: number[] = [];
      let bytes = 0;
      const sendBatch = () => {
        if (batch.length === 0) return;
        const idx = batch;
        batch = [];
        bytes = 0;
        const sent = link.send((requestId): OutMessage => ({
          kind: Kind.ProduceAppend,
          requestId,
          acks,
          timeoutMs,
          entries: idx.map((i) => ({
            topicId: g.entries[i].topicId,
            partition: g.entries[i].partition,
            leaderEpoch: -1,
            records: g.entries[i].records,
          })),
        }));
        accepted.push(sent.written);
        done.push(sent.response.then((m) => {
          const r = expect(m, Kind.ProduceResult);
          r.results.forEach((o, j) => {
            out[g.indexes[idx[j]]] = {
              errorCode: o.errorCode,
              errorMessage: o.errorMessage,
              baseOffset: o.baseOffset,
              logStartOffset: o.logStartOffset,
            };
          });
        }));
      };
      g.entries.forEach((e, i) => {
        const need = PRODUCE_ENTRY_BYTES + e.records.length;
        if (need > budget) {
          out[g.indexes[i]] = failedAppend(
            ErrorCode.MESSAGE_TOO_LARGE,
            `batch of ${e.records.length} bytes exceeds what a shard ring carries`,
          );
          return;
        }
        if (bytes + need > budget) sendBatch();
        batch.push(i);
        bytes += need;
      });
      sendBatch();
    }
    return {
      accepted: Promise.all(accepted).then(() => {}),
      outcomes: Promise.all(done).then(() => out),
    };
  }

  async read(
    maxBytes: number,
    minOneBatch: boolean,
    entries: readonly ReadEntry[],
  ): Promise<ReadOutcome[]> {
    const out: ReadOutcome[] = new Array(entries.length);
    await Promise.all(
      this.group(entries).map(async (g) => {
        if (g.dest === LOCAL) {
          const os = await this.localPath().read(maxBytes, minOneBatch, g.entries);
          os.forEach((o, i) => (out[g.indexes[i]] = o));
          return;
        }
        const link = this.links[g.dest];
        // The answer must fit one ring message: ask for no more than that (a larger budget would
        // be trimmed away by the shard after reading, and a consumer would get nothing, forever).
        const cap = Math.min(
          INT32_MAX,
          link.maxMessageBytes - fetchResultBytes(g.entries.map(() => 0)),
        );
        const m = await link.send((requestId): OutMessage => ({
          kind: Kind.FetchRead,
          requestId,
          maxBytes: Math.min(maxBytes, cap),
          minOneBatch,
          entries: g.entries.map((e) => ({
            topicId: e.topicId,
            partition: e.partition,
            fetchOffset: e.fetchOffset,
            upperOffset: e.upperOffset,
            partitionMaxBytes: Math.min(e.partitionMaxBytes, cap),
            currentLeaderEpoch: e.currentLeaderEpoch,
          })),
        })).response;
        expect(m, Kind.FetchResult).results.forEach((r, i) => {
          out[g.indexes[i]] = {
            errorCode: r.errorCode,
            highWatermark: r.highWatermark,
            lastStableOffset: r.lastStableOffset,
            logStartOffset: r.logStartOffset,
            records: r.records.length > 0 ? [r.records] : [],
            sizeBytes: r.records.length,
          };
        });
      }),
    );
    // One budget over the whole request, in request order.
    let budget = maxBytes;
    let first = true;
    for (let i = 0; i < out.length; i++) {
      const o = out[i];
      if (o.sizeBytes === 0) continue;
      if (o.sizeBytes > budget && !(first && minOneBatch)) {
        out[i] = { ...o, records: [], sizeBytes: 0 };
        continue;
      }
      budget = Math.max(0, budget - o.sizeBytes);
      first = false;
    }
    return out;
  }

  watch(entries: readonly WatchEntry[], maxWaitMs: number): Promise<boolean> {
    const groups = this.group(entries);
    if (groups.length === 0) {
      return new Promise((resolve) => setTimeout(() => resolve(false), maxWaitMs));
    }
    return new Promise<boolean>((resolve, reject) => {
      let left = groups.length;
      let settled = false;
      const cancels: (() => void)[] = [];
      const settle = (fired: boolean) => {
        if (fired && !settled) {
          settled = true;
          for (const c of cancels) c();
          resolve(true);
        }
        if (--left === 0 && !settled) {
          settled = true;
          resolve(false);
        }
      };
      for (const g of groups) {
        if (g.dest === LOCAL) {
          this.localPath().watch(g.entries, maxWaitMs).then(settle, reject);
          cancels.push(() => {});
          continue;
        }
        const link = this.links[g.dest];
        const sent = link.send((requestId): OutMessage => ({
          kind: Kind.FetchWatch,
          requestId,
          maxWaitMs,
          entries: g.entries.map((e) => ({
            topicId: e.topicId,
            partition: e.partition,
            offset: e.offset,
          })),
        }));
        let answered = false;
        sent.response.then((m) => {
          answered = true;
          settle(expect(m, Kind.WatchResult).fired);
        }, reject);
        cancels.push(() => {
          if (!answered) {
            link.post((requestId) => ({
              kind: Kind.FetchUnwatch,
              requestId,
              watchRequestId: sent.requestId,
            }));
          }
        });
      }
    });
  }

  async listOffsets(
    isolationLevel: number,
    entries: readonly OffsetsEntry[],
  ): Promise<OffsetsOutcome[]> {
    const out: OffsetsOutcome[] = new Array(entries.length);
    await Promise.all(
      this.group(entries).map(async (g) => {
        const os = g.dest === LOCAL
          ? await this.localPath().listOffsets(isolationLevel, g.entries)
          : expect(
            await this.links[g.dest].send((requestId): OutMessage => ({
              kind: Kind.ListOffsets,
              requestId,
              isolation: isolationLevel,
              entries: g.entries.map((e) => ({
                topicId: e.topicId,
                partition: e.partition,
                currentLeaderEpoch: e.currentLeaderEpoch,
                timestamp: e.timestamp,
              })),
            })).response,
            Kind.ListOffsetsResult,
          ).results;
        os.forEach((o, i) => (out[g.indexes[i]] = o));
      }),
    );
    return out;
  }

  /** Sends a JSON admin operation to one shard; answers its JSON result. */
  private async admin<T>(shard: number, op: unknown): Promise<T> {
    const json = JSON.stringify(op);
    const link = this.links[shard];
    const m = await link.send((requestId): OutMessage => ({ kind: Kind.Admin, requestId, json }))
      .response;
    return JSON.parse(expect(m, Kind.AdminResult).json) as T;
  }

  private async perShard<E extends PartitionRef, O>(
    entries: readonly E[],
    op: string,
    local: (es: E[]) => Promise<O[]>,
  ): Promise<O[]> {
    const out: O[] = new Array(entries.length);
    await Promise.all(
      this.group(entries).map(async (g) => {
        const os = g.dest === LOCAL
          ? await local(g.entries)
          : await this.admin<O[]>(g.dest, { op, entries: g.entries });
        os.forEach((o, i) => (out[g.indexes[i]] = o));
      }),
    );
    return out;
  }

  deleteRecords(entries: readonly DeleteRecordsEntry[]): Promise<DeleteRecordsOutcome[]> {
    return this.perShard(entries, "deleteRecords", (es) => this.localPath().deleteRecords(es));
  }

  offsetForLeaderEpoch(entries: readonly EpochEntry[]): Promise<EpochOutcome[]> {
    return this.perShard(
      entries,
      "offsetForLeaderEpoch",
      (es) => this.localPath().offsetForLeaderEpoch(es),
    );
  }

  async logDirs(): Promise<LogDirInfo[]> {
    const parts = await Promise.all([
      ...(this.local ? [this.local.logDirs()] : []),
      ...this.links.map((_, s) => this.admin<LogDirInfo[]>(s, { op: "logDirs" })),
    ]);
    const byPath = new Map<string, { path: string; online: boolean; logs: LogDirInfo["logs"] }>();
    for (const dirs of parts) {
      for (const d of dirs) {
        const m = byPath.get(d.path);
        if (!m) byPath.set(d.path, { path: d.path, online: d.online, logs: [...d.logs] });
        else {
          m.online &&= d.online;
          m.logs.push(...d.logs);
        }
      }
    }
    return [...byPath.values()];
  }

  /** Refreshes what isOffline answers from the shards (cheap: only offline partitions travel). */
  async refreshOffline(): Promise<void> {
    const parts = await Promise.all(
      this.links.map((_, s) => this.admin<[string, number][]>(s, { op: "offline" })),
    );
    this.offline = new Set(parts.flat().map(([t, p]) => `${t}\u0000${p}`));
  }

  isOffline(topic: string, partition: number): boolean {
    if (this.local && this.route(topic, partition) === LOCAL) {
      return this.local.isOffline(topic, partition);
    }
    return this.offline.has(`${topic}\u0000${partition}`);
  }
}

/** Bytes a FetchResult with these record sizes takes (the shard trims its answer to fit). */
export function fetchResultBytes(recordSizes: readonly number[]): number {
  let n = encodedSize({ kind: Kind.FetchResult, requestId: 0, results: [] });
  for (const s of recordSizes) n += FETCH_RESULT_ENTRY_BYTES + s;
  return n;
}
