/**
 * The shard worker module: owns the partitions the shard table gives it (by
 * topic name, so a deleted topic's logs and a re-created one's are handled by
 * one owner, in order) through a ShardCore, and serves every client's ring:
 * one request ring in and one response ring out per client (each reactor and
 * the main thread). Every request is answered exactly once, by requestId.
 *
 * Appends happen in ring order, synchronously as each message is read; their
 * answers go out when the append (and, for flush.messages=1 topics, the
 * fsync) is done. A ProduceAppend's record bytes are written to the log
 * straight from the ring slot (the copy into the ring was their only one
 * between socket and page cache): shards keep no recent-batch cache that
 * would hold on to them, and copy only when a log must be created first.
 * A fetch answer larger than half the ring is trimmed, last partitions first.
 *
 * Metadata arrives as structured "metadata" app messages from the main
 * thread (committed records, in order); each is acknowledged with the offset
 * applied, which the main thread waits for before answering admin requests,
 * so a client that created a topic finds it on every shard.
 */
import { isInternalTopic } from "../metadata/topic_name.ts";
import { ErrorCode } from "../protocol/errors.ts";
import type {
  AppendEntry,
  AppendOutcome,
  DeleteRecordsEntry,
  EpochEntry,
} from "../server/data_path.ts";
import { consoleLog } from "../server/log.ts";
import { ShardCore } from "../server/shard_core.ts";
import {
  MetadataReplica,
  type MetadataUpdate,
  type PlaneWorkerInit,
  workerConfig,
} from "./metadata_replica.ts";
import { decode, Kind, type Message, type OutMessage } from "./contract.ts";
import { OrderedWriter } from "./ordered_writer.ts";
import { RingReader, RingWriter } from "./ring.ts";
import { fetchResultBytes } from "./ring_data_path.ts";
import { ShardTable } from "./shard_table.ts";
import { runWorker } from "./worker_runtime.ts";

export interface ShardInit extends PlaneWorkerInit {
  /** This shard's tag for its storage files, and every live owner's (LogManager). */
  readonly ownerTag: string;
  readonly liveOwnerTags: readonly string[];
  /** Per client: requests in, responses out. */
  readonly fromClient: readonly SharedArrayBuffer[];
  readonly toClient: readonly SharedArrayBuffer[];
}

/** Answers go out in the order they are ready; a closed ring means the client is gone (shutdown). */
function send(answers: OrderedWriter, m: OutMessage): void {
  answers.write(m).catch(() => {});
}

runWorker<ShardInit>(async (ctx) => {
  const init = ctx.data;
  const log = consoleLog(`shard-${ctx.index}`);
  const config = workerConfig(init);
  const table = new ShardTable(init.shardCount);
  const replica = new MetadataReplica(init.metadata);
  const core = new ShardCore(
    config,
    log,
    () => replica.image,
    (topic, partition) => !isInternalTopic(topic) && table.shardOf(topic, partition) === ctx.index,
    // No recent-batch cache: appends borrow ring slots (see appendWith), and reads come
    // from the page cache by positional reads instead.
    { tag: init.ownerTag, liveTags: init.liveOwnerTags, cacheBytesMax: 0 },
  );
  await core.open();
  await core.sync();

  let inFlight = 0;
  const track = <T>(p: Promise<T>): Promise<T> => {
    inFlight++;
    return p.finally(() => inFlight--);
  };

  /** Names the partitions of a request by the image; unknown ids get an error instead. */
  const named = <E extends { topicId: string }>(e: E) => {
    const t = replica.image.topicById(e.topicId);
    return t ? { ...e, topic: t.name } : null;
  };

  const serve = (m: Message, answers: OrderedWriter, watches: Map<number, AbortController>) => {
    switch (m.kind) {
      case Kind.ProduceAppend: {
        const known: AppendEntry[] = [];
        const at: number[] = [];
        const results: AppendOutcome[] = new Array(m.entries.length);
        m.entries.forEach((e, i) => {
          const n = named(e);
          if (!n) {
            results[i] = {
              errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
              errorMessage: `unknown topic id ${e.topicId}`,
              baseOffset: -1,
              logStartOffset: -1,
            };
            return;
          }
          at.push(i);
          known.push({ ...n, records: e.records });
        });
        const requestId = m.requestId;
        // Appended from the ring slot itself when the logs exist (the one copy of these bytes
        // was into the ring; the write below puts them in the page cache); copied otherwise.
        const appended = core.appendWith(known, (e, now) => now ? e.records : e.records.slice());
        void track(appended).then((os) => {
          os.forEach((o, j) => (results[at[j]] = o));
          send(answers, {
            kind: Kind.ProduceResult,
            requestId,
            results: results.map((r) => ({ ...r, logAppendTimeMs: -1 })),
          });
        });
        return;
      }
      case Kind.FetchRead: {
        const requestId = m.requestId;
        const entries = m.entries.map((e) => named(e));
        const known = entries.filter((e) => e !== null);
        void track(core.read(m.maxBytes, m.minOneBatch, known)).then((os) => {
          let j = 0;
          const results = entries.map((e) => {
            if (e === null) {
              return {
                errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
                highWatermark: -1,
                lastStableOffset: -1,
                logStartOffset: -1,
                records: [] as Uint8Array[],
                sizeBytes: 0,
              };
            }
            return os[j++];
          });
          // Trim to what one ring message carries, dropping later partitions' data first.
          const sizes = results.map((r) => r.sizeBytes);
          for (let i = sizes.length - 1; i >= 0; i--) {
            if (fetchResultBytes(sizes) <= answerBytesMax) break;
            if (sizes[i] > 0) {
              sizes[i] = 0;
              results[i] = { ...results[i], records: [], sizeBytes: 0 };
            }
          }
          send(answers, {
            kind: Kind.FetchResult,
            requestId,
            results: results.map((r) => ({
              errorCode: r.errorCode,
              highWatermark: r.highWatermark,
              lastStableOffset: r.lastStableOffset,
              logStartOffset: r.logStartOffset,
              records: r.records,
            })),
          });
        });
        return;
      }
      case Kind.ListOffsets: {
        const requestId = m.requestId;
        const entries = m.entries.map((e) => named(e));
        const known = entries.filter((e) => e !== null);
        void track(core.listOffsets(m.isolation, known)).then((os) => {
          let j = 0;
          send(answers, {
            kind: Kind.ListOffsetsResult,
            requestId,
            results: entries.map((e) =>
              e === null
                ? {
                  errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
                  offset: -1,
                  timestamp: -1,
                  leaderEpoch: -1,
                }
                : os[j++]
            ),
          });
        });
        return;
      }
      case Kind.FetchWatch: {
        const requestId = m.requestId;
        const abort = new AbortController();
        watches.set(requestId, abort);
        const known = m.entries.map((e) => named(e)).filter((e) => e !== null);
        void track(core.watch(known, m.maxWaitMs, abort.signal)).then((fired) => {
          watches.delete(requestId);
          send(answers, { kind: Kind.WatchResult, requestId, fired });
        });
        return;
      }
      case Kind.FetchUnwatch:
        watches.get(m.watchRequestId)?.abort();
        return;
      case Kind.Admin: {
        const requestId = m.requestId;
        void track(admin(JSON.parse(m.json))).then((result) =>
          send(answers, { kind: Kind.AdminResult, requestId, json: JSON.stringify(result) })
        );
        return;
      }
      default:
        throw new Error(`shard ${ctx.index} got message kind ${m.kind} on a data ring`);
    }
  };

  const admin = async (op: { op: string; entries?: unknown[] }): Promise<unknown> => {
    switch (op.op) {
      case "deleteRecords":
        return await core.deleteRecords(op.entries as DeleteRecordsEntry[]);
      case "offsetForLeaderEpoch":
        return await core.offsetForLeaderEpoch(op.entries as EpochEntry[]);
      case "logDirs":
        return core.logDirs();
      case "offline":
        // Only the partitions of offline dirs: the main thread asks every few seconds.
        return core.logDirs().filter((d) => !d.online).flatMap((d) =>
          d.logs.map((l) => [l.topic, l.partition])
        );
      default:
        throw new Error(`unknown shard admin operation ${op.op}`);
    }
  };

  let answerBytesMax = Infinity;
  const loops: Promise<void>[] = [];
  const allWatches: Map<number, AbortController>[] = [];
  const readers: RingReader[] = [];
  const writers: RingWriter[] = [];
  for (let c = 0; c < init.fromClient.length; c++) {
    const reader = new RingReader(init.fromClient[c]);
    const writer = new RingWriter(init.toClient[c]);
    answerBytesMax = Math.min(answerBytesMax, writer.maxMessageBytes);
    readers.push(reader);
    writers.push(writer);
    const answers = new OrderedWriter(writer);
    const watches = new Map<number, AbortController>();
    allWatches.push(watches);
    loops.push((async () => {
      for (;;) {
        await reader.waitReadable();
        reader.drain((view) => serve(decode(view), answers, watches));
        if (reader.ended) return;
      }
    })());
  }

  return {
    onApp(data: unknown) {
      const u = data as MetadataUpdate;
      if (u.t !== "metadata") return;
      const { before, change } = replica.apply(u);
      if (change === "snapshot") core.onSnapshot(before);
      else if (change === "records") core.onMetadata(u.records, before);
      ctx.report({ t: "applied", offset: u.lastOffset });
    },
    async onShutdown() {
      // Clients have stopped sending (reactors drained first); answer what is in flight, then close.
      for (const r of readers) r.close();
      await Promise.all(loops);
      for (const w of allWatches) for (const a of w.values()) a.abort();
      const deadline = Date.now() + 5000;
      while (inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      await core.close();
      for (const w of writers) w.close();
    },
    health: () => ({ partitions: core.logDirs().reduce((n, d) => n + d.logs.length, 0), inFlight }),
  };
});
