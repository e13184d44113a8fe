/**
 * Metadata (3), v0-13: brokers (advertised addresses), cluster id, controller
 * (this node), and topics with partitions, leaders, replicas and ISR.
 * - Which topics: v0 empty list or v1+ null = all; v10+ may name topics by id
 *   (v12+), unknown ids give UNKNOWN_TOPIC_ID.
 * - Unknown topics are created when the broker allows it
 *   (`auto.create.topics.enable`) and, from v4, the request does too; creation
 *   commits before the answer, so the new topic is returned at once.
 * - Invalid names give INVALID_TOPIC_EXCEPTION; missing topics
 *   UNKNOWN_TOPIC_OR_PARTITION.
 * - Authorized operations: no ACLs, so everything is allowed when asked for.
 * - A partition whose log dir is offline (DataPath.isOffline) has
 *   KAFKA_STORAGE_ERROR, no leader and this node as an offline replica.
 * Not implemented: rack-aware listener selection (one listener is advertised).
 */
import { ErrorCode } from "../../protocol/errors.ts";
import type {
  MetadataResponse,
  MetadataResponseMetadataResponseTopic,
} from "../../protocol/generated/mod.ts";
import { ZERO_UUID } from "../../protocol/uuid.ts";
import { isInternalTopic, topicNameError } from "../../metadata/topic_name.ts";
import type { TopicImage } from "../../metadata/image.ts";
import type { Broker } from "../broker.ts";
import { CLUSTER_OPS, NO_OPS, TOPIC_OPS } from "../acl_ops.ts";
import { handler } from "../handler.ts";

export function topicMetadata(
  broker: Pick<Broker, "config" | "data">,
  t: TopicImage,
  ops: boolean,
): MetadataResponseMetadataResponseTopic {
  return {
    errorCode: ErrorCode.NONE,
    name: t.name,
    topicId: t.topicId,
    isInternal: isInternalTopic(t.name),
    partitions: t.partitions.map((p) => {
      const offline = broker.data.isOffline(t.name, p.partition);
      return {
        errorCode: offline ? ErrorCode.KAFKA_STORAGE_ERROR : ErrorCode.NONE,
        partitionIndex: p.partition,
        leaderId: offline ? -1 : p.leader,
        leaderEpoch: p.leaderEpoch,
        replicaNodes: [...p.replicas],
        isrNodes: offline ? [] : [...p.isr],
        offlineReplicas: offline ? [broker.config.nodeId] : [],
      };
    }),
    topicAuthorizedOperations: ops ? TOPIC_OPS : NO_OPS,
  };
}

function missing(
  errorCode: number,
  name: string | null,
  topicId = ZERO_UUID,
): MetadataResponseMetadataResponseTopic {
  return {
    errorCode,
    name,
    topicId,
    isInternal: false,
    partitions: [],
    topicAuthorizedOperations: NO_OPS,
  };
}

export const metadataHandler = handler(3, { min: 0, max: 13 }, async (ctx, req) => {
  const broker = ctx.broker;
  const v = ctx.header.apiVersion;
  const all = req.topics === null || (v === 0 && req.topics.length === 0);
  const ops = req.includeTopicAuthorizedOperations;
  const topics: MetadataResponseMetadataResponseTopic[] = [];
  if (all) {
    for (const t of broker.image.topicsByName.values()) topics.push(topicMetadata(broker, t, ops));
  } else {
    const allowCreate = broker.config.autoCreateTopicsEnable &&
      (v < 4 || req.allowAutoTopicCreation);
    const toCreate: string[] = [];
    for (const rt of req.topics!) {
      if (rt.name === null || rt.name === "") {
        const t = broker.image.topicById(rt.topicId);
        topics.push(
          t ? topicMetadata(broker, t, ops) : missing(ErrorCode.UNKNOWN_TOPIC_ID, null, rt.topicId),
        );
        continue;
      }
      const t = broker.image.topic(rt.name);
      if (t) topics.push(topicMetadata(broker, t, ops));
      else if (topicNameError(rt.name)) {
        topics.push(missing(ErrorCode.INVALID_TOPIC_EXCEPTION, rt.name));
      } else if (allowCreate && !isInternalTopic(rt.name)) {
        toCreate.push(rt.name);
        topics.push(missing(ErrorCode.LEADER_NOT_AVAILABLE, rt.name));
      } else topics.push(missing(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, rt.name));
    }
    if (toCreate.length > 0) {
      const results = await broker.controller.createTopics(
        toCreate.map((name) => ({
          name,
          numPartitions: -1,
          replicationFactor: -1,
          assignments: [],
          configs: [],
        })),
        false,
      );
      for (const r of results) {
        const i = topics.findIndex((t) =>
          t.name === r.name && t.errorCode === ErrorCode.LEADER_NOT_AVAILABLE
        );
        if (i < 0) continue;
        const created = broker.image.topic(r.name);
        topics[i] = created ? topicMetadata(broker, created, ops) : missing(r.errorCode, r.name);
      }
    }
  }
  const res: MetadataResponse = {
    throttleTimeMs: 0,
    brokers: [...broker.image.brokers.values()].map((b) => ({
      nodeId: b.nodeId,
      host: b.host,
      port: b.port,
      rack: b.rack,
    })),
    clusterId: broker.clusterId,
    controllerId: broker.config.nodeId,
    topics,
    clusterAuthorizedOperations: req.includeClusterAuthorizedOperations ? CLUSTER_OPS : NO_OPS,
    errorCode: ErrorCode.NONE,
  };
  return res;
});
