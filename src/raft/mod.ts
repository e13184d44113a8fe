/**
 * raft: the embedded KRaft metadata quorum, sans-I/O (no Deno.*; time,
 * randomness, persistence and transport come in through interfaces, so the
 * same code runs under the seeded simulation in tests/support/raft_sim.ts and in a
 * real node, src/server/quorum_node.ts).
 *
 * - quorum.ts      RaftQuorum, the state machine: roles and their transitions
 *                  (pre-vote and vote, leader epochs, check quorum,
 *                  resignation), the RPC handlers, the high watermark, and the
 *                  application's side (append, nextCommitted, createSnapshot);
 *                  it leans on:
 *   - election.ts    election timers, the vote rules and tally, and the Vote,
 *                    BeginQuorumEpoch and EndQuorumEpoch bodies
 *   - replication.ts the leader's side: replica progress, answering and
 *                    parking Fetch, the majority's durable end, check quorum,
 *                    batching appends
 *   - follower.ts    the follower's and observer's side: the fetch in flight,
 *                    appending what the leader sent, divergence truncation,
 *                    installing a fetched snapshot
 *   - snapshots.ts   snapshot reconciliation at start, writing and loading
 *                    snapshots, FetchSnapshot chunks (both sides)
 *   - commit.ts      what is committed, as the application sees it
 *                    (nextCommitted, appendStatus)
 *   - metrics.ts     leader-change metrics and the DescribeQuorum answer
 *   - rpc.ts         correlation ids, pending requests and the outbox
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
