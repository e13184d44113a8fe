/**
 * A real broker process for end-to-end tests: `runnel serve` on a free
 * loopback port with a temporary log dir, started with `deno run -A
 * src/main.ts` and ready once it logs "Runnel started".
 *
 * - `stop()` sends SIGTERM and waits (bounded) for a clean exit; `kill()` sends
 *   SIGKILL; `restart()` starts it again on the same port and data dir.
 * - `close()` stops it if it still runs and removes the temp dir; use it in a
 *   `finally`. Every process still running is also killed when the test
 *   process exits (unload) or gets SIGINT/SIGTERM, and on Linux the broker
 *   gets SIGKILL from the kernel if the test process dies (setpriv
 *   --pdeathsig), so a failing or killed test leaves no orphan broker.
 * - Everything the broker prints (stdout and stderr) is kept: `output()`,
 *   and `describe()` for failure messages.
 */

const repoRoot = new URL("../../", import.meta.url);
const mainTs = new URL("src/main.ts", repoRoot).pathname;
const setpriv = "/usr/bin/setpriv";
const readyLine = "Runnel started";

export interface BrokerProcessOptions {
  /** Extra `--override key=value` properties (listeners and log.dirs are set here). */
  overrides?: Record<string, string>;
  /** Bound on start-up (until "Runnel started"), default 20 s. */
  startTimeoutMs?: number;
  /** The line that says the node is ready (default "Runnel started"). */
  readyLine?: string;
}

/** Every broker process not yet reaped, for the exit and signal safety nets. */
const live = new Set<Deno.ChildProcess>();
/** Temp dirs not yet removed. */
const liveDirs = new Set<string>();
let signalsHooked = false;

function killAllLive(): void {
  for (const c of live) {
    try {
      c.kill("SIGKILL");
    } catch {
      // already gone
    }
  }
  live.clear();
  for (const d of liveDirs) {
    try {
      Deno.removeSync(d, { recursive: true });
    } catch {
      // best effort
    }
  }
  liveDirs.clear();
}

const onSignal = () => {
  killAllLive();
  Deno.exit(130);
};

function track(child: Deno.ChildProcess): void {
  live.add(child);
  if (!signalsHooked) {
    signalsHooked = true;
    globalThis.addEventListener("unload", killAllLive);
    Deno.addSignalListener("SIGINT", onSignal);
    Deno.addSignalListener("SIGTERM", onSignal);
  }
}

function untrack(child: Deno.ChildProcess): void {
  live.delete(child);
  if (live.size === 0 && signalsHooked) {
    // Removed again so test sanitizers see no listener left behind.
    signalsHooked = false;
    globalThis.removeEventListener("unload", killAllLive);
    Deno.removeSignalListener("SIGINT", onSignal);
    Deno.removeSignalListener("SIGTERM", onSignal);
  }
}

/** A port nothing listens on right now (bind port 0, read it, close). */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0, transport: "tcp" });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

function hasSetpriv(): boolean {
  if (Deno.build.os !== "linux") return false;
  try {
    return Deno.statSync(setpriv).isFile;
  } catch {
    return false;
  }
}

class OutputSink {
  private readonly decoder = new TextDecoder();
  text = "";
  private waiters: (() => void)[] = [];

  append(bytes: Uint8Array): void {
    this.text += this.decoder.decode(bytes, { stream: true });
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Resolves at the next append. */
  changed(): Promise<void> {
    return new Promise((r) => this.waiters.push(r));
  }
}

export class BrokerProcess {
  readonly host = "127.0.0.1";
  private child: Deno.ChildProcess | null = null;
  private exited: Promise<Deno.CommandStatus> | null = null;
  private pumps: Promise<void>[] = [];
  private readonly out = new OutputSink();
  private starts = 0;
  private removed = false;

  private constructor(
    readonly port: number,
    /** Temp dir owned by this object (removed by close()). */
    readonly dir: string,
    public overrides: Readonly<Record<string, string>>,
    private readonly startTimeoutMs: number,
    private readonly readyLine: string,
  ) {}

  /** Starts a broker on a free port with a fresh temp data dir. */
  static async start(opts: BrokerProcessOptions = {}): Promise<BrokerProcess> {
    const dir = await Deno.makeTempDir({ prefix: "runnel-e2e-" });
    liveDirs.add(dir);
    const b = new BrokerProcess(
      freePort(),
      dir,
      { ...opts.overrides },
      opts.startTimeoutMs ?? 20_000,
      opts.readyLine ?? readyLine,
    );
    try {
      await b.launch();
    } catch (e) {
      await b.close();
      throw e;
    }
    return b;
  }

  /** "127.0.0.1:port" */
  get bootstrap(): string {
    return `${this.host}:${this.port}`;
  }

  get logDir(): string {
    return `${this.dir}/data`;
  }

  get running(): boolean {
    return this.child !== null;
  }

  /** Process id of the running broker (undefined when stopped). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Everything the broker printed so far, across restarts. */
  output(): string {
    return this.out.text;
  }

  /** The last `lines` lines of output, for assertion messages. */
  describe(lines = 40): string {
    const all = this.out.text.trimEnd().split("\n");
    return `broker ${this.bootstrap} (dir ${this.dir}), last output:\n  ${
      all.slice(-lines).join("\n  ")
    }`;
  }

  private args(): string[] {
    const props: Record<string, string> = {
      listeners: `PLAINTEXT://${this.host}:${this.port}`,
      "log.dirs": this.logDir,
      ...this.overrides,
    };
    const args = ["run", "-A", mainTs, "serve"];
    for (const [k, v] of Object.entries(props)) args.push("--override", `${k}=${v}`);
    return args;
  }

  private async launch(): Promise<void> {
    if (this.child) throw new Error("broker already running");
    const deno = Deno.execPath();
    // setpriv execs deno in place (same pid), with SIGKILL as its parent-death signal.
    const wrap = hasSetpriv();
    const start = this.out.text.length;
    this.starts++;
    this.out.append(new TextEncoder().encode(`--- start #${this.starts} ---\n`));
    const child = new Deno.Command(wrap ? setpriv : deno, {
      args: wrap ? ["--pdeathsig", "KILL", "--", deno, ...this.args()] : this.args(),
      cwd: repoRoot.pathname,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).spawn();
    this.child = child;
    track(child);
    this.pumps = [this.pump(child.stdout), this.pump(child.stderr)];
    this.exited = child.status;
    const deadline = Date.now() + this.startTimeoutMs;
    let exitedEarly: Deno.CommandStatus | null = null;
    const exitWatch = this.exited.then((s) => (exitedEarly = s));
    while (!this.out.text.slice(start).includes(this.readyLine)) {
      const left = deadline - Date.now();
      if (exitedEarly !== null || left <= 0) {
        const why = exitedEarly !== null
          ? `exited with code ${(exitedEarly as Deno.CommandStatus).code} before starting`
          : `did not log "${this.readyLine}" within ${this.startTimeoutMs} ms`;
        await this.kill().catch(() => {});
        throw new Error(`broker ${why}\n${this.describe()}`);
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        this.out.changed(),
        exitWatch,
        new Promise((r) => (timer = setTimeout(r, left))),
      ]);
      clearTimeout(timer);
    }
  }

  private async pump(stream: ReadableStream<Uint8Array>): Promise<void> {
    try {
      for await (const chunk of stream) this.out.append(chunk);
    } catch {
      // process gone
    }
  }

  /** Waits (bounded) for the process to exit, then drains its output. */
  private async reap(timeoutMs: number): Promise<Deno.CommandStatus | null> {
    const child = this.child;
    if (!child || !this.exited) return null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const status = await Promise.race([
      this.exited,
      new Promise<null>((r) => (timer = setTimeout(() => r(null), timeoutMs))),
    ]);
    clearTimeout(timer);
    if (status === null) return null;
    await Promise.all(this.pumps);
    this.child = null;
    this.exited = null;
    untrack(child);
    return status;
  }

  /**
   * SIGTERM and wait for a graceful exit (bounded). Resolves with the exit
   * status; if the broker has not exited in time it is killed and this throws.
   */
  async stop(timeoutMs = 10_000): Promise<Deno.CommandStatus> {
    const child = this.child;
    if (!child) throw new Error("broker is not running");
    try {
      child.kill("SIGTERM");
    } catch {
      // exited already
    }
    const status = await this.reap(timeoutMs);
    if (status === null) {
      await this.kill();
      throw new Error(`broker did not exit within ${timeoutMs} ms of SIGTERM\n${this.describe()}`);
    }
    return status;
  }

  /** SIGKILL, as a crash: no flush, no clean shutdown. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child) return;
    try {
      child.kill("SIGKILL");
    } catch {
      // exited already
    }
    if ((await this.reap(10_000)) === null) {
      throw new Error(`broker pid ${child.pid} survived SIGKILL for 10 s`);
    }
  }

  /**
   * Stops (SIGTERM) if running, then starts again on the same port and data
   * dir; `overrides`, if given, are merged into the ones it started with.
   */
  async restart(overrides?: Record<string, string>): Promise<void> {
    if (this.child) await this.stop();
    if (overrides) this.overrides = { ...this.overrides, ...overrides };
    await this.launch();
  }

  /** Starts again after stop()/kill() (same port and data dir). */
  async startAgain(): Promise<void> {
    await this.launch();
  }

  /** Kills the broker if it still runs and removes its temp dir. Never throws. */
  async close(): Promise<void> {
    try {
      if (this.child) await this.stop(5_000).catch(() => this.kill());
    } catch {
      // reported by the test that needed it
    }
    if (!this.removed) {
      this.removed = true;
      liveDirs.delete(this.dir);
      await Deno.remove(this.dir, { recursive: true }).catch(() => {});
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** A test step whose failure message carries the broker's recent output. */
export function brokerStep(
  t: Deno.TestContext,
  broker: BrokerProcess,
): (name: string, fn: () => Promise<void>) => Promise<boolean> {
  return (name, fn) =>
    t.step(name, async () => {
      try {
        await fn();
      } catch (e) {
        if (e instanceof Error) e.message += `\n${broker.describe(30)}`;
        throw e;
      }
    });
}
