/**
 * The metadata quorum as real processes: three `src/quorum_main.ts` nodes on
 * loopback with file-backed logs. While writers keep appending records, the
 * leader is killed with SIGKILL again and again (and restarted on its data
 * directory). Every acknowledged record must be in every node's committed
 * log at the end, and a new leader must be elected within a bound; the median
 * and max election times are printed.
 */
import { assert } from "./support/raft_assert.ts";

const KILLS = 8;
/** Election bound per kill, with the timeouts below (fetch timeout 300 ms). */
const ELECTION_MAX_MS = 5000;
const TEST_MAX_MS = 55_000;

interface NodeState {
  nodeId: number;
  role: string;
  epoch: number;
  leaderId: number;
  highWatermark: number;
  logEndOffset: number;
  applied: number;
  metrics: { leaderChanges: number; elections: number };
}

/**
 * A free port below Linux's ephemeral range (32768+), so that no outgoing
 * connection of the nodes can take it while its node is down between a kill
 * and the restart.
 */
const taken = new Set<number>();
function freePort(): number {
  for (;;) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    if (taken.has(port)) continue;
    taken.add(port);
    try {
      Deno.listen({ hostname: "127.0.0.1", port }).close();
      return port;
    } catch {
      // taken: try another
    }
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

class Cluster {
  readonly raftPorts = [freePort(), freePort(), freePort()];
  readonly adminPorts = [freePort(), freePort(), freePort()];
  readonly procs = new Map<number, Deno.ChildProcess>();

  constructor(readonly dir: string) {}

  get voters(): string {
    return this.raftPorts.map((p, i) => `${i + 1}@127.0.0.1:${p}`).join(",");
  }

  start(id: number): void {
    const cmd = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        new URL("../src/quorum_main.ts", import.meta.url).pathname,
        "--node-id",
        String(id),
        "--voters",
        this.voters,
        "--data-dir",
        `${this.dir}/node${id}`,
        "--client-port",
        String(this.adminPorts[id - 1]),
        "--election-timeout-ms",
        "150",
        "--election-backoff-max-ms",
        "100",
        "--fetch-timeout-ms",
        "300",
        "--request-timeout-ms",
        "200",
        "--fetch-max-wait-ms",
        "100",
        "--snapshot-every",
        "200",
      ],
      stdout: "null",
      stderr: "inherit",
    });
    this.procs.set(id, cmd.spawn());
  }

  async kill(id: number): Promise<void> {
    const p = this.procs.get(id);
    if (p === undefined) return;
    this.procs.delete(id);
    try {
      p.kill("SIGKILL");
    } catch {
      // already gone
    }
    await p.status;
  }

  async get<T>(id: number, path: string): Promise<T | null> {
    try {
      const r = await fetch(`http://127.0.0.1:${this.adminPorts[id - 1]}${path}`, {
        signal: AbortSignal.timeout(1000),
      });
      if (!r.ok) {
        await r.body?.cancel();
        return null;
      }
      return await r.json() as T;
    } catch {
      return null;
    }
  }

  async states(): Promise<Map<number, NodeState>> {
    const out = new Map<number, NodeState>();
    await Promise.all([...this.procs.keys()].map(async (id) => {
      const s = await this.get<NodeState>(id, "/state");
      if (s) out.set(id, s);
    }));
    return out;
  }

  /** The live leader with the highest epoch, or -1. */
  async leader(): Promise<{ id: number; epoch: number }> {
    let best = { id: -1, epoch: -1 };
    for (const [id, s] of await this.states()) {
      if (s.role === "leader" && s.epoch > best.epoch) best = { id, epoch: s.epoch };
    }
    return best;
  }
}

Deno.test({
  name: "real processes: kill -9 the leader repeatedly; acknowledged records survive",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const started = performance.now();
    const dir = await Deno.makeTempDir({ prefix: "runnel-raft-" });
    const c = new Cluster(dir);
    const acked = new Set<string>();
    let stop = false;
    let seq = 0;
    let attempts = 0;
    const writers: Promise<void>[] = [];
    try {
      for (const id of [1, 2, 3]) c.start(id);
      let leader = { id: -1, epoch: -1 };
      const bootDeadline = performance.now() + 20_000;
      while (leader.id < 0) {
        assert(performance.now() < bootDeadline, "no leader after start");
        await sleep(50);
        leader = await c.leader();
      }

      // Writers: each appends one record at a time to whoever leads.
      let target = leader.id;
      for (let w = 0; w < 4; w++) {
        writers.push((async () => {
          while (!stop) {
            const value = `r${++seq}`;
            attempts++;
            try {
              const r = await fetch(`http://127.0.0.1:${c.adminPorts[target - 1]}/append`, {
                method: "POST",
                body: value,
                signal: AbortSignal.timeout(3000),
              });
              const body = await r.json();
              if (r.status === 200) acked.add(value);
              else if (r.status === 421 && body.leaderId > 0) target = body.leaderId;
              else await sleep(20);
            } catch {
              await sleep(20);
              const l = await c.leader();
              if (l.id > 0) target = l.id;
            }
          }
        })());
      }

      const elections: number[] = [];
      for (let k = 0; k < KILLS; k++) {
        await sleep(400); // let records flow under this leader
        const old = await c.leader();
        assert(old.id > 0, `no leader before kill ${k + 1}`);
        const ackedBefore = acked.size;
        const t0 = performance.now();
        await c.kill(old.id);
        let next = { id: -1, epoch: -1 };
        while (next.id < 0 || next.epoch <= old.epoch) {
          assert(
            performance.now() - t0 < ELECTION_MAX_MS,
            `no new leader ${ELECTION_MAX_MS}ms after kill ${k + 1}`,
          );
          await sleep(5);
          next = await c.leader();
        }
        const ms = performance.now() - t0;
        elections.push(ms);
        console.log(
          `kill ${
            k + 1
          }: leader ${old.id} (epoch ${old.epoch}) -> ${next.id} (epoch ${next.epoch}) ` +
            `in ${ms.toFixed(0)} ms; ${ackedBefore} records acknowledged so far`,
        );
        // Restart the killed node on its data and wait until it follows again.
        c.start(old.id);
        const rejoin = performance.now();
        for (;;) {
          assert(performance.now() - rejoin < 15_000, `node ${old.id} did not rejoin`);
          const s = await c.get<NodeState>(old.id, "/state");
          if (s && s.role === "follower" && s.epoch >= next.epoch) break;
          await sleep(20);
        }
        assert(performance.now() - started < TEST_MAX_MS - 8000, "test running out of time");
      }

      stop = true;
      await Promise.all(writers);
      // Every node converges on one committed log that holds every acknowledged record.
      const deadline = performance.now() + 10_000;
      let logs: string[][] = [];
      for (;;) {
        const states = await c.states();
        const hwms = [...states.values()].map((s) => s.applied);
        if (states.size === 3 && new Set(hwms).size === 1) {
          logs = await Promise.all(
            [1, 2, 3].map(async (id) => (await c.get<string[]>(id, "/records")) ?? []),
          );
          if (logs.every((l) => l.length === logs[0].length)) break;
        }
        assert(performance.now() < deadline, "nodes did not converge");
        await sleep(50);
      }
      for (const [i, log] of logs.entries()) {
        const have = new Set(log);
        assert(have.size === log.length, `node ${i + 1} holds a record twice`);
        const missing = [...acked].filter((v) => !have.has(v));
        assert(
          missing.length === 0,
          `node ${i + 1} lost acknowledged records: ${missing.slice(0, 5)}`,
        );
        assert(JSON.stringify(log) === JSON.stringify(logs[0]), `node ${i + 1} diverges`);
      }
      const sorted = [...elections].sort((a, b) => a - b);
      const median = sorted[Math.floor(sorted.length / 2)];
      const max = sorted[sorted.length - 1];
      const states = await c.states();
      const changes = [...states.values()].map((s) => s.metrics.leaderChanges);
      console.log(JSON.stringify({
        kills: KILLS,
        electionMedianMs: Math.round(median),
        electionMaxMs: Math.round(max),
        acknowledged: acked.size,
        attempts,
        committed: logs[0].length,
        leaderChangesSeen: changes,
        testMs: Math.round(performance.now() - started),
      }));
      assert(acked.size > KILLS * 10, `only ${acked.size} records acknowledged`);
      assert(max < ELECTION_MAX_MS, "election too slow");
    } finally {
      stop = true;
      await Promise.allSettled(writers);
      for (const id of [...c.procs.keys()]) await c.kill(id);
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});
