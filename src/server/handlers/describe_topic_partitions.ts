/**
 * DescribeTopicPartitions (75), v0 (KIP-966): topics with their partitions,
 * paged: at most response_partition_limit partitions per response, continuing
 * from the cursor, with next_cursor where it stopped. An empty topic list means
 * all topics. No ELR (eligible leader replicas) here: those lists are empty.
 */
import { ErrorCode } from "../../protocol/errors.ts";
import type {
  DescribeTopicPartitionsResponse,
  DescribeTopicPartitionsResponseDescribeTopicPartitionsResponseTopic,
} from "../../protocol/generated/mod.ts";
import { isInternalTopic } from "../../metadata/topic_name.ts";
import { ZERO_UUID } from "../../protocol/uuid.ts";
import { NO_OPS } from "../acl_ops.ts";
import { handler } from "../handler.ts";

const partitionLimitMax = 2000;

export const describeTopicPartitionsHandler = handler(75, { min: 0, max: 0 }, (ctx, req) => {
  const broker = ctx.broker;
  const names = req.topics.length === 0
    ? [...broker.image.topicsByName.keys()].sort()
    : req.topics.map((t) => t.name).sort();
  const limit = Math.max(1, Math.min(req.responsePartitionLimit, partitionLimitMax));
  let budget = limit;
  const topics: DescribeTopicPartitionsResponseDescribeTopicPartitionsResponseTopic[] = [];
  let nextCursor: DescribeTopicPartitionsResponse["nextCursor"] = null;
  for (const name of names) {
    if (req.cursor && name < req.cursor.topicName) continue;
    const t = broker.image.topic(name);
    if (!t) {
      topics.push({
        errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        name,
        topicId: ZERO_UUID,
        isInternal: false,
        partitions: [],
        topicAuthorizedOperations: NO_OPS,
      });
      continue;
    }
    const from = req.cursor && name === req.cursor.topicName
      ? Math.max(0, req.cursor.partitionIndex)
      : 0;
    if (budget === 0) {
      nextCursor = { topicName: name, partitionIndex: from };
      break;
    }
    const take = t.partitions.slice(from, from + budget);
    budget -= take.length;
    topics.push({
      errorCode: ErrorCode.NONE,
      name,
      topicId: t.topicId,
      isInternal: isInternalTopic(name),
      partitions: take.map((p) => ({
        errorCode: ErrorCode.NONE,
        partitionIndex: p.partition,
        leaderId: p.leader,
        leaderEpoch: p.leaderEpoch,
        replicaNodes: [...p.replicas],
        isrNodes: [...p.isr],
        eligibleLeaderReplicas: [],
        lastKnownElr: [],
        offlineReplicas: [],
      })),
      topicAuthorizedOperations: NO_OPS,
    });
    if (from + take.length < t.partitions.length) {
      nextCursor = { topicName: name, partitionIndex: from + take.length };
      break;
    }
  }
  return { throttleTimeMs: 0, topics, nextCursor };
});
