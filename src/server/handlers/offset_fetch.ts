/**
 * OffsetFetch (9), v0-9: a group's committed offsets (offset -1, metadata ""
 * where there is none; also for unknown groups and topics).
 * - v0-1 name the partitions; v2+ may pass null topics for all of the
 *   group's offsets, and have a top-level error (v0-1 repeat it per
 *   partition). v5+ return the committed leader epoch.
 * - v7+ require_stable: the answer waits for the group's commits still being
 *   written, so it holds every acknowledged offset (Kafka would answer
 *   UNSTABLE_OFFSET_COMMIT only for pending transactional offsets, which do
 *   not exist here).
 * - v8+ batch groups (`groups[]`), each with its own error.
 * Not implemented: KIP-848 member id/epoch checks (v9 fields are accepted and
 * ignored, as Kafka does for classic groups).
 */
import { ErrorCode } from "../../protocol/errors.ts";
import type { FetchedOffset } from "../../coordinator/mod.ts";
import { handler } from "../handler.ts";

function wanted(
  topics: { name: string; partitionIndexes: number[] }[] | null,
): { topic: string; partition: number }[] | null {
  return topics === null
    ? null
    : topics.flatMap((t) => t.partitionIndexes.map((partition) => ({ topic: t.name, partition })));
}

function byTopic(offsets: FetchedOffset[]) {
  const out = new Map<string, {
    name: string;
    partitions: {
      partitionIndex: number;
      committedOffset: number;
      committedLeaderEpoch: number;
      metadata: string | null;
      errorCode: number;
    }[];
  }>();
  for (const o of offsets) {
    let t = out.get(o.topic);
    if (!t) out.set(o.topic, t = { name: o.topic, partitions: [] });
    t.partitions.push({
      partitionIndex: o.partition,
      committedOffset: o.offset,
      committedLeaderEpoch: o.leaderEpoch,
      metadata: o.metadata,
      errorCode: o.errorCode,
    });
  }
  return [...out.values()];
}

export const offsetFetchHandler = handler(9, { min: 0, max: 9 }, async (ctx, req) => {
  const v = ctx.header.apiVersion;
  const groups = ctx.broker.groups;
  if (v >= 8) {
    return {
      throttleTimeMs: 0,
      topics: [],
      errorCode: ErrorCode.NONE,
      groups: await Promise.all(req.groups.map(async (g) => {
        const r = await groups.fetchOffsets(g.groupId, wanted(g.topics), req.requireStable);
        return {
          groupId: g.groupId,
          topics: r.errorCode === ErrorCode.NONE ? byTopic(r.offsets) : [],
          errorCode: r.errorCode,
        };
      })),
    };
  }
  const topics = v >= 2 ? req.topics : (req.topics ?? []);
  const r = await groups.fetchOffsets(req.groupId, wanted(topics), v >= 7 && req.requireStable);
  if (r.errorCode !== ErrorCode.NONE && v < 2) {
    // No top-level error before v2: every requested partition carries it.
    const offsets = (wanted(topics) ?? []).map((p) => ({
      ...p,
      offset: -1,
      leaderEpoch: -1,
      metadata: "",
      errorCode: r.errorCode,
    }));
    return { throttleTimeMs: 0, topics: byTopic(offsets), errorCode: r.errorCode, groups: [] };
  }
  return {
    throttleTimeMs: 0,
    topics: r.errorCode === ErrorCode.NONE ? byTopic(r.offsets) : [],
    errorCode: r.errorCode,
    groups: [],
  };
});
