/**
 * Canaries: deliberately broken variants of the Raft core (defined in
 * tests/raft_sim.ts) that the simulation must catch. If one of these ever
 * passes, the simulation has gone blind to the bug it stands for.
 */
import { assert } from "./support/raft_assert.ts";
import { type Canary, replayCommand, runSim, type SimOptions } from "./support/raft_sim.ts";

function firstCaught(canary: Canary, voters: number, maxSeeds: number, outcomesOnly = false) {
  const shape = (seed: number): Omit<SimOptions, "seed"> => ({
    voters,
    observers: seed % 2,
    wire: false,
    cycles: 2,
    canary,
    outcomesOnly,
  });
  for (let seed = 1; seed <= maxSeeds; seed++) {
    const r = runSim({ seed, ...shape(seed) });
    if (!r.ok) {
      console.log(
        `${canary}${
          outcomesOnly ? " (outcome checks only)" : ""
        }: caught at seed ${seed}: ${r.error}`,
      );
      console.log(`  replay: ${replayCommand(seed, shape(seed))}`);
      return seed;
    }
  }
  return -1;
}

Deno.test("canary: committing without a majority is caught at once", () => {
  assert(firstCaught("commit-without-majority", 3, 5) > 0, "not caught in 5 seeds");
  assert(firstCaught("commit-without-majority", 5, 5) > 0, "not caught in 5 seeds (5 voters)");
});

Deno.test("canary: committing without a majority loses committed entries (outcome checks only)", () => {
  // Without the direct durability check, the damage itself must show: a
  // committed entry overwritten or an acknowledged record missing.
  assert(firstCaught("commit-without-majority", 3, 60, true) > 0, "not caught in 60 seeds");
});

Deno.test("canary: acknowledging unflushed entries is caught", () => {
  assert(firstCaught("ack-unflushed", 3, 20) > 0, "not caught in 20 seeds");
});

Deno.test("canary: a vote forgotten in a crash is caught as two leaders in one epoch", () => {
  // Rarer: needs two candidates in one epoch and a crash right after a vote.
  assert(firstCaught("unpersisted-vote", 3, 3000) > 0, "not caught in 3000 seeds");
});
