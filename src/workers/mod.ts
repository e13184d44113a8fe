/**
 * workers: the multi-core data path, the only layer that creates workers
 * (above server/, below main). The default broker runs on it; with
 * `single.thread=true` the same handlers and partition code run on the main
 * thread instead (server/broker.ts without a plane).
 *
 *   main thread      CLI, config, the Supervisor, metadata quorum and image,
 *                    consumer groups and the internal topics' partitions,
 *                    admin APIs. Replicates committed metadata to every worker
 *                    and serves the requests reactors forward (worker_plane.ts).
 *   reactor workers  (num.network.threads) each bind the Kafka listeners with
 *                    reusePort (--unstable-net) and accept their own
 *                    connections (sockets cannot move between workers), read
 *                    and decode frames, validate produce batches on the raw
 *                    bytes, and send each shard its part of a Produce, Fetch
 *                    or ListOffsets as one contract message (RingDataPath);
 *                    they gather the answers into one response, written in
 *                    request order per connection. Every other API, and
 *                    requests naming internal topics, go to the main thread
 *                    as the raw frame (reactor_worker.ts).
 *   shard workers    (num.shard.threads) own partitions through a ShardCore:
 *                    logs, flush, long polls. Each answers every request
 *                    exactly once, by requestId (shard_worker.ts).
 *
 * Files:
 * - ring.ts          SPSC ring of variable-length messages in a
 *                    SharedArrayBuffer; full means "wait" (backpressure), never
 *                    "drop". Two per (client, shard) pair, one each way.
 * - contract.ts      every message between workers, with its binary layout in
 *                    one place; record bytes are copied once into the ring and
 *                    read out as views.
 * - metadata_replica.ts a worker's config and metadata image replica.
 * - ordered_writer.ts contract messages into a ring in order, waiting when full.
 * - shard_link.ts    one client's request/response link to one shard.
 * - ring_data_path.ts the DataPath (server/data_path.ts) over shard links.
 * - shard_table.ts   worker counts from config and cores, partition -> shard.
 * - supervisor.ts    starts worker groups, hands each its rings once
 *                    (postMessage is control only), builds the ring mesh, stops
 *                    groups in reverse start order, and takes the process down
 *                    (exit 70) when a worker crashes or its heartbeat stops:
 *                    never a half-alive broker.
 * - worker_runtime.ts the worker side of that: init, heartbeat, control.
 * - worker_plane.ts, reactor_worker.ts, shard_worker.ts  the data plane.
 * - prespawn.ts      starts the workers before the main module graph loads
 *                    (their module loading overlaps the main thread's start).
 * - probe.ts, probe_worker.ts  a worker that drives a ring with a checkable
 *                    sequence: the cross-worker tests and bench/ring_bench.ts.
 *
 * Copies: a produced batch is copied once in user space (socket buffer ->
 * ring; shards append from the ring slot, large frames are read straight into
 * their own buffer); a fetched one twice (log -> ring, ring -> the reactor's
 * response buffer). With num.network.threads=0 the main thread does the
 * reactors' work itself (no reactor workers).
 *
 * Limits: a message takes at most half a ring; rings are sized from
 * message.max.bytes (worker_plane.ts), a batch larger than a ring carries is
 * MESSAGE_TOO_LARGE, and a fetch answer is trimmed to fit.
 */
export * from "./contract.ts";
export * from "./ring.ts";
export * from "./shard_table.ts";
export * from "./supervisor.ts";
export type { WorkerContext, WorkerHooks, WorkerInit } from "./worker_runtime.ts";
export { runWorker } from "./worker_runtime.ts";
