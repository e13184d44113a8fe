/**
 * __consumer_offsets record layout (Kafka's keys and values, byte for byte),
 * group-to-partition hashing (Java's String.hashCode), the consumer protocol
 * subset, the deadline heap, and config parsing.
 */
import { assert, assertEquals, assertThrows } from "../../tests/support/storage_assert.ts";
import { Writer } from "../protocol/wire.ts";
import { GroupConfigError, groupCoordinatorConfig } from "./config.ts";
import {
  decodeAssignment,
  decodeSubscription,
  encodeAssignment,
  encodeSubscription,
} from "./consumer_protocol.ts";
import { javaStringHashCode, partitionForGroup } from "./hash.ts";
import {
  decodeGroupValue,
  decodeKey,
  decodeOffsetValue,
  encodeGroupKey,
  encodeGroupValue,
  encodeOffsetKey,
  encodeOffsetValue,
} from "./records.ts";
import { Timers } from "./timers.ts";

function bytes(build: (w: Writer) => void): Uint8Array {
  const w = new Writer();
  build(w);
  return w.finish();
}

Deno.test("offset commit key v1 and value v3/v1 match Kafka's layout", () => {
  assertEquals(
    encodeOffsetKey("g", "t", 7),
    new Uint8Array([0, 1, 0, 1, 0x67, 0, 1, 0x74, 0, 0, 0, 7]),
  );
  assertEquals(encodeGroupKey("ab"), new Uint8Array([0, 2, 0, 2, 0x61, 0x62]));
  const v3 = encodeOffsetValue({
    offset: 5,
    leaderEpoch: 2,
    metadata: "m",
    commitTimestamp: 1000,
    expireTimestamp: null,
  });
  assertEquals(
    v3,
    bytes((w) => {
      w.int16(3);
      w.int64(5);
      w.int32(2);
      w.string("m");
      w.int64(1000);
    }),
  );
  const v1 = encodeOffsetValue({
    offset: 5,
    leaderEpoch: 2,
    metadata: "",
    commitTimestamp: 1000,
    expireTimestamp: 9000,
  });
  assertEquals(
    v1,
    bytes((w) => {
      w.int16(1);
      w.int64(5);
      w.string("");
      w.int64(1000);
      w.int64(9000);
    }),
  );
  assertEquals(decodeOffsetValue(v1), {
    offset: 5,
    leaderEpoch: -1,
    metadata: "",
    commitTimestamp: 1000,
    expireTimestamp: 9000,
  });
});

Deno.test("every stored version Kafka writes decodes: keys v0-2, offset values v0-4, group values v0-4", () => {
  assertEquals(decodeKey(bytes((w) => (w.int16(0), w.string("g"), w.string("t"), w.int32(1)))), {
    type: "offset",
    group: "g",
    topic: "t",
    partition: 1,
  });
  assertEquals(
    decodeKey(bytes((w) => (w.int16(5), w.string("x")))),
    null,
    "KIP-848 keys are skipped",
  );
  for (const version of [0, 2]) {
    const v = decodeOffsetValue(
      bytes((w) => (w.int16(version), w.int64(9), w.string("md"), w.int64(77))),
    );
    assertEquals(v, {
      offset: 9,
      leaderEpoch: -1,
      metadata: "md",
      commitTimestamp: 77,
      expireTimestamp: null,
    });
  }
  const flex = decodeOffsetValue(bytes((w) => {
    w.int16(4);
    w.int64(9);
    w.int32(3);
    w.compactString("md");
    w.int64(77);
    w.uvarint(0);
  }));
  assertEquals(flex, {
    offset: 9,
    leaderEpoch: 3,
    metadata: "md",
    commitTimestamp: 77,
    expireTimestamp: null,
  });
  // GroupMetadataValue v0: no rebalance timeout (it takes the session timeout), no instance id.
  const v0 = decodeGroupValue(bytes((w) => {
    w.int16(0);
    w.string("consumer");
    w.int32(4);
    w.nullableString("range");
    w.nullableString("m1");
    w.int32(1);
    w.string("m1");
    w.string("cli");
    w.string("/h");
    w.int32(10_000);
    w.bytes(new Uint8Array([1]));
    w.bytes(new Uint8Array([2]));
  }));
  assertEquals(v0.members[0], {
    memberId: "m1",
    groupInstanceId: null,
    clientId: "cli",
    clientHost: "/h",
    rebalanceTimeoutMs: 10_000,
    sessionTimeoutMs: 10_000,
    subscription: new Uint8Array([1]),
    assignment: new Uint8Array([2]),
  });
  assertEquals([v0.generation, v0.protocol, v0.leader, v0.currentStateTimestamp], [
    4,
    "range",
    "m1",
    -1,
  ]);
  const value = {
    protocolType: "consumer",
    generation: 3,
    protocol: "range",
    leader: "m1",
    currentStateTimestamp: 123,
    members: [{
      memberId: "m1",
      groupInstanceId: "i1",
      clientId: "c",
      clientHost: "/h",
      rebalanceTimeoutMs: 30_000,
      sessionTimeoutMs: 10_000,
      subscription: new Uint8Array([1, 2]),
      assignment: new Uint8Array([3]),
    }],
  };
  assertEquals(decodeGroupValue(encodeGroupValue(value)), value);
  const v3 = encodeGroupValue(value);
  assertEquals(v3.subarray(0, 2), new Uint8Array([0, 3]), "written as v3");
  const v4 = bytes((w) => {
    w.int16(4);
    w.compactString("consumer");
    w.int32(3);
    w.compactNullableString("range");
    w.compactNullableString("m1");
    w.int64(123);
    w.uvarint(2);
    w.compactString("m1");
    w.compactNullableString("i1");
    w.compactString("c");
    w.compactString("/h");
    w.int32(30_000);
    w.int32(10_000);
    w.compactBytes(new Uint8Array([1, 2]));
    w.compactBytes(new Uint8Array([3]));
    w.uvarint(0);
    w.uvarint(0);
  });
  assertEquals(decodeGroupValue(v4), value);
});

Deno.test("group partition = abs(Java String.hashCode) % partitions, abs(MIN_VALUE) = 0", () => {
  assertEquals(javaStringHashCode(""), 0);
  assertEquals(javaStringHashCode("hello"), 99162322);
  assertEquals(javaStringHashCode("Aa"), javaStringHashCode("BB"));
  assertEquals(javaStringHashCode("\u00e4"), 228);
  assertEquals(javaStringHashCode("polygenelubricants"), -2147483648);
  assertEquals(partitionForGroup("polygenelubricants", 50), 0);
  // "console-consumer-1" hashes negative: the absolute value picks the partition.
  const h = javaStringHashCode("console-consumer-1");
  assertEquals(partitionForGroup("console-consumer-1", 50), Math.abs(h) % 50);
  assertEquals(partitionForGroup("hello", 50), 99162322 % 50);
});

Deno.test("consumer protocol: subscription topics and assignments round trip; newer versions parse", () => {
  assertEquals(decodeSubscription(encodeSubscription(["a", "b"])).topics, ["a", "b"]);
  // A v1 subscription (owned partitions appended) still yields its topics.
  const v1 = bytes((w) => {
    w.int16(1);
    w.int32(1);
    w.string("x");
    w.nullableBytes(null);
    w.int32(0);
  });
  assertEquals(decodeSubscription(v1).topics, ["x"]);
  const a = [{ topic: "t", partitions: [0, 2] }, { topic: "u", partitions: [1] }];
  assertEquals(decodeAssignment(encodeAssignment(a)), a);
  assertEquals(decodeAssignment(new Uint8Array(0)), []);
});

Deno.test("timers fire in deadline order, replaced and cancelled ones never", () => {
  const t = new Timers();
  const fired: string[] = [];
  t.set("a", 30, () => fired.push("a"));
  t.set("b", 10, () => fired.push("b"));
  t.set("c", 20, () => fired.push("c"));
  t.set("a", 5, () => fired.push("a2"));
  t.cancel("c");
  assertEquals(t.next(), 5);
  assertEquals(t.runDue(9), 1);
  assertEquals(fired, ["a2"]);
  t.set("d", 10, () => {
    fired.push("d");
    t.set("e", 10, () => fired.push("e"));
  });
  t.runDue(100);
  assertEquals(fired, ["a2", "b", "d", "e"]);
  assertEquals(t.next(), null);
  for (let i = 0; i < 1000; i++) t.set(`k${i % 10}`, 1000 - i, () => fired.push(`k${i}`));
  assertEquals(t.size, 10);
  assert(t.next() === 1, `next ${t.next()}`);
});

Deno.test("coordinator config: Kafka names and defaults, bad values refused", () => {
  const d = groupCoordinatorConfig(new Map());
  assertEquals(
    [
      d.offsetsTopicPartitions,
      d.groupInitialRebalanceDelayMs,
      d.groupMinSessionTimeoutMs,
      d.offsetsRetentionMs,
    ],
    [50, 3000, 6000, 7 * 24 * 3600 * 1000],
  );
  const c = groupCoordinatorConfig(
    new Map([["group.initial.rebalance.delay.ms", "0"], ["offsets.topic.num.partitions", "4"]]),
  );
  assertEquals([c.groupInitialRebalanceDelayMs, c.offsetsTopicPartitions], [0, 4]);
  assertThrows(() => groupCoordinatorConfig(new Map([["group.max.size", "0"]])), GroupConfigError);
  assertThrows(
    () => groupCoordinatorConfig(new Map([["group.max.session.timeout.ms", "10"]])),
    GroupConfigError,
  );
});
