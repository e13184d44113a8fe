/**
 * workers: the multi-core data path's foundation, the only layer that creates
 * workers (above server/, below main). Today's broker still runs on one thread;
 * this folder holds the pieces it will be rewired onto.
 *
 * How the broker will use them (docs/architecture.md, issue 6):
 *
 *   main thread      CLI, config, the Supervisor, metadata quorum and image,
 *                    consumer groups, admin. Publishes the ShardTable.
 *   reactor workers  (num.network.threads) each bind the Kafka listeners with
 *                    reusePort (--unstable-net) and accept their own
 *                    connections (sockets cannot move between workers), read
 *                    and decode frames, validate produce batches on the raw
 *                    bytes, and route each partition's part of a Produce,
 *                    Fetch or ListOffsets to the shard owning it (ShardTable)
 *                    as one contract message per shard. They gather the
 *                    shards' answers into one response (a fetch spanning
 *                    shards is one response) and write responses in request
 *                    order per connection. Everything else (Metadata, groups,
 *                    admin APIs) goes to the main thread, which holds the image.
 *   shard workers    (num.shard.threads) own partitions: logs, flush, long
 *                    polls (FetchWatch), later producer state and replication.
 *                    Each answers every request exactly once, by requestId.
 *
 * Files:
 * - ring.ts          SPSC ring of variable-length messages in a
 *                    SharedArrayBuffer; full means "wait" (backpressure), never
 *                    "drop". Two per (reactor, shard) pair, one each way.
 * - contract.ts      every message between workers, with its binary layout in
 *                    one place; record bytes are copied once into the ring and
 *                    read out as views.
 * - shard_table.ts   worker counts from config and cores, partition -> shard.
 * - supervisor.ts    starts worker groups, hands each its rings once
 *                    (postMessage is control only), builds the ring mesh, and
 *                    takes the process down (exit 70) when a worker crashes or
 *                    its heartbeat stops: never a half-alive broker.
 * - worker_runtime.ts the worker side of that: init, heartbeat, control.
 * - probe.ts, probe_worker.ts  a worker that drives a ring with a checkable
 *                    sequence: the cross-worker tests and bench/ring_bench.ts.
 *
 * Not wired yet: no reactor or shard worker module exists, the broker does not
 * start a Supervisor, and the handlers still call PartitionManager directly.
 * Single-thread mode (`single.thread=true`) is meant to run the same reactor and
 * shard code on the main thread over the same rings (they work within one
 * thread, with async waits), so moving work into workers changes wiring, not
 * logic. Messages larger than half a ring (limits.ringBytes) are refused by the
 * ring; the wiring must cap fetch reads to fit and pass larger produce batches
 * as transferred ArrayBuffers.
 */
export * from "./contract.ts";
export * from "./ring.ts";
export * from "./shard_table.ts";
export * from "./supervisor.ts";
export type { WorkerContext, WorkerHooks, WorkerInit } from "./worker_runtime.ts";
export { runWorker } from "./worker_runtime.ts";
