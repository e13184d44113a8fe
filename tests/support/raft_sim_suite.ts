/** Runs a seeded batch of simulations as one test and reports every failing seed. */
import { defaultShape, replayCommand, runBatch } from "./raft_sim.ts";

export function simSuite(voters: number, runs: number): void {
  const base = Number(Deno.env.get("RAFT_SIM_SEED") ?? 1);
  Deno.test(`raft simulation: ${runs} seeded runs of ${voters} voters (seeds ${base}..${base + runs - 1})`, () => {
    const shape = defaultShape(voters);
    const s = runBatch(base, runs, shape);
    console.log(JSON.stringify({
      voters,
      seeds: `${base}..${base + runs - 1}`,
      runs: s.runs,
      failures: s.failures.length,
      events: s.events,
      committed: s.committed,
      acked: s.acked,
      leaderChanges: s.leaderChanges,
      elections: s.elections,
      snapshots: s.snapshots,
      crashes: s.crashes,
      maxRecoveryMs: s.maxRecoveryMs,
      wallMs: s.wallMs,
    }));
    if (s.failures.length > 0) {
      const lines = s.failures.slice(0, 10).map((f) =>
        `seed ${f.seed}: ${f.error}\n  replay: ${replayCommand(f.seed, shape(f.seed))}`
      );
      throw new Error(`${s.failures.length} of ${s.runs} runs failed:\n${lines.join("\n")}`);
    }
  });
}
