/**
 * OffsetDelete (47), v0: deletes a group's committed offsets for some
 * partitions (tombstones, answered once durable). Allowed for any partition
 * of an empty group; a group with members keeps the offsets of topics it
 * subscribes to (GROUP_SUBSCRIBED_TO_TOPIC per partition; all topics count as
 * subscribed when the subscriptions cannot be read), and a non-consumer group
 * with members refuses (NON_EMPTY_GROUP). Unknown topics or partitions get
 * UNKNOWN_TOPIC_OR_PARTITION; an unknown group GROUP_ID_NOT_FOUND. An empty
 * group left with no offsets is deleted.
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { handler } from "../handler.ts";

export const offsetDeleteHandler = handler(47, { min: 0, max: 0 }, async (ctx, req) => {
  const image = ctx.broker.image;
  const valid: { topic: string; partition: number }[] = [];
  const known = req.topics.map((t) => {
    const topic = image.topic(t.name);
    return t.partitions.map((p) => {
      const ok = topic !== undefined && p.partitionIndex >= 0 &&
        p.partitionIndex < topic.partitions.length;
      if (ok) valid.push({ topic: t.name, partition: p.partitionIndex });
      return ok;
    });
  });
  const r = await ctx.broker.groups.deleteOffsets(req.groupId, valid);
  if (r.errorCode !== ErrorCode.NONE) {
    return { errorCode: r.errorCode, throttleTimeMs: 0, topics: [] };
  }
  let next = 0;
  return {
    errorCode: ErrorCode.NONE,
    throttleTimeMs: 0,
    topics: req.topics.map((t, ti) => ({
      name: t.name,
      partitions: t.partitions.map((p, pi) => ({
        partitionIndex: p.partitionIndex,
        errorCode: known[ti][pi]
          ? r.partitions[next++].errorCode
          : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      })),
    })),
  };
});
