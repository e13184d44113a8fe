/** CI share of the Raft simulation: 5 voters (see tests/raft_sim3_test.ts). */
import { simSuite } from "./support/raft_sim_suite.ts";

simSuite(5, 1000);
