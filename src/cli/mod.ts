/**
 * cli: command-line tools beside `runnel serve`. bench.ts is `runnel bench`,
 * the project's own load generator (produce, consume, end-to-end latency),
 * on a small pipelining client (bench_client.ts) built from our codecs.
 */
export { bench } from "./bench.ts";
