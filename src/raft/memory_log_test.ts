import { assertEquals, assertThrows } from "../../tests/support/raft_assert.ts";
import { MemoryRaftLog, MemorySnapshotStore } from "./memory_log.ts";
import { dataBatch } from "./records.ts";

const v = (s: string) => new TextEncoder().encode(s);

function logWith(epochs: number[][]): MemoryRaftLog {
  // epochs[i] = [epoch, records]: one batch each.
  const log = new MemoryRaftLog();
  for (const [epoch, n] of epochs) {
    log.append(dataBatch(Array.from({ length: n }, (_, i) => v(`r${i}`)), log.endOffset, epoch, 0));
  }
  return log;
}

Deno.test("memory log: append, read whole batches, epochs", () => {
  const log = logWith([[1, 2], [1, 3], [3, 1], [4, 2]]);
  assertEquals(log.endOffset, 8);
  assertEquals(log.lastEpoch, 4);
  assertEquals(log.read(3, 1).map((b) => b.baseOffset), [2]);
  assertEquals(log.read(2, 1 << 20).map((b) => b.baseOffset), [2, 5, 6]);
  assertEquals(log.read(8, 100), []);
  assertEquals(log.endOffsetForEpoch(1), { epoch: 1, endOffset: 5 });
  assertEquals(log.endOffsetForEpoch(2), { epoch: 1, endOffset: 5 });
  assertEquals(log.endOffsetForEpoch(3), { epoch: 3, endOffset: 6 });
  assertEquals(log.endOffsetForEpoch(9), { epoch: 4, endOffset: 8 });
  assertEquals(log.endOffsetForEpoch(0), { epoch: 0, endOffset: 0 });
  assertEquals(log.epochAt(5), 3);
  assertEquals(log.epochAt(8), -1);
  assertThrows(() => log.append(dataBatch([v("x")], 7, 4, 0)));
  assertThrows(() => log.append(dataBatch([v("x")], 8, 2, 0)));
});

Deno.test("memory log: truncation is batch aligned and rewinds the epoch cache", () => {
  const log = logWith([[1, 2], [2, 2], [2, 1], [5, 1]]);
  assertThrows(() => log.truncateTo(3));
  log.truncateTo(4);
  assertEquals(log.endOffset, 4);
  assertEquals(log.lastEpoch, 2);
  assertEquals(log.endOffsetForEpoch(5), { epoch: 2, endOffset: 4 });
  log.truncateTo(2);
  assertEquals(log.lastEpoch, 1);
  log.truncateTo(0);
  assertEquals(log.lastEpoch, 0);
  assertEquals(log.endOffset, 0);
});

Deno.test("memory log: deferred flush, crash loses the unflushed tail", () => {
  const log = new MemoryRaftLog("deferred");
  let requested = 0;
  log.onFlushRequested = () => requested++;
  log.append(dataBatch([v("a"), v("b")], 0, 1, 0));
  log.flush();
  log.append(dataBatch([v("c")], 2, 1, 0));
  log.flush();
  assertEquals(requested, 1);
  assertEquals(log.flushedOffset, 0);
  log.completeFlush();
  assertEquals(log.flushedOffset, 3);
  log.append(dataBatch([v("d")], 3, 1, 0));
  log.loseUnflushed();
  assertEquals(log.endOffset, 3);
});

Deno.test("memory log: prefix deletion keeps the epoch at the cut", () => {
  const log = logWith([[1, 2], [2, 2], [3, 2]]);
  log.deleteBefore(4, 2);
  assertEquals(log.startOffset, 4);
  assertEquals(log.startEpoch, 2);
  assertEquals(log.endOffsetForEpoch(2), { epoch: 2, endOffset: 4 });
  assertEquals(log.endOffsetForEpoch(3), { epoch: 3, endOffset: 6 });
  assertEquals(log.endOffsetForEpoch(1), null);
  assertEquals(log.bytePosition(4), 0);
  assertEquals(log.read(4, 1 << 20).length, 1);
  log.resetTo(10, 3);
  assertEquals([log.startOffset, log.endOffset, log.lastEpoch, log.flushedOffset], [10, 10, 3, 10]);
});

Deno.test("memory snapshot store keeps the newest few and reads chunks", () => {
  const s = new MemorySnapshotStore(2);
  s.write({ endOffset: 5, epoch: 1 }, v("aaaaa"));
  s.write({ endOffset: 9, epoch: 2 }, v("bbbbbbb"));
  s.write({ endOffset: 12, epoch: 2 }, v("cc"));
  assertEquals(s.latest(), { endOffset: 12, epoch: 2 });
  assertEquals(s.size({ endOffset: 5, epoch: 1 }), -1);
  assertEquals(new TextDecoder().decode(s.read({ endOffset: 9, epoch: 2 }, 2, 3)!), "bbb");
  assertEquals(s.read({ endOffset: 9, epoch: 2 }, 8, 3), null);
});
