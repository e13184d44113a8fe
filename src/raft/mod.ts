/**
 * raft: the embedded KRaft metadata quorum, sans-I/O (no Deno.*; time,
 * randomness, persistence and transport come in through interfaces, so the
 * same code runs under the seeded simulation in tests/support/raft_sim.ts and in a
 * real node, src/server/quorum_node.ts).
 *
 * - quorum.ts      RaftQuorum, the state machine: pre-vote and vote, leader
 *                  epochs, pull replication with Fetch, high watermark by
 *                  majority, divergence truncation, snapshots, observers,
 *                  check quorum, resignation, DescribeQuorum, metrics
 * - types.ts       its configuration and the injected contracts: RaftLog,
 *                  ElectionStore (quorum-state), SnapshotStore, Random
 * - messages.ts    RaftMessage: the KRaft RPCs (Vote, BeginQuorumEpoch,
 *                  EndQuorumEpoch, Fetch, FetchSnapshot, DescribeQuorum) as
 *                  generated codec types, addressed by node id
 * - wire.ts        RaftMessage <-> Kafka frames through src/protocol
 * - records.ts     what the log and snapshots hold: v2 batches, LeaderChange,
 *                  SnapshotHeader/Footer control records
 * - memory_log.ts  in-memory log, quorum-state and snapshot stores (the
 *                  simulation's, and the index of the file-backed log)
 * - random.ts      a seeded PRNG
 *
 * Embedding: a host owns one RaftQuorum per node, feeds it every inbound
 * message (`handle`), calls `poll(now)` after each event and when the returned
 * deadline passes, and sends what `drain()` returns. The state machine above it
 * pulls `nextCommitted(applied)` and may `createSnapshot` at an applied offset.
 */
export * from "./types.ts";
export * from "./messages.ts";
export * from "./wire.ts";
export * from "./records.ts";
export * from "./memory_log.ts";
export * from "./random.ts";
export { type AppendResult, type AppendStatus, type Committed, RaftQuorum } from "./quorum.ts";
