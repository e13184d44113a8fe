/**
 * base: the bottom layer every other module may import. It holds what has no
 * better home and no dependencies: assertions and the limits module (every bound
 * the broker enforces, in one place, so operators and reviewers find them).
 *
 * Layering (an arrow permits an import):
 * base <- protocol <- storage <- {raft, metadata, replication, coordinator} <- server <- workers <- main
 */
export * from "./assert.ts";
export * from "./limits.ts";
