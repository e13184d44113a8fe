/**
 * The group APIs at their oldest and newest versions, with our own client
 * against a real broker process: what each version's handler reads and
 * answers (FindCoordinator single and batched, key types; JoinGroup v0 and
 * MEMBER_ID_REQUIRED from v4; SyncGroup v5 protocol checks; LeaveGroup v0
 * and v3 batches; OffsetCommit v0 simple commits through v9
 * GROUP_ID_NOT_FOUND; OffsetFetch v0/v1 per-partition errors, v2 all topics,
 * v8 groups; DescribeGroups v6 GROUP_ID_NOT_FOUND; ListGroups v4 state and
 * v5 type filters; OffsetDelete; DeleteGroups), the internal topic
 * (created on first use, compacted, internal, offsets.topic.num.partitions),
 * and offsets and groups surviving SIGKILL.
 * One broker for the file; the steps run in order.
 */
import { assert, assertEquals } from "./support/storage_assert.ts";
import { BrokerProcess, brokerStep } from "./support/broker_process.ts";
import { createTopics, KafkaClient, uniqueName } from "./support/kafka_client.ts";
import { ErrorCode as E } from "../src/protocol/errors.ts";
import {
  createApiVersionsRequest,
  createDescribeConfigsRequest,
  createDescribeGroupsRequest,
  createFindCoordinatorRequest,
  createHeartbeatRequest,
  createJoinGroupRequest,
  createLeaveGroupRequest,
  createListGroupsRequest,
  createMetadataRequest,
  createOffsetCommitRequest,
  createOffsetDeleteRequest,
  createOffsetFetchRequest,
  createSyncGroupRequest,
  type JoinGroupResponse,
} from "../src/protocol/generated/mod.ts";
import { encodeAssignment, encodeSubscription } from "../src/coordinator/consumer_protocol.ts";
import { partitionForGroup } from "../src/coordinator/hash.ts";

Deno.test("group APIs at every version boundary, against a broker process", async (t) => {
  const broker = await BrokerProcess.start({
    overrides: { "group.initial.rebalance.delay.ms": "0", "offsets.topic.num.partitions": "5" },
  });
  let c = await KafkaClient.connect(broker.bootstrap);
  const topic = uniqueName("gp");
  const sub = encodeSubscription([topic]);
  const join = (version: number, body: Partial<ReturnType<typeof createJoinGroupRequest>>) =>
    c.request(11, version, {
      ...createJoinGroupRequest(),
      sessionTimeoutMs: 10_000,
      rebalanceTimeoutMs: 10_000,
      protocolType: "consumer",
      protocols: [{ name: "range", metadata: sub }],
      ...body,
    });
  const commit = (
    version: number,
    groupId: string,
    parts: [string, number, number][],
    extra: Partial<ReturnType<typeof createOffsetCommitRequest>> = {},
  ) =>
    c.request(8, version, {
      ...createOffsetCommitRequest(),
      groupId,
      topics: [...new Set(parts.map((p) => p[0]))].map((name) => ({
        name,
        partitions: parts.filter((p) => p[0] === name).map((
          [, partitionIndex, committedOffset],
        ) => ({
          partitionIndex,
          committedOffset,
          committedLeaderEpoch: -1,
          commitTimestamp: -1,
          committedMetadata: "md",
        })),
      })),
      ...extra,
    });
  const errors = (r: { topics: { partitions: { errorCode: number }[] }[] }) =>
    r.topics.flatMap((x) => x.partitions.map((p) => p.errorCode));
  const step = brokerStep(t, broker);

  try {
    await createTopics(c, [{ name: topic, partitions: 3 }]);

    await step("ApiVersions advertises every group API from v0 to Kafka 4.1's newest", async () => {
      const r = await c.request(18, 3, {
        ...createApiVersionsRequest(),
        clientSoftwareName: "t",
        clientSoftwareVersion: "1",
      });
      const got = Object.fromEntries(
        r.apiKeys.map((k) => [k.apiKey, `${k.minVersion}-${k.maxVersion}`]),
      );
      assertEquals(
        [8, 9, 10, 11, 12, 13, 14, 15, 16, 42, 47].map((k) => `${k}:${got[k]}`),
        [
          "8:0-9",
          "9:0-9",
          "10:0-6",
          "11:0-9",
          "12:0-4",
          "13:0-5",
          "14:0-5",
          "15:0-6",
          "16:0-5",
          "42:0-2",
          "47:0-0",
        ],
      );
    });

    await step(
      "ListGroups does not create __consumer_offsets; FindCoordinator v0 does",
      async () => {
        const l = await c.request(16, 0, createListGroupsRequest());
        assertEquals([l.errorCode, l.groups.length], [E.NONE, 0]);
        const meta = () => c.request(3, 1, { ...createMetadataRequest(), topics: null });
        assert(!(await meta()).topics.some((x) => x.name === "__consumer_offsets"));
        const f = await c.request(10, 0, { ...createFindCoordinatorRequest(), key: "g0" });
        assertEquals([f.errorCode, f.nodeId, `${f.host}:${f.port}`], [E.NONE, 1, broker.bootstrap]);
        const offsets = (await meta()).topics.find((x) => x.name === "__consumer_offsets")!;
        assertEquals([offsets.isInternal, offsets.partitions.length], [true, 5]);
        const cfg = await c.request(32, 1, {
          ...createDescribeConfigsRequest(),
          resources: [{
            resourceType: 2,
            resourceName: "__consumer_offsets",
            configurationKeys: ["cleanup.policy"],
          }],
        });
        assertEquals(cfg.results[0].configs.map((x) => x.value), ["compact"]);
      },
    );

    await step(
      "FindCoordinator v4+ batches keys; transactions and share groups get errors",
      async () => {
        const f = await c.request(10, 4, {
          ...createFindCoordinatorRequest(),
          coordinatorKeys: ["a", "b"],
        });
        assertEquals(f.coordinators.map((x) => [x.key, x.errorCode, x.nodeId, x.port]), [
          ["a", E.NONE, 1, broker.port],
          ["b", E.NONE, 1, broker.port],
        ]);
        const txn = await c.request(10, 1, {
          ...createFindCoordinatorRequest(),
          key: "tx",
          keyType: 1,
        });
        assertEquals([txn.errorCode, txn.nodeId], [E.COORDINATOR_NOT_AVAILABLE, -1]);
        const share = await c.request(10, 6, {
          ...createFindCoordinatorRequest(),
          keyType: 2,
          coordinatorKeys: ["s"],
        });
        assertEquals(share.coordinators[0].errorCode, E.INVALID_REQUEST);
      },
    );

    await step(
      "JoinGroup v0, SyncGroup v0, Heartbeat v0, DescribeGroups v0, LeaveGroup v0",
      async () => {
        const j = await join(0, { groupId: "g0" });
        assertEquals([j.errorCode, j.generationId, j.leader === j.memberId, j.protocolName], [
          E.NONE,
          1,
          true,
          "range",
        ]);
        assertEquals(j.members.map((m) => m.metadata), [sub]);
        const asg = encodeAssignment([{ topic, partitions: [0, 1, 2] }]);
        const s = await c.request(14, 0, {
          ...createSyncGroupRequest(),
          groupId: "g0",
          generationId: 1,
          memberId: j.memberId,
          assignments: [{ memberId: j.memberId, assignment: asg }],
        });
        assertEquals([s.errorCode, s.assignment], [E.NONE, asg]);
        const hb = (generationId: number) =>
          c.request(12, 0, {
            ...createHeartbeatRequest(),
            groupId: "g0",
            generationId,
            memberId: j.memberId,
          });
        assertEquals((await hb(1)).errorCode, E.NONE);
        assertEquals((await hb(7)).errorCode, E.ILLEGAL_GENERATION);
        const d = await c.request(15, 0, { ...createDescribeGroupsRequest(), groups: ["g0"] });
        const g = d.groups[0];
        assertEquals([g.errorCode, g.groupState, g.protocolType, g.protocolData], [
          E.NONE,
          "Stable",
          "consumer",
          "range",
        ]);
        assertEquals(g.members.map((m) => [m.memberId, m.clientHost, m.memberAssignment]), [[
          j.memberId,
          "/127.0.0.1",
          asg,
        ]]);
        const leave = () =>
          c.request(13, 0, { ...createLeaveGroupRequest(), groupId: "g0", memberId: j.memberId });
        assertEquals((await leave()).errorCode, E.NONE);
        assertEquals(
          (await leave()).errorCode,
          E.UNKNOWN_MEMBER_ID,
          "v0-2: the member's error is the top-level one",
        );
      },
    );

    await step(
      "JoinGroup v9: MEMBER_ID_REQUIRED, then v7+ fields; errors keep v<7 names non-null",
      async () => {
        const first = await join(9, { groupId: "g9" });
        assertEquals(first.errorCode, E.MEMBER_ID_REQUIRED);
        const j = await join(9, { groupId: "g9", memberId: first.memberId, reason: "test" });
        assertEquals([j.errorCode, j.protocolType, j.protocolName, j.skipAssignment], [
          E.NONE,
          "consumer",
          "range",
          false,
        ]);
        const bad: JoinGroupResponse = await join(6, { groupId: "g9", sessionTimeoutMs: 1 });
        assertEquals([bad.errorCode, bad.protocolName], [E.INVALID_SESSION_TIMEOUT, ""]);
        const sync = (protocolType: string | null, protocolName: string | null) =>
          c.request(14, 5, {
            ...createSyncGroupRequest(),
            groupId: "g9",
            generationId: j.generationId,
            memberId: j.memberId,
            protocolType,
            protocolName,
            assignments: [{
              memberId: j.memberId,
              assignment: encodeAssignment([{ topic, partitions: [0] }]),
            }],
          });
        assertEquals(
          (await sync(null, null)).errorCode,
          E.INCONSISTENT_GROUP_PROTOCOL,
          "v5 needs both names",
        );
        assertEquals(
          (await sync("consumer", "roundrobin")).errorCode,
          E.INCONSISTENT_GROUP_PROTOCOL,
        );
        const ok = await sync("consumer", "range");
        assertEquals([ok.errorCode, ok.protocolType, ok.protocolName], [
          E.NONE,
          "consumer",
          "range",
        ]);
        const member = await commit(8, "g9", [[topic, 0, 42]], {
          generationIdOrMemberEpoch: j.generationId,
          memberId: j.memberId,
        });
        assertEquals(errors(member), [E.NONE]);
      },
    );

    await step(
      "OffsetCommit: v0 simple commits, unknown topics, v2 retention, v9 GROUP_ID_NOT_FOUND",
      async () => {
        const r0 = await commit(0, "simple", [
          [topic, 0, 5],
          [topic, 1, 6],
          ["no-such-topic", 0, 1],
          [topic, 9, 1],
        ]);
        assertEquals(errors(r0), [
          E.NONE,
          E.NONE,
          E.UNKNOWN_TOPIC_OR_PARTITION,
          E.UNKNOWN_TOPIC_OR_PARTITION,
        ]);
        const r2 = await commit(2, "simple", [[topic, 2, 7]], { retentionTimeMs: 3_600_000 });
        assertEquals(errors(r2), [E.NONE]);
        const v8 = await commit(8, "missing", [[topic, 0, 1]], {
          generationIdOrMemberEpoch: 3,
          memberId: "m",
        });
        assertEquals(errors(v8), [E.ILLEGAL_GENERATION]);
        const v9 = await commit(9, "missing", [[topic, 0, 1]], {
          generationIdOrMemberEpoch: 3,
          memberId: "m",
        });
        assertEquals(errors(v9), [E.GROUP_ID_NOT_FOUND]);
        const member = await commit(7, "g9", [[topic, 1, 1]], {
          generationIdOrMemberEpoch: 1,
          memberId: "stranger",
        });
        assertEquals(errors(member), [E.UNKNOWN_MEMBER_ID]);
        assertEquals(errors(await commit(3, "", [[topic, 0, 1]])), [E.INVALID_GROUP_ID]);
      },
    );

    await step(
      "OffsetFetch: v0/v1 per-partition errors, v2 all topics, v5 epochs, v8 groups",
      async () => {
        const one = (
          version: number,
          groupId: string,
          topics: { name: string; partitionIndexes: number[] }[] | null,
        ) =>
          c.request(9, version, {
            ...createOffsetFetchRequest(),
            groupId,
            topics,
            requireStable: version >= 7,
          });
        const v0 = await one(0, "simple", [{ name: topic, partitionIndexes: [0, 1] }]);
        assertEquals(
          v0.topics[0].partitions.map((p) => [p.committedOffset, p.metadata, p.errorCode]),
          [
            [5, "md", E.NONE],
            [6, "md", E.NONE],
          ],
        );
        const bad = await one(1, "", [{ name: topic, partitionIndexes: [0] }]);
        assertEquals(bad.topics[0].partitions.map((p) => [p.committedOffset, p.errorCode]), [[
          -1,
          E.INVALID_GROUP_ID,
        ]]);
        const all = await one(2, "simple", null);
        assertEquals(
          all.topics.map((
            x,
          ) => [x.name, x.partitions.map((p) => [p.partitionIndex, p.committedOffset])]),
          [
            [topic, [[0, 5], [1, 6], [2, 7]]],
          ],
        );
        const v7 = await one(7, "g9", [{ name: topic, partitionIndexes: [0, 2] }]);
        assertEquals(
          v7.topics[0].partitions.map((p) => [p.committedOffset, p.committedLeaderEpoch]),
          [[42, -1], [-1, -1]],
        );
        const v8 = await c.request(9, 8, {
          ...createOffsetFetchRequest(),
          groups: [
            { groupId: "simple", memberId: null, memberEpoch: -1, topics: null },
            {
              groupId: "g9",
              memberId: null,
              memberEpoch: -1,
              topics: [{ name: topic, partitionIndexes: [0] }],
            },
            {
              groupId: "nobody",
              memberId: null,
              memberEpoch: -1,
              topics: [{ name: topic, partitionIndexes: [1] }],
            },
            { groupId: "", memberId: null, memberEpoch: -1, topics: null },
          ],
          requireStable: true,
        });
        assertEquals(
          v8.groups.map((g) => [
            g.groupId,
            g.errorCode,
            g.topics.flatMap((x) => x.partitions.map((p) => p.committedOffset)),
          ]),
          [["simple", E.NONE, [5, 6, 7]], ["g9", E.NONE, [42]], ["nobody", E.NONE, [-1]], [
            "",
            E.INVALID_GROUP_ID,
            [],
          ]],
        );
      },
    );

    await step(
      "ListGroups v4 state filter, v5 type filter; DescribeGroups v5 vs v6 for a missing group",
      async () => {
        const list = async (
          version: number,
          statesFilter: string[] = [],
          typesFilter: string[] = [],
        ) =>
          (await c.request(16, version, {
            ...createListGroupsRequest(),
            statesFilter,
            typesFilter,
          })).groups
            .map((g) => `${g.groupId}:${g.protocolType}:${g.groupState}:${g.groupType}`).sort();
        assertEquals(await list(5), [
          "g0:consumer:Empty:classic",
          "g9:consumer:Stable:classic",
          "simple::Empty:classic",
        ]);
        assertEquals(await list(4, ["STABLE"]), ["g9:consumer:Stable:"]);
        assertEquals(await list(5, [], ["consumer"]), []);
        assertEquals((await list(5, ["Empty"], ["Classic"])).length, 2);
        const describe = (version: number) =>
          c.request(15, version, {
            ...createDescribeGroupsRequest(),
            groups: ["gone"],
            includeAuthorizedOperations: true,
          });
        const v5 = (await describe(5)).groups[0];
        assertEquals([v5.errorCode, v5.groupState, v5.members.length], [E.NONE, "Dead", 0]);
        const v6 = (await describe(6)).groups[0];
        assertEquals([v6.errorCode, v6.groupState, v6.errorMessage], [
          E.GROUP_ID_NOT_FOUND,
          "Dead",
          "Group gone not found.",
        ]);
        const ops = (await c.request(15, 3, {
          ...createDescribeGroupsRequest(),
          groups: ["g9"],
          includeAuthorizedOperations: true,
        }))
          .groups[0].authorizedOperations;
        assertEquals(ops, (1 << 3) | (1 << 6) | (1 << 8));
      },
    );

    await step(
      "OffsetDelete: subscribed topics of a live group stay; an empty group's go",
      async () => {
        const del = (groupId: string, parts: [string, number][]) =>
          c.request(47, 0, {
            ...createOffsetDeleteRequest(),
            groupId,
            topics: [...new Set(parts.map((p) => p[0]))].map((name) => ({
              name,
              partitions: parts.filter((p) => p[0] === name).map(([, partitionIndex]) => ({
                partitionIndex,
              })),
            })),
          });
        const live = await del("g9", [[topic, 0]]);
        assertEquals([live.errorCode, errors(live)], [E.NONE, [E.GROUP_SUBSCRIBED_TO_TOPIC]]);
        const simple = await del("simple", [[topic, 2], ["no-such-topic", 0]]);
        assertEquals([simple.errorCode, errors(simple)], [E.NONE, [
          E.NONE,
          E.UNKNOWN_TOPIC_OR_PARTITION,
        ]]);
        assertEquals((await del("nobody", [[topic, 0]])).errorCode, E.GROUP_ID_NOT_FOUND);
      },
    );

    await step("DeleteGroups: NON_EMPTY_GROUP, NONE, GROUP_ID_NOT_FOUND", async () => {
      const r = await c.request(42, 2, { groupsNames: ["g9", "g0", "nobody", "g0"] });
      assertEquals(r.results.map((x) => [x.groupId, x.errorCode]), [
        ["g9", E.NON_EMPTY_GROUP],
        ["g0", E.NONE],
        ["nobody", E.GROUP_ID_NOT_FOUND],
      ]);
    });

    await step(
      "after SIGKILL: offsets and groups are loaded back from __consumer_offsets",
      async () => {
        await c.close();
        await broker.kill();
        await broker.startAgain();
        c = await KafkaClient.connect(broker.bootstrap);
        assert(broker.output().includes("group coordinator loaded"), "no load line");
        const f = await c.request(9, 2, {
          ...createOffsetFetchRequest(),
          groupId: "simple",
          topics: null,
        });
        assertEquals(f.topics[0].partitions.map((p) => [p.partitionIndex, p.committedOffset]), [[
          0,
          5,
        ], [1, 6]]);
        const l = await c.request(16, 4, createListGroupsRequest());
        assertEquals(l.groups.map((g) => `${g.groupId}:${g.groupState}`).sort(), [
          "g9:Stable",
          "simple:Empty",
        ]);
        assertEquals(partitionForGroup("g9", 5), partitionForGroup("g9", 5));
        const d = await c.request(15, 5, { ...createDescribeGroupsRequest(), groups: ["g0"] });
        assertEquals(d.groups[0].groupState, "Dead", "the deleted group stays deleted");
      },
    );
  } finally {
    await c.close();
    await broker.close();
  }
});
