import { assert, assertEquals } from "../../tests/support/raft_assert.ts";
import { RaftQuorum } from "../raft/quorum.ts";
import { SeededRandom } from "../raft/random.ts";
import { dataBatch, forEachValue } from "../raft/records.ts";
import { defaultQuorumConfig } from "../raft/types.ts";
import { METADATA_LOG_DIR, openQuorumStores } from "./quorum_store.ts";

const enc = (s: string) => new TextEncoder().encode(s);

Deno.test("file log: reopens what was flushed and cuts a torn tail", () => {
  const dir = Deno.makeTempDirSync({ prefix: "runnel-qs-" });
  try {
    let s = openQuorumStores(dir);
    s.log.append(dataBatch([enc("a"), enc("b")], 0, 1, 0));
    s.log.append(dataBatch([enc("c")], 2, 2, 0));
    s.log.flush();
    assertEquals(s.log.flushedOffset, 3);
    s.log.close();
    // A torn write: half a batch at the end of the file.
    const path = `${dir}/${METADATA_LOG_DIR}/${"0".padStart(20, "0")}.log`;
    const half = dataBatch([enc("d")], 3, 2, 0).bytes.subarray(0, 30);
    Deno.writeFileSync(path, half, { append: true });
    s = openQuorumStores(dir);
    assertEquals([s.log.endOffset, s.log.lastEpoch, s.log.recoveredTailBytes], [3, 2, 30]);
    s.log.truncateTo(2);
    s.log.close();
    s = openQuorumStores(dir);
    assertEquals([s.log.endOffset, s.log.lastEpoch], [2, 1]);
    s.log.close();
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("file stores: quorum-state, snapshots and prefix deletion survive a reopen", () => {
  const dir = Deno.makeTempDirSync({ prefix: "runnel-qs-" });
  try {
    let s = openQuorumStores(dir);
    assertEquals(s.election.read(), null);
    s.election.write({ epoch: 4, votedId: 2, leaderId: -1 });
    for (let i = 0; i < 5; i++) s.log.append(dataBatch([enc(`v${i}`)], i, 4, 0));
    s.log.flush();
    s.snapshots.write({ endOffset: 3, epoch: 4 }, enc("snap-3"));
    s.log.deleteBefore(3, 4);
    s.log.close();
    s = openQuorumStores(dir);
    assertEquals(s.election.read(), { epoch: 4, votedId: 2, leaderId: -1 });
    assertEquals([s.log.startOffset, s.log.startEpoch, s.log.endOffset], [3, 4, 5]);
    assertEquals(s.snapshots.latest(), { endOffset: 3, epoch: 4 });
    assertEquals(
      new TextDecoder().decode(s.snapshots.read({ endOffset: 3, epoch: 4 }, 5, 10)!),
      "3",
    );
    s.snapshots.write({ endOffset: 4, epoch: 4 }, enc("x"));
    s.snapshots.write({ endOffset: 5, epoch: 4 }, enc("y"));
    assertEquals(s.snapshots.size({ endOffset: 3, epoch: 4 }), -1, "only the newest two kept");
    s.snapshots.write({ endOffset: 9, epoch: 5 }, enc("z"));
    s.log.resetTo(9, 5);
    s.log.close();
    s = openQuorumStores(dir);
    assertEquals([s.log.startOffset, s.log.endOffset], [9, 9]);
    s.log.close();
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("a one-voter quorum on files commits on its flush and keeps it across restarts", () => {
  const dir = Deno.makeTempDirSync({ prefix: "runnel-qs-" });
  try {
    const open = (now: number) => {
      const stores = openQuorumStores(dir);
      const q = new RaftQuorum(defaultQuorumConfig(1, [1]), {
        ...stores,
        random: new SeededRandom(1),
      }, now);
      q.poll(now);
      return { q, stores };
    };
    let { q, stores } = open(0);
    const r = q.append([enc("topic-a"), enc("topic-b")], 1);
    assert(r.ok);
    q.poll(1);
    assertEquals(q.appendStatus(r.epoch, r.lastOffset), "committed", "committed in the same poll");
    stores.log.close();
    ({ q, stores } = open(10));
    assertEquals([q.role, q.epoch], ["leader", 2]);
    const values: string[] = [];
    const c = q.nextCommitted(0);
    assert(c !== null && c.kind === "batches");
    for (const b of c.batches) {
      forEachValue(b.bytes, (v) => values.push(new TextDecoder().decode(v)));
    }
    assertEquals(values, ["topic-a", "topic-b"]);
    stores.log.close();
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
