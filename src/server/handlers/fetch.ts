/**
 * Fetch (1), v0-18.
 * - Returns stored batches unchanged from the start of the batch holding the
 *   fetch offset, up to the high watermark (read_uncommitted) or the last
 *   stable offset (read_committed; equal to the high watermark while there are
 *   no transactions), bounded by partition_max_bytes and (v3+) max_bytes; the
 *   first partition with data may exceed them by one batch so consumers progress.
 * - Long poll: with fewer than min_bytes available it waits up to max_wait_ms
 *   and answers as soon as an append reaches any requested partition.
 * - v0-3 are served by down-converting to message format v0 (Fetch v0-1) or v1
 *   (v2-3), uncompressed; zstd batches need v10+ (UNSUPPORTED_COMPRESSION_TYPE).
 * - Sessions (v7+, KIP-227): full and incremental fetches, forgotten topics,
 *   incremental responses carrying only partitions with news; a full cache
 *   declines new sessions with id 0.
 * - v13+ names topics by id (UNKNOWN_TOPIC_ID); v9+ checks current_leader_epoch;
 *   a partition another broker leads is NOT_LEADER_OR_FOLLOWER (leadership.ts).
 * Not implemented: follower fetching (there are no replicas yet), preferred
 * read replicas (always -1), aborted transaction lists (no transactions yet).
 */
import { fetchMaxWaitMsMax } from "../../base/limits.ts";
import { ErrorCode } from "../../protocol/errors.ts";
import type {
  FetchRequest,
  FetchResponse,
  FetchResponsePartitionData,
} from "../../protocol/generated/mod.ts";
import { concat } from "../../protocol/messages.ts";
import { batches } from "../../protocol/records/batch.ts";
import { Compression } from "../../protocol/records/layout.ts";
import { batchesToMessageSet } from "../../protocol/records/legacy.ts";
import { ZERO_UUID } from "../../protocol/uuid.ts";
import { LogOfflineError } from "../../storage/errors.ts";
import type { Broker } from "../broker.ts";
import { type FetchSession, partitionKey, type SessionPartition } from "../fetch_session.ts";
import { handler } from "../handler.ts";
import { notLeader } from "../leadership.ts";

const READ_COMMITTED = 1;

interface Wanted {
  topic: string;
  topicId: string;
  partition: number;
  fetchOffset: number;
  partitionMaxBytes: number;
  currentLeaderEpoch: number;
}

function emptyPartition(partitionIndex: number, errorCode: number): FetchResponsePartitionData {
  return {
    partitionIndex,
    errorCode,
    highWatermark: -1,
    lastStableOffset: -1,
    logStartOffset: -1,
    divergingEpoch: { epoch: -1, endOffset: -1 },
    currentLeader: { leaderId: -1, leaderEpoch: -1 },
    snapshotId: { endOffset: -1, epoch: -1 },
    abortedTransactions: null,
    preferredReadReplica: -1,
    records: new Uint8Array(0),
  };
}

/** Resolves request topics to names and ids (v13+ by id). */
function wantedFromRequest(broker: Broker, req: FetchRequest, v: number): Wanted[] {
  const out: Wanted[] = [];
  for (const t of req.topics) {
    const img = v >= 13 ? broker.image.topicById(t.topicId) : broker.image.topic(t.topic);
    for (const p of t.partitions) {
      out.push({
        topic: img?.name ?? (v >= 13 ? "" : t.topic),
        topicId: img?.topicId ?? (v >= 13 ? t.topicId : ZERO_UUID),
        partition: p.partition,
        fetchOffset: p.fetchOffset,
        partitionMaxBytes: p.partitionMaxBytes,
        currentLeaderEpoch: v >= 9 ? p.currentLeaderEpoch : -1,
      });
    }
  }
  return out;
}

function sessionKey(w: { topic: string; topicId: string; partition: number }, v: number): string {
  return partitionKey(v >= 13 ? w.topicId : w.topic, w.partition);
}

/** Applies an incremental request to its session: added/changed partitions, forgotten ones. */
function updateSession(session: FetchSession, broker: Broker, req: FetchRequest, v: number): void {
  for (const w of wantedFromRequest(broker, req, v)) {
    const k = sessionKey(w, v);
    const old = session.partitions.get(k);
    session.partitions.set(k, {
      ...w,
      lastHighWatermark: old?.lastHighWatermark ?? -2,
      lastLogStartOffset: old?.lastLogStartOffset ?? -2,
    });
  }
  for (const f of req.forgottenTopicsData) {
    const name = v >= 13 ? broker.image.topicById(f.topicId)?.name ?? "" : f.topic;
    for (const p of f.partitions) {
      session.partitions.delete(partitionKey(v >= 13 ? f.topicId : name, p));
    }
  }
}

interface ReadOutcome {
  data: FetchResponsePartitionData;
  bytes: number;
  error: boolean;
}

async function readPartition(
  broker: Broker,
  w: Wanted,
  v: number,
  isolation: number,
  budget: number,
  minOne: boolean,
): Promise<ReadOutcome> {
  const fail = (code: number): ReadOutcome => ({
    data: emptyPartition(w.partition, code),
    bytes: 0,
    error: true,
  });
  const topic = w.topic === "" ? undefined : broker.image.topic(w.topic);
  if (!topic) {
    return fail(v >= 13 ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  }
  const meta = topic.partitions[w.partition];
  if (!meta) return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  if (w.currentLeaderEpoch >= 0 && w.currentLeaderEpoch !== meta.leaderEpoch) {
    return fail(
      w.currentLeaderEpoch < meta.leaderEpoch
        ? ErrorCode.FENCED_LEADER_EPOCH
        : ErrorCode.UNKNOWN_LEADER_EPOCH,
    );
  }
  if (notLeader(broker, w.topic, w.partition)) return fail(ErrorCode.NOT_LEADER_OR_FOLLOWER);
  try {
    const log = broker.partitions.existing(w.topic, w.partition) ??
      await broker.partitions.partition(w.topic, w.partition);
    if (!log) return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    if (log.isOffline) return fail(ErrorCode.KAFKA_STORAGE_ERROR);
    const hw = log.highWatermark;
    const data: FetchResponsePartitionData = {
      ...emptyPartition(w.partition, ErrorCode.NONE),
      highWatermark: hw,
      lastStableOffset: hw,
      logStartOffset: log.logStartOffset,
      abortedTransactions: isolation === READ_COMMITTED && v >= 4 ? [] : null,
    };
    if (w.fetchOffset < log.logStartOffset || w.fetchOffset > log.logEndOffset) {
      return { data: { ...data, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE }, bytes: 0, error: true };
    }
    const read = log.read(w.fetchOffset, Math.min(w.partitionMaxBytes, budget), {
      upperOffset: hw,
      minOneBatch: minOne,
    });
    if (read.sizeBytes === 0) return { data, bytes: 0, error: false };
    if (v < 10) {
      const bytes = concat(read.chunks);
      if (v < 10) {
        for (const b of batches(bytes)) {
          if (b.compression === Compression.Zstd) {
            return {
              data: { ...data, errorCode: ErrorCode.UNSUPPORTED_COMPRESSION_TYPE },
              bytes: 0,
              error: true,
            };
          }
        }
      }
      if (v <= 3) {
        const converted = batchesToMessageSet(bytes, v <= 1 ? 0 : 1, Compression.None, {
          minOffset: w.fetchOffset,
        });
        return { data: { ...data, records: converted }, bytes: converted.length, error: false };
      }
      return { data: { ...data, records: bytes }, bytes: read.sizeBytes, error: false };
    }
    return { data: { ...data, records: read.chunks }, bytes: read.sizeBytes, error: false };
  } catch (e) {
    if (e instanceof LogOfflineError) return fail(ErrorCode.KAFKA_STORAGE_ERROR);
    throw e;
  }
}

interface Round {
  results: { w: Wanted; out: ReadOutcome }[];
  bytes: number;
  error: boolean;
}

async function readAll(
  broker: Broker,
  wanted: Wanted[],
  req: FetchRequest,
  v: number,
): Promise<Round> {
  let budget = v >= 3 ? Math.max(0, req.maxBytes) : Number.MAX_SAFE_INTEGER;
  let bytes = 0;
  let error = false;
  const results: Round["results"] = [];
  for (const w of wanted) {
    const out = await readPartition(
      broker,
      w,
      v,
      v >= 4 ? req.isolationLevel : 0,
      budget,
      bytes === 0,
    );
    budget = Math.max(0, budget - out.bytes);
    bytes += out.bytes;
    error ||= out.error;
    results.push({ w, out });
  }
  return { results, bytes, error };
}

export const fetchHandler = handler(1, { min: 0, max: 18 }, async (ctx, req) => {
  const broker = ctx.broker;
  const v = ctx.header.apiVersion;
  const nowMs = Date.now();
  const lookup = v >= 7
    ? broker.fetchSessions.resolve(req.sessionId, req.sessionEpoch, nowMs)
    : { kind: "sessionless" as const };
  if (lookup.kind === "error") {
    const res: FetchResponse = {
      throttleTimeMs: 0,
      errorCode: lookup.errorCode,
      sessionId: req.sessionId,
      responses: [],
      nodeEndpoints: [],
    };
    return res;
  }
  let session: FetchSession | null = null;
  let wanted: Wanted[];
  if (lookup.kind === "incremental") {
    session = lookup.session;
    updateSession(session, broker, req, v);
    wanted = [...session.partitions.values()];
  } else {
    wanted = wantedFromRequest(broker, req, v);
    if (lookup.kind === "new" && lookup.session) {
      session = lookup.session;
      for (const w of wanted) {
        session.partitions.set(sessionKey(w, v), {
          ...w,
          lastHighWatermark: -2,
          lastLogStartOffset: -2,
        });
      }
    }
  }

  let round = await readAll(broker, wanted, req, v);
  const maxWaitMs = Math.min(Math.max(0, req.maxWaitMs), fetchMaxWaitMsMax);
  const deadline = nowMs + maxWaitMs;
  while (round.bytes < req.minBytes && !round.error && Date.now() < deadline && wanted.length > 0) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        cancel();
        resolve();
      }, deadline - Date.now());
      const cancel = broker.partitions.watch(wanted, () => {
        clearTimeout(timer);
        resolve();
      });
    });
    round = await readAll(broker, wanted, req, v);
  }

  const incremental = lookup.kind === "incremental";
  const byTopic = new Map<
    string,
    { topic: string; topicId: string; partitions: FetchResponsePartitionData[] }
  >();
  for (const { w, out } of round.results) {
    if (session) {
      const sp: SessionPartition | undefined = session.partitions.get(sessionKey(w, v));
      if (sp) {
        const changed = out.bytes > 0 || out.error ||
          sp.lastHighWatermark !== out.data.highWatermark ||
          sp.lastLogStartOffset !== out.data.logStartOffset;
        sp.lastHighWatermark = out.data.highWatermark;
        sp.lastLogStartOffset = out.data.logStartOffset;
        if (incremental && !changed) continue;
      }
    }
    const k = v >= 13 ? w.topicId : w.topic;
    let t = byTopic.get(k);
    if (!t) byTopic.set(k, t = { topic: w.topic, topicId: w.topicId, partitions: [] });
    t.partitions.push(out.data);
  }
  const res: FetchResponse = {
    throttleTimeMs: 0,
    errorCode: ErrorCode.NONE,
    sessionId: session?.id ?? 0,
    responses: [...byTopic.values()],
    nodeEndpoints: [],
  };
  return res;
});
