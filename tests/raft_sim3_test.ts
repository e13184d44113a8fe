/**
 * CI share of the Raft simulation: 3 voters (and an observer on odd seeds,
 * the Kafka codecs on every 8th). With tests/raft_sim5_test.ts, over 2,000
 * seeded runs. RAFT_SIM_SEED shifts the seed range; a longer run is
 * `deno task sim --seed N --runs K`.
 */
import { simSuite } from "./support/raft_sim_suite.ts";

simSuite(3, 1500);
