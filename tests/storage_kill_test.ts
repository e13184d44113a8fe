/**
 * Real-process crash test: a writer process (tests/support/storage_kill_writer.ts)
 * appends to a log on the real filesystem with durable acknowledgements and
 * is killed with SIGKILL, again and again. Each restart first checks that
 * every batch acknowledged by earlier runs is readable and intact (and that
 * offsets are contiguous); at the end this process recovers the log itself
 * and checks the same. Seeded: prints the seed; replay with STORAGE_KILL_SEED.
 */
import { validateBatch } from "../src/protocol/records/batch.ts";
import { LogManager } from "../src/storage/log_manager.ts";
import { Rng, seedFromEnv } from "./support/rng.ts";
import { concat } from "./support/storage.ts";
import { assert, assertEquals } from "./support/storage_assert.ts";

const KILLS = 22;
const root = new URL("../", import.meta.url).pathname;
const writer = new URL("./support/storage_kill_writer.ts", import.meta.url).pathname;

/** Reads lines from a child's stdout as they come. */
async function* lines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const dec = new TextDecoder();
  let buf = "";
  for await (const chunk of stream) {
    buf += dec.decode(chunk, { stream: true });
    let i;
    while ((i = buf.indexOf("\n")) >= 0) {
      yield buf.slice(0, i);
      buf = buf.slice(i + 1);
    }
  }
}

Deno.test("SIGKILLed writer: every durably acknowledged batch survives each restart", async () => {
  const seed = seedFromEnv("STORAGE_KILL_SEED");
  console.log(`storage kill test seed: ${seed} (replay: STORAGE_KILL_SEED=${seed})`);
  const rng = new Rng(seed);
  const dir = await Deno.makeTempDir({ prefix: "runnel-kill-" });
  const logDir = `${dir}/data`;
  const ackedFile = `${dir}/acked.txt`;
  const acked: string[] = [];
  let verifiedRuns = 0;
  try {
    for (let kill = 0; kill < KILLS; kill++) {
      await Deno.writeTextFile(ackedFile, acked.join("\n") + "\n");
      const child = new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", writer, logDir, ackedFile, String(seed + kill)],
        cwd: root,
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const stderr = new Response(child.stderr).text();
      // Kill after a random number of acknowledgements (sometimes right after startup).
      const ackTarget = rng.next() < 0.2 ? 0 : rng.intBetween(1, 60);
      let acks = 0;
      let verified = "";
      let killed = false;
      const deadline = setTimeout(() => {
        killed = true;
        child.kill("SIGKILL");
      }, 10_000);
      try {
        for await (const line of lines(child.stdout)) {
          if (line.startsWith("FAIL")) throw new Error(`run ${kill}: ${line}`);
          if (line.startsWith("verified")) verified = line;
          if (line.startsWith("ack ")) {
            acked.push(line.slice(4));
            acks++;
          }
          if (verified && acks >= ackTarget && !killed) {
            killed = true;
            child.kill("SIGKILL");
          }
        }
      } finally {
        clearTimeout(deadline);
        if (!killed) child.kill("SIGKILL");
      }
      const status = await child.status;
      const err = await stderr;
      assert(verified !== "", `run ${kill} never verified (status ${status.code}): ${err}`);
      assertEquals(status.signal, "SIGKILL", `run ${kill} ended on its own: ${err}`);
      verifiedRuns++;
    }
    // Finally recover here and check every acknowledgement.
    const manager = await LogManager.open({
      logDirs: [logDir],
      logger: { info: () => {}, warn: () => {}, error: (m) => console.error(m) },
    });
    const log = manager.get("k", 0);
    assert(log !== undefined, "log missing after the last kill");
    log.checkInvariants();
    for (const line of acked) {
      const [base, last, crc] = line.split(" ").map(Number);
      const h = validateBatch(concat(log.read(base, 1).chunks), 0);
      assertEquals([h.baseOffset, h.lastOffset, h.crc], [base, last, crc], `acknowledged ${line}`);
    }
    await manager.close();
    assert(verifiedRuns >= 20, `${verifiedRuns} restarts`);
    assert(acked.length > 50, `only ${acked.length} acknowledgements`);
    console.log(`${KILLS} kills, ${acked.length} acknowledged batches verified`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
