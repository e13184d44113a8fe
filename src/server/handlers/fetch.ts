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
 * - v13+ names topics by id (UNKNOWN_TOPIC_ID); v9+ checks current_leader_epoch.
 * - A DataNode handler: partition reads and long-poll waits go through the
 *   DataPath (one read for the whole request from v10); versions, sessions,
 *   down-conversion and the response layout are decided here.
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
import { type ReadEntry, type ReadOutcome, ReadUpper } from "../data_path.ts";
import { type FetchSession, partitionKey, type SessionPartition } from "../fetch_session.ts";
import { dataHandler, type DataNode } from "../handler.ts";

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
function wantedFromRequest(node: DataNode, req: FetchRequest, v: number): Wanted[] {
  const out: Wanted[] = [];
  for (const t of req.topics) {
    const img = v >= 13 ? node.image.topicById(t.topicId) : node.image.topic(t.topic);
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
function updateSession(session: FetchSession, node: DataNode, req: FetchRequest, v: number): void {
  for (const w of wantedFromRequest(node, req, v)) {
    const k = sessionKey(w, v);
    const old = session.partitions.get(k);
    session.partitions.set(k, {
      ...w,
      lastHighWatermark: old?.lastHighWatermark ?? -2,
      lastLogStartOffset: old?.lastLogStartOffset ?? -2,
    });
  }
  for (const f of req.forgottenTopicsData) {
    const name = v >= 13 ? node.image.topicById(f.topicId)?.name ?? "" : f.topic;
    for (const p of f.partitions) {
      session.partitions.delete(partitionKey(v >= 13 ? f.topicId : name, p));
    }
  }
}

interface Outcome {
  data: FetchResponsePartitionData;
  bytes: number;
  error: boolean;
}

interface Round {
  results: { w: Wanted; out: Outcome }[];
  bytes: number;
  error: boolean;
}

/** Shapes a data-path read into the version's partition data (down-converted before v4). */
function fromRead(
  w: Wanted,
  o: ReadOutcome,
  v: number,
  isolation: number,
): Outcome {
  if (o.errorCode !== ErrorCode.NONE && o.errorCode !== ErrorCode.OFFSET_OUT_OF_RANGE) {
    return { data: emptyPartition(w.partition, o.errorCode), bytes: 0, error: true };
  }
  const data: FetchResponsePartitionData = {
    ...emptyPartition(w.partition, o.errorCode),
    highWatermark: o.highWatermark,
    lastStableOffset: o.lastStableOffset,
    logStartOffset: o.logStartOffset,
    abortedTransactions: isolation === READ_COMMITTED && v >= 4 ? [] : null,
  };
  if (o.errorCode !== ErrorCode.NONE) return { data, bytes: 0, error: true };
  if (o.sizeBytes === 0) return { data, bytes: 0, error: false };
  if (v >= 10) return { data: { ...data, records: o.records }, bytes: o.sizeBytes, error: false };
  const bytes = concat(o.records);
  for (const b of batches(bytes)) {
    if (b.compression === Compression.Zstd) {
      return {
        data: { ...data, errorCode: ErrorCode.UNSUPPORTED_COMPRESSION_TYPE },
        bytes: 0,
        error: true,
      };
    }
  }
  if (v <= 3) {
    const converted = batchesToMessageSet(bytes, v <= 1 ? 0 : 1, Compression.None, {
      minOffset: w.fetchOffset,
    });
    return { data: { ...data, records: converted }, bytes: converted.length, error: false };
  }
  return { data: { ...data, records: bytes }, bytes: o.sizeBytes, error: false };
}

/**
 * Reads every wanted partition under the request's byte budget. From v10 one
 * data-path read serves them all; before v10 a partition's size in the
 * response may differ from the stored one (down-conversion, refused zstd), so
 * each is read on its own against what the earlier ones used, as Kafka does.
 */
async function readAll(
  node: DataNode,
  wanted: Wanted[],
  req: FetchRequest,
  v: number,
): Promise<Round> {
  const isolation = v >= 4 ? req.isolationLevel : 0;
  const upperOffset = isolation === READ_COMMITTED ? ReadUpper.LastStable : ReadUpper.HighWatermark;
  const results: Round["results"] = [];
  const entries: ReadEntry[] = [];
  const slots: (Outcome | number)[] = [];
  for (const w of wanted) {
    if (w.topic === "" || !node.image.topic(w.topic)) {
      const code = v >= 13 ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
      slots.push({ data: emptyPartition(w.partition, code), bytes: 0, error: true });
    } else {
      slots.push(entries.length);
      entries.push({
        topic: w.topic,
        topicId: w.topicId,
        partition: w.partition,
        fetchOffset: w.fetchOffset,
        upperOffset,
        partitionMaxBytes: w.partitionMaxBytes,
        currentLeaderEpoch: w.currentLeaderEpoch,
      });
    }
  }
  let budget = v >= 3 ? Math.max(0, req.maxBytes) : Number.MAX_SAFE_INTEGER;
  let bytes = 0;
  let error = false;
  const reads: ReadOutcome[] = v >= 10 && entries.length > 0
    ? await node.data.read(budget, true, entries)
    : [];
  for (let i = 0; i < wanted.length; i++) {
    const w = wanted[i];
    const slot = slots[i];
    let out: Outcome;
    if (typeof slot !== "number") out = slot;
    else {
      const o = v >= 10
        ? reads[slot]
        : (await node.data.read(budget, bytes === 0, [entries[slot]]))[0];
      out = fromRead(w, o, v, isolation);
    }
    budget = Math.max(0, budget - out.bytes);
    bytes += out.bytes;
    error ||= out.error;
    results.push({ w, out });
  }
  return { results, bytes, error };
}

export const fetchHandler = dataHandler(1, { min: 0, max: 18 }, async (ctx, req) => {
  const node = ctx.broker;
  const v = ctx.header.apiVersion;
  const nowMs = Date.now();
  const lookup = v >= 7
    ? node.fetchSessions.resolve(req.sessionId, req.sessionEpoch, nowMs)
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
    updateSession(session, node, req, v);
    wanted = [...session.partitions.values()];
  } else {
    wanted = wantedFromRequest(node, req, v);
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

  let round = await readAll(node, wanted, req, v);
  const maxWaitMs = Math.min(Math.max(0, req.maxWaitMs), fetchMaxWaitMsMax);
  const deadline = nowMs + maxWaitMs;
  while (round.bytes < req.minBytes && !round.error && Date.now() < deadline && wanted.length > 0) {
    // Wake on data past what this round saw (not past the fetch offset: available bytes below
    // min_bytes must not end the wait at once).
    const watched = round.results.map(({ w, out }) => ({
      topic: w.topic,
      topicId: w.topicId,
      partition: w.partition,
      offset: Math.max(w.fetchOffset, out.data.highWatermark),
    }));
    await node.data.watch(watched, deadline - Date.now());
    round = await readAll(node, wanted, req, v);
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
