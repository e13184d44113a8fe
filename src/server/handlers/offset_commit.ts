/**
 * OffsetCommit (8), v0-9: stores a group's consumed offsets in
 * `__consumer_offsets`; the answer comes once the records are fsynced, so an
 * acknowledged commit survives a crash.
 * - Members commit with their generation and member id (UNKNOWN_MEMBER_ID,
 *   ILLEGAL_GENERATION, FENCED_INSTANCE_ID v7+, REBALANCE_IN_PROGRESS while
 *   CompletingRebalance); generation -1 commits to an empty or missing group
 *   are "simple" commits (assign-only consumers, admin tools, v0).
 * - A missing group with a generation >= 0: ILLEGAL_GENERATION, or from v9
 *   GROUP_ID_NOT_FOUND.
 * - Per partition: unknown topic or partition UNKNOWN_TOPIC_OR_PARTITION,
 *   metadata over offset.metadata.max.bytes OFFSET_METADATA_TOO_LARGE.
 * - v1 per-partition commit timestamps and v2-4 retention_time_ms (an
 *   explicit expiry) are kept; v6+ committed leader epochs are stored.
 * Not implemented: KIP-848 member epochs (v9 treats the field as a classic
 * generation, which is what classic clients send).
 */
import { ErrorCode } from "../../protocol/errors.ts";
import type { CommitPartition } from "../../coordinator/mod.ts";
import { handler } from "../handler.ts";

export const offsetCommitHandler = handler(8, { min: 0, max: 9 }, async (ctx, req) => {
  const v = ctx.header.apiVersion;
  const image = ctx.broker.image;
  const valid: CommitPartition[] = [];
  const codes = req.topics.map((t) => {
    const topic = image.topic(t.name);
    return t.partitions.map((p) => {
      if (!topic || p.partitionIndex < 0 || p.partitionIndex >= topic.partitions.length) {
        return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
      }
      valid.push({
        topic: t.name,
        partition: p.partitionIndex,
        offset: p.committedOffset,
        leaderEpoch: v >= 6 ? p.committedLeaderEpoch : -1,
        metadata: p.committedMetadata,
        commitTimestamp: v === 1 ? p.commitTimestamp : -1,
      });
      return -1;
    });
  });
  const results = valid.length === 0 ? [] : await ctx.broker.groups.commitOffsets({
    groupId: req.groupId,
    generationId: v >= 1 ? req.generationIdOrMemberEpoch : -1,
    memberId: v >= 1 ? req.memberId : "",
    groupInstanceId: v >= 7 ? req.groupInstanceId : null,
    retentionTimeMs: v >= 2 && v <= 4 ? req.retentionTimeMs : -1,
    groupIdNotFoundError: v >= 9,
    partitions: valid,
  });
  let next = 0;
  return {
    throttleTimeMs: 0,
    topics: req.topics.map((t, ti) => ({
      name: t.name,
      partitions: t.partitions.map((p, pi) => ({
        partitionIndex: p.partitionIndex,
        errorCode: codes[ti][pi] === -1 ? results[next++] : codes[ti][pi],
      })),
    })),
  };
});
