/**
 * server: the Kafka-facing broker. broker.ts wires storage, metadata and the
 * listeners; listener.ts accepts connections; connection.ts frames requests,
 * dispatches them and answers in request order; handler.ts is the handler
 * contract and registry (ApiVersions advertises exactly what is registered);
 * handlers/ has one file per API (handlers/data_handlers.ts: the ones a
 * reactor worker runs itself); data_path.ts is the DataPath interface through
 * which handlers reach partition data; shard_core.ts owns partitions (one
 * shard's, or all on a single thread) and answers it with Kafka error codes;
 * local_data_path.ts is the DataPath over a ShardCore on this thread;
 * partitions.ts keeps partition logs in line with the metadata image and
 * wakes long-polling fetches; configs.ts resolves effective configs;
 * fetch_session.ts holds KIP-227 fetch sessions.
 * The metadata quorum host: metadata_quorum.ts (the image's Raft log; voter
 * or, on a broker-only node, observer), quorum_node.ts, quorum_transport.ts,
 * quorum_store.ts; controller_node.ts is a controller-only node.
 * Clusters: controller_rpc.ts serves what brokers send the active controller
 * (registration, heartbeats, forwarded admin writes) on the quorum port;
 * remote_controller.ts (over controller_channel.ts) is a broker's controller
 * that forwards there; leadership.ts decides which partitions this broker
 * serves (NOT_LEADER_OR_FOLLOWER for the others).
 */
export { Broker } from "./broker.ts";
export { brokerConfig, configFromArgs } from "./config.ts";
