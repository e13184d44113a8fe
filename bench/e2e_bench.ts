/**
 * End-to-end benchmark (`deno task bench:e2e`): a broker started from source,
 * loaded by the project's own generator (`runnel bench`) and, where
 * ../shared/interop/build/rdkperf exists, by librdkafka's rdkperf against
 * Runnel and against the librdkafka mock cluster (an in-memory reference) in
 * the same invocation. Prints one JSON line: figures and Runnel/mock ratios.
 * BENCH_SCALE (default 1) scales the record counts.
 */
const root = new URL("..", import.meta.url).pathname;
const interop = new URL("../../shared/interop/", import.meta.url).pathname;
const rdkperf = `${interop}build/rdkperf`;
const mockBin = `${interop}build/mockcluster`;
const scale = Number(Deno.env.get("BENCH_SCALE") ?? 1);
const n100 = Math.round(1_000_000 * scale);
const n1k = Math.round(200_000 * scale);
const e2eCount = Math.round(100_000 * scale);
const nConsume = Math.round(150_000 * scale);

function exists(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

async function runJson(
  cmd: string,
  args: string[],
  allowIncomplete = false,
): Promise<Record<string, unknown>> {
  const out = await new Deno.Command(cmd, {
    args,
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(180_000),
  })
    .output();
  const text = new TextDecoder().decode(out.stdout).trim().split("\n").pop() ?? "";
  if (!out.success && !(allowIncomplete && text.startsWith("{"))) {
    throw new Error(
      `${cmd} ${args.join(" ")} failed: ${new TextDecoder().decode(out.stderr).slice(-500)}`,
    );
  }
  return JSON.parse(text);
}

interface StartedBroker {
  bootstrap: string;
  pid: number;
  /** Spawn to "Runnel started" (includes Deno's own start-up and module loading). */
  startMs: number;
  stop: () => Promise<void>;
}

/** CPU seconds (user + system) a process has used so far, from /proc. */
function cpuSeconds(pid: number): number {
  const fields = Deno.readTextFileSync(`/proc/${pid}/stat`).split(") ")[1].split(" ");
  // utime and stime are fields 14 and 15 of stat, i.e. 11 and 12 after the command name.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(Deno.readTextFileSync(`/proc/${pid}/status`));
  return m ? Math.round(Number(m[1]) / 102.4) / 10 : -1;
}

async function startBroker(): Promise<StartedBroker> {
  const dir = await Deno.makeTempDir({ prefix: "runnel-bench-" });
  const port = freePort();
  const p = new Deno.Command("deno", {
    args: [
      "run",
      "-A",
      `${root}src/main.ts`,
      "serve",
      "--override",
      `listeners=PLAINTEXT://127.0.0.1:${port}`,
      "--override",
      `log.dirs=${dir}`,
    ],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const spawnedAt = performance.now();
  const reader = p.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  const deadline = Date.now() + 20_000;
  while (!seen.includes("Runnel started")) {
    if (Date.now() > deadline) throw new Error(`broker did not start: ${seen}`);
    const { value, done } = await reader.read();
    if (done) throw new Error(`broker exited: ${seen}`);
    seen += value;
  }
  const startMs = Math.round(performance.now() - spawnedAt);
  (async () => {
    while (!(await reader.read()).done) { /* drain */ }
  })();
  return {
    bootstrap: `127.0.0.1:${port}`,
    pid: p.pid,
    startMs,
    stop: async () => {
      p.kill("SIGTERM");
      await p.status;
      await Deno.remove(dir, { recursive: true });
    },
  };
}

async function startMock(): Promise<{ bootstrap: string; stop: () => Promise<void> }> {
  const p = new Deno.Command(mockBin, { args: ["-b", "1"], stdout: "piped", stderr: "null" })
    .spawn();
  const reader = p.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const { value } = await reader.read();
  const bootstrap = (value ?? "").trim().split("\n")[0];
  return {
    bootstrap,
    stop: async () => {
      p.kill("SIGTERM");
      await p.status;
    },
  };
}

function runnelBench(mode: string, bootstrap: string, args: string[]) {
  return runJson("deno", [
    "run",
    "-A",
    `${root}src/main.ts`,
    "bench",
    mode,
    "-b",
    bootstrap,
    ...args,
  ]);
}

/** The same runs for Runnel and the mock. 4 partitions: the mock's auto-created topics have 4. */
async function rdkperfSuite(bootstrap: string, tag: string) {
  const t = `rdk-${tag}-${Date.now().toString(36)}`;
  const run = (args: string[], allowIncomplete = false) =>
    runJson(rdkperf, [...args, "-b", bootstrap, "-q"], allowIncomplete);
  const produce100 = await run([
    "-m",
    "produce",
    "-t",
    `${t}-100`,
    "-n",
    String(n100),
    "-s",
    "100",
    "-a",
    "1",
    "-P",
    "4",
  ]);
  const produce1k = await run([
    "-m",
    "produce",
    "-t",
    `${t}-1k`,
    "-n",
    String(n1k),
    "-s",
    "1024",
    "-a",
    "1",
    "-P",
    "4",
  ]);
  // The mock keeps only part of a large log (its consume run may end early, reported as
  // consumed < count), so consumption reads a topic of its own.
  await run([
    "-m",
    "produce",
    "-t",
    `${t}-c`,
    "-n",
    String(nConsume),
    "-s",
    "100",
    "-a",
    "1",
    "-P",
    "4",
  ]);
  const consume100 = await run(["-m", "consume", "-t", `${t}-c`, "-n", String(nConsume)], true);
  const e2e = await run([
    "-m",
    "e2e",
    "-n",
    String(Math.min(e2eCount, 40_000)),
    "-s",
    "1024",
    "-r",
    "20000",
  ]);
  const pick = (r: Record<string, unknown>) => ({
    msgsPerS: r.msgs_per_s,
    mbPerS: r.mb_per_s,
    ...(r.ok === false ? { incomplete: r.error } : {}),
  });
  return {
    produce100: pick(produce100),
    produce1k: pick(produce1k),
    consume100: pick(consume100),
    e2eLatencyUs: e2e.e2e_latency_us,
  };
}

const broker = await startBroker();
const result: Record<string, unknown> = { bench: "e2e", scale };
try {
  await new Promise((r) => setTimeout(r, 500));
  result.broker = { startToReadyMs: broker.startMs, idleRssMiB: rssMiB(broker.pid) };
  const cpuBefore = cpuSeconds(broker.pid);
  const t = `bench-${Date.now().toString(36)}`;
  const own: Record<string, unknown> = {};
  own.produce100Acks1 = await runnelBench("produce", broker.bootstrap, [
    "-t",
    t,
    "-n",
    String(n100),
    "-s",
    "100",
    "-a",
    "1",
  ]);
  own.produce100AcksAll = await runnelBench("produce", broker.bootstrap, [
    "-t",
    `${t}-all`,
    "-n",
    String(n100),
    "-s",
    "100",
    "--acks=-1",
  ]);
  own.produce1kAcks1 = await runnelBench("produce", broker.bootstrap, [
    "-t",
    `${t}-1k`,
    "-n",
    String(n1k),
    "-s",
    "1024",
    "-a",
    "1",
  ]);
  // Broker CPU per GB over the three produce runs above (record bytes, not frame bytes).
  const producedGB = (n100 * 100 * 2 + n1k * 1024) / 1e9;
  (result.broker as Record<string, unknown>).cpuSecondsPerGBProduced =
    Math.round(((cpuSeconds(broker.pid) - cpuBefore) / producedGB) * 100) / 100;
  own.consume100 = await runnelBench("consume", broker.bootstrap, ["-t", t, "-n", String(n100)]);
  own.consume1k = await runnelBench("consume", broker.bootstrap, [
    "-t",
    `${t}-1k`,
    "-n",
    String(n1k),
  ]);
  own.e2e1k = await runnelBench("e2e", broker.bootstrap, [
    "-n",
    String(e2eCount),
    "-s",
    "1024",
    "-r",
    "20000",
  ]);
  result.runnelBench = own;
  if (exists(rdkperf) && exists(mockBin)) {
    const onRunnel = await rdkperfSuite(broker.bootstrap, "runnel");
    const mock = await startMock();
    let onMock;
    try {
      onMock = await rdkperfSuite(mock.bootstrap, "mock");
    } finally {
      await mock.stop();
    }
    const ratio = (a: unknown, b: unknown) => Math.round((Number(a) / Number(b)) * 1000) / 1000;
    result.rdkperfRunnel = onRunnel;
    result.rdkperfMock = onMock;
    result.runnelToMock = {
      produce100: ratio(onRunnel.produce100.msgsPerS, onMock.produce100.msgsPerS),
      produce1k: ratio(onRunnel.produce1k.msgsPerS, onMock.produce1k.msgsPerS),
      consume100: ratio(onRunnel.consume100.msgsPerS, onMock.consume100.msgsPerS),
    };
  } else {
    result.rdkperf =
      "skipped: ../shared/interop/build/rdkperf or mockcluster not built (run ../shared/interop/setup.sh)";
  }
} finally {
  await broker.stop();
}
console.log(JSON.stringify(result));
