import { assertEquals, assertThrows } from "../../tests/support/raft_assert.ts";
import { DecodeError } from "../protocol/decode_error.ts";
import { ControlType } from "../protocol/records/control.ts";
import {
  buildSnapshot,
  controlTypeOf,
  dataBatch,
  fetchedBatches,
  joinRecords,
  leaderChangeBatch,
  leaderChangeValue,
  parseLeaderChangeValue,
  parseSnapshot,
} from "./records.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

Deno.test("snapshots are framed by header and footer control records and parse back", () => {
  const values = Array.from({ length: 1000 }, (_, i) => enc(`record-${i}`));
  const bytes = buildSnapshot({ endOffset: 1234, epoch: 7 }, values, 5);
  assertEquals(parseSnapshot(bytes).map(dec), values.map(dec));
  assertEquals(parseSnapshot(buildSnapshot({ endOffset: 1, epoch: 1 }, [], 5)), []);
  // Cut short, or a byte flipped: rejected.
  assertThrows(() => parseSnapshot(bytes.subarray(0, bytes.length - 3)));
  const bad = bytes.slice();
  bad[bad.length - 1] ^= 1;
  const e = assertThrows(() => parseSnapshot(bad));
  assertEquals(e instanceof DecodeError, true);
});

Deno.test("LeaderChange records carry the leader, voters and granting voters", () => {
  const v = parseLeaderChangeValue(leaderChangeValue(2, [1, 2, 3], [2, 3]));
  assertEquals(v, { leaderId: 2, voters: [1, 2, 3], granting: [2, 3] });
  const b = leaderChangeBatch(2, [1, 2, 3], [2, 3], 40, 6, 100);
  assertEquals([b.baseOffset, b.lastOffset, b.epoch], [40, 40, 6]);
  assertEquals(controlTypeOf(b.bytes), ControlType.LeaderChange);
  assertEquals(controlTypeOf(dataBatch([enc("x")], 0, 1, 0).bytes), -1);
});

Deno.test("fetched batches must be whole, contiguous and within the leader's epochs", () => {
  const a = dataBatch([enc("a"), enc("b")], 10, 3, 0);
  const b = dataBatch([enc("c")], 12, 4, 0);
  const both = joinRecords([a.bytes, b.bytes]);
  assertEquals(fetchedBatches(both, 10, 3, 4).map((x) => [x.baseOffset, x.lastOffset, x.epoch]), [
    [10, 11, 3],
    [12, 12, 4],
  ]);
  // A partial tail (cut at maxBytes) is left for the next fetch.
  assertEquals(fetchedBatches(both.subarray(0, both.length - 5), 10, 3, 4).length, 1);
  assertThrows(() => fetchedBatches(both, 9, 3, 4), "gap");
  assertThrows(() => fetchedBatches(both, 10, 3, 3), "epoch above the leader's");
  assertThrows(() => fetchedBatches(both, 10, 5, 5), "epoch going back");
  const corrupt = both.slice();
  corrupt[70] ^= 0xff;
  assertThrows(() => fetchedBatches(corrupt, 10, 3, 4), "crc");
});
