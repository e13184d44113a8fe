/**
 * handlers: one file per Kafka API, each opening with the versions it serves,
 * its behaviour, and what it does not implement. `allHandlers` is what the
 * broker registers, and so what ApiVersions advertises. data_handlers.ts
 * gathers the DataNode handlers (Produce, Fetch, ListOffsets) and ApiVersions
 * for reactor workers, without the group coordinator's handlers.
 */
import type { Handler } from "../handler.ts";
import { alterConfigsHandler } from "./alter_configs.ts";
import { apiVersionsHandler } from "./api_versions.ts";
import { createPartitionsHandler } from "./create_partitions.ts";
import { createTopicsHandler } from "./create_topics.ts";
import { deleteTopicsHandler } from "./delete_topics.ts";
import { describeClusterHandler } from "./describe_cluster.ts";
import { describeConfigsHandler } from "./describe_configs.ts";
import { incrementalAlterConfigsHandler } from "./incremental_alter_configs.ts";
import { deleteRecordsHandler } from "./delete_records.ts";
import { describeLogDirsHandler } from "./describe_log_dirs.ts";
import { describeQuorumHandler } from "./describe_quorum.ts";
import { describeTopicPartitionsHandler } from "./describe_topic_partitions.ts";
import { fetchHandler } from "./fetch.ts";
import { listOffsetsHandler } from "./list_offsets.ts";
import { offsetForLeaderEpochHandler } from "./offset_for_leader_epoch.ts";
import { metadataHandler } from "./metadata.ts";
import { produceHandler } from "./produce.ts";
import { deleteGroupsHandler } from "./delete_groups.ts";
import { describeGroupsHandler } from "./describe_groups.ts";
import { findCoordinatorHandler } from "./find_coordinator.ts";
import { heartbeatHandler } from "./heartbeat.ts";
import { joinGroupHandler } from "./join_group.ts";
import { leaveGroupHandler } from "./leave_group.ts";
import { listGroupsHandler } from "./list_groups.ts";
import { offsetCommitHandler } from "./offset_commit.ts";
import { offsetDeleteHandler } from "./offset_delete.ts";
import { offsetFetchHandler } from "./offset_fetch.ts";
import { syncGroupHandler } from "./sync_group.ts";

export const allHandlers: readonly Handler[] = [
  produceHandler,
  fetchHandler,
  listOffsetsHandler,
  deleteRecordsHandler,
  offsetForLeaderEpochHandler,
  describeLogDirsHandler,
  describeQuorumHandler,
  describeTopicPartitionsHandler,
  metadataHandler,
  apiVersionsHandler,
  createTopicsHandler,
  deleteTopicsHandler,
  createPartitionsHandler,
  describeClusterHandler,
  describeConfigsHandler,
  alterConfigsHandler,
  incrementalAlterConfigsHandler,
  // consumer groups (coordinator/)
  findCoordinatorHandler,
  joinGroupHandler,
  syncGroupHandler,
  heartbeatHandler,
  leaveGroupHandler,
  offsetCommitHandler,
  offsetFetchHandler,
  describeGroupsHandler,
  listGroupsHandler,
  deleteGroupsHandler,
  offsetDeleteHandler,
];
