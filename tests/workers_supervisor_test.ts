/**
 * The supervisor never leaves a half-alive process: a worker that throws,
 * rejects, exits or closes itself is detected and reported (and in a real
 * process, the process exits non-zero with the reason in its log).
 */
import { Kind } from "../src/workers/contract.ts";
import type { ProbeInit } from "../src/workers/probe.ts";
import { ShardTable } from "../src/workers/shard_table.ts";
import { Supervisor, WORKER_FAILED_EXIT_CODE } from "../src/workers/supervisor.ts";
import { assert, assertEquals } from "./support/records_assert.ts";

const probeModule = new URL("../src/workers/probe_worker.ts", import.meta.url);
const quiet = { info: () => {}, warn: () => {}, error: () => {} };

function watched(stallMs = 10_000) {
  let resolveFatal!: (r: string) => void;
  const fatal = new Promise<string>((r) => (resolveFatal = r));
  const sup = new Supervisor({ logger: quiet, onFatal: resolveFatal, heartbeatMs: 50, stallMs });
  return { sup, fatal };
}

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

Deno.test("supervisor: healthy workers answer health pings, adopt a shard table, stop cleanly", async () => {
  const { sup, fatal } = watched();
  let failed = false;
  fatal.then(() => (failed = true));
  const hs = await sup.start<ProbeInit>({
    group: "probe",
    module: probeModule,
    count: 3,
    init: () => ({ task: { task: "idle" } }),
  });
  assertEquals(hs.map((h) => h.name), ["probe-0", "probe-1", "probe-2"]);
  const reports = await sup.health();
  assertEquals(reports.length, 3);
  for (const r of reports) {
    assertEquals(r.kind, Kind.HealthReport);
    assert(r.heapUsedBytes > 0, "a worker reports its heap");
  }
  await sup.publishShardTable(new ShardTable(3, 1));
  // Beats keep coming while idle: a quiet worker is not a dead one.
  await new Promise((r) => setTimeout(r, 300));
  await sup.stop(1000);
  assertEquals(failed, false);
  assertEquals(sup.failure, null);
});

for (const how of ["throw", "reject"] as const) {
  Deno.test(`supervisor: a worker that ${how}s at runtime is fatal, naming it`, async () => {
    const { sup, fatal } = watched();
    await sup.start<ProbeInit>({
      group: "shard",
      module: probeModule,
      count: 2,
      init: (i) => ({
        task: i === 1 ? { task: "fail", how, afterMs: 100 } : { task: "idle" },
      }),
    });
    const reason = await within(fatal, 5000, "fatal report");
    assert(reason.includes("shard-1"), reason);
    assert(reason.includes(`probe failure (${how})`), reason);
    assertEquals(sup.failure, reason);
    await sup.stop();
  });
}

for (const how of ["exit", "close"] as const) {
  Deno.test(`supervisor: a worker that ${how}s silently is caught by its heartbeat`, async () => {
    const { sup, fatal } = watched(400);
    await sup.start<ProbeInit>({
      group: "reactor",
      module: probeModule,
      count: 2,
      init: (i) => ({ task: i === 0 ? { task: "fail", how, afterMs: 100 } : { task: "idle" } }),
    });
    const reason = await within(fatal, 5000, "fatal report");
    assert(reason.includes("reactor-0") && reason.includes("not beaten"), reason);
    await sup.stop();
  });
}

Deno.test("supervisor: a worker failing during start fails the start", async () => {
  const { sup, fatal } = watched();
  let threw = false;
  try {
    await sup.start<ProbeInit>({
      group: "probe",
      module: new URL("data:text/javascript,throw new Error('cannot load')"),
      count: 1,
      init: () => ({ task: { task: "idle" } }),
    });
  } catch {
    threw = true;
  }
  assert(threw, "start rejects");
  assert((await fatal).includes("cannot load"), "the reason says why");
});

Deno.test("supervisor: in a real process, a crashing worker exits it non-zero, loudly", async () => {
  const supervisorUrl = new URL("../src/workers/supervisor.ts", import.meta.url).href;
  const code = `
    import { Supervisor } from ${JSON.stringify(supervisorUrl)};
    const sup = new Supervisor();
    await sup.start({
      group: "shard",
      module: ${JSON.stringify(probeModule.href)},
      count: 2,
      init: (i) => ({ task: i === 1 ? { task: "fail", how: "throw", afterMs: 100 } : { task: "idle" } }),
    });
    console.log("started");
    // Stays up (as a broker would) until the supervisor takes the process down.
    setInterval(() => {}, 1000);
  `;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--ext=ts", code],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  const stdout = new TextDecoder().decode(out.stdout);
  assertEquals(out.code, WORKER_FAILED_EXIT_CODE, stderr);
  assert(stdout.includes("started"), stdout);
  assert(/FATAL: worker shard-1 crashed: .*probe failure \(throw\)/.test(stderr), stderr);
});
