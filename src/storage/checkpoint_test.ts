import { assert, assertEquals } from "../../tests/support/storage_assert.ts";
import {
  decodeEpochCheckpoint,
  decodeOffsetCheckpoint,
  encodeEpochCheckpoint,
  encodeOffsetCheckpoint,
  parsePartitionKey,
} from "./checkpoint.ts";
import { InvalidConfigError, NEVER, parseLogConfig } from "./config.ts";
import { LeaderEpochCache } from "./leader_epoch.ts";

Deno.test("offset checkpoints use Kafka's text format and reject damage", () => {
  const m = new Map([["orders-1", 42], ["a-b-0", 7]]);
  const bytes = encodeOffsetCheckpoint(m);
  assertEquals(new TextDecoder().decode(bytes), "0\n2\na-b 0 7\norders 1 42\n");
  assertEquals(decodeOffsetCheckpoint(bytes), m);
  assertEquals(
    decodeOffsetCheckpoint(new TextEncoder().encode("0\n2\nx 0 1\n")),
    null,
    "count mismatch",
  );
  assertEquals(decodeOffsetCheckpoint(new TextEncoder().encode("1\n0\n")), null, "unknown version");
  assertEquals(parsePartitionKey("my-topic-12"), { topic: "my-topic", partition: 12 });
  assertEquals(parsePartitionKey("meta.properties"), null);
});

Deno.test("leader epoch cache: assign, endOffsetFor, truncation both ways, checkpoint round trip", () => {
  const c = new LeaderEpochCache();
  assert(c.assign(1, 0));
  assert(!c.assign(1, 10), "same epoch again");
  assert(c.assign(3, 50));
  assert(!c.assign(2, 60), "older epoch");
  assertEquals(c.endOffsetFor(0, 100), { leaderEpoch: 0, endOffset: 0 }, "before the first epoch");
  assertEquals(c.endOffsetFor(1, 100), { leaderEpoch: 1, endOffset: 50 });
  assertEquals(c.endOffsetFor(2, 100), { leaderEpoch: 1, endOffset: 50 });
  assertEquals(c.endOffsetFor(3, 100), { leaderEpoch: 3, endOffset: 100 });
  assertEquals(c.endOffsetFor(4, 100), { leaderEpoch: -1, endOffset: -1 }, "above the latest");
  const back = new LeaderEpochCache(decodeEpochCheckpoint(encodeEpochCheckpoint(c.entries))!);
  assertEquals(back.entries, c.entries);
  c.truncateFromEnd(50);
  assertEquals(c.entries, [{ epoch: 1, startOffset: 0 }]);
  c.assign(4, 70);
  c.truncateFromStart(75);
  assertEquals(c.entries, [{ epoch: 4, startOffset: 75 }]);
});

Deno.test("log config: Kafka names, defaults, Long.MAX_VALUE as never, bad values rejected", () => {
  const c = parseLogConfig({
    "segment.bytes": "1048576",
    "cleanup.policy": "delete,compact",
    "flush.messages": "9223372036854775807",
    "retention.ms": "-1",
    "unknown.other.layer": "x",
  });
  assertEquals(c.segmentBytes, 1048576);
  assertEquals(c.cleanupPolicy, "compact,delete");
  assertEquals(c.flushMessages, NEVER);
  assertEquals(c.retentionMs, -1);
  assertEquals(c.indexIntervalBytes, 4096);
  let threw = false;
  try {
    parseLogConfig({ "segment.bytes": "12abc" });
  } catch (e) {
    threw = e instanceof InvalidConfigError;
  }
  assert(threw, "bad number rejected");
});
