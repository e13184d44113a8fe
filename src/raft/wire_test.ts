import { assert, assertEquals, assertThrows } from "../../tests/support/raft_assert.ts";
import { TestCluster } from "../../tests/support/raft_cluster.ts";
import { concat } from "../protocol/messages.ts";
import {
  BEGIN_QUORUM_EPOCH,
  DESCRIBE_QUORUM,
  END_QUORUM_EPOCH,
  FETCH,
  FETCH_SNAPSHOT,
  type RaftMessage,
  VOTE,
} from "./messages.ts";
import {
  decodeRaftRequest,
  decodeRaftResponse,
  encodeRaftRequest,
  encodeRaftResponse,
  nodeIdOfClientId,
} from "./wire.ts";

const enc = (s: string) => new TextEncoder().encode(s);

Deno.test("every KRaft RPC the core speaks goes through the Kafka codecs and back", () => {
  // Every message of this cluster is encoded to a frame and decoded again
  // before delivery, so the whole protocol runs on our codecs.
  const c = new TestCluster([1, 2, 3], [4], undefined, true);
  c.runUntil(() => c.settledLeader() > 0);
  let l = c.settledLeader();
  const f = l === 3 ? 2 : 3;
  c.crash(f);
  const values: string[] = [];
  for (let i = 0; i < 20; i++) {
    values.push(`v${i}`);
    assert(c.append(l, values[i]).ok);
  }
  const leader = c.node(l).core;
  c.runUntil(() => leader.highWatermark === leader.logEndOffset);
  assert(leader.createSnapshot(leader.highWatermark, values.map(enc), c.now) !== null);
  c.start(f);
  c.runUntil(() => c.node(f).core.metrics.snapshotsFetched === 1, 5000, "snapshot over the wire");
  c.node(l).core.resign(c.now);
  c.poke(l);
  c.runUntil(() => c.settledLeader() > 0 && c.settledLeader() !== l, 5000, "handover");
  l = c.settledLeader();

  // DescribeQuorum from an admin client (no node id: a negative id of the transport's).
  const req: RaftMessage = {
    kind: "request",
    apiKey: DESCRIBE_QUORUM,
    from: -7,
    to: l,
    correlationId: 99,
    body: { topics: [{ topicName: "__cluster_metadata", partitions: [{ partitionIndex: 0 }] }] },
  };
  const frame = concat(encodeRaftRequest(req)).subarray(4);
  const { msg, apiVersion } = decodeRaftRequest(frame, l, -7);
  assertEquals(msg.from, -7, "an admin client is anonymous");
  const [res] = c.node(l).core.handle(msg, c.now);
  assert(res.kind === "response" && res.to === -7 && res.correlationId === 99);
  const back = decodeRaftResponse(
    DESCRIBE_QUORUM,
    concat(encodeRaftResponse(res, apiVersion)).subarray(4),
    l,
    -7,
  );
  assert(back.apiKey === DESCRIBE_QUORUM);
  const d = back.body.topics[0].partitions[0];
  assertEquals([d.leaderId, d.leaderEpoch], [l, c.node(l).core.epoch]);
  assertEquals(d.currentVoters.length, 3);
  assertEquals(d.observers.map((o) => o.replicaId), [4]);

  for (const api of [VOTE, BEGIN_QUORUM_EPOCH, END_QUORUM_EPOCH, FETCH, FETCH_SNAPSHOT]) {
    for (const kind of ["request", "response"]) {
      assert(
        (c.wireSeen.get(`${kind} ${api}`) ?? 0) > 0,
        `no ${kind} of api ${api} went over the wire`,
      );
    }
  }
});

Deno.test("raft frames carry the sender in the client id and reject foreign APIs", () => {
  assertEquals(nodeIdOfClientId("raft-client-12"), 12);
  assertEquals(nodeIdOfClientId("raft-client-x"), null);
  assertEquals(nodeIdOfClientId("kafka-python"), null);
  assertEquals(nodeIdOfClientId(null), null);
  const produce = concat(encodeRaftRequest({
    kind: "request",
    apiKey: DESCRIBE_QUORUM,
    from: 3,
    to: 1,
    correlationId: 1,
    body: { topics: [] },
  })).subarray(4);
  // Patch the api key (first int16) to Produce (0): not a KRaft RPC.
  const foreign = produce.slice();
  foreign[0] = 0;
  foreign[1] = 0;
  assertThrows(() => decodeRaftRequest(foreign, 1, -1));
  assertEquals(decodeRaftRequest(produce, 1, -1).msg.from, 3);
});
