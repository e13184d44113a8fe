/**
 * Child process of tests/storage_kill_test.ts. Usage:
 *   deno run -A tests/support/storage_kill_writer.ts <logDir> <ackedFile> <seed>
 * Opens (recovering) a log in <logDir> on the real filesystem, checks that
 * every batch listed in <ackedFile> ("base last crc" lines: acknowledged by
 * earlier runs) is readable and intact, prints "verified <n>", then appends
 * batches with durable acknowledgements and prints "ack <base> <last> <crc>"
 * for each once it is flushed, until it is killed.
 */
import { validateBatch } from "../../src/protocol/records/batch.ts";
import { BatchHeader } from "../../src/protocol/records/layout.ts";
import { defaultLogConfig } from "../../src/storage/config.ts";
import { LogManager } from "../../src/storage/log_manager.ts";
import { Rng } from "./rng.ts";
import { concat, makeBatch, readAll } from "./storage.ts";

const [logDir, ackedFile, seedArg] = Deno.args;
const enc = new TextEncoder();
const say = (line: string) => Deno.stdout.writeSync(enc.encode(line + "\n"));
const rng = new Rng(Number(seedArg));

const quiet = {
  info: () => {},
  warn: (m: string) => console.error(m),
  error: (m: string) => console.error(m),
};
const manager = await LogManager.open({
  logDirs: [logDir],
  logger: quiet,
  defaultConfig: { ...defaultLogConfig, segmentBytes: 48 * 1024, indexIntervalBytes: 1024 },
  checkpointIntervalMs: 15,
});
const log = await manager.getOrCreate("k", 0);

let acked: string[] = [];
try {
  acked = (await Deno.readTextFile(ackedFile)).split("\n").filter((l) => l.length > 0);
} catch (e) {
  if (!(e instanceof Deno.errors.NotFound)) throw e;
}
for (const line of acked) {
  const [base, last, crc] = line.split(" ").map(Number);
  const r = log.read(base, 1);
  const bytes = concat(r.chunks);
  const h = validateBatch(bytes, 0);
  if (h.baseOffset !== base || h.lastOffset !== last || h.crc !== crc) {
    say(`FAIL acknowledged batch ${line} read back as ${h.baseOffset} ${h.lastOffset} ${h.crc}`);
    Deno.exit(1);
  }
}
// Offsets contiguous and every stored batch valid.
let next = log.logStartOffset;
for (const b of readAll(log)) {
  validateBatch(b.bytes, 0);
  if (b.baseOffset !== next) {
    say(`FAIL gap: batch at ${b.baseOffset}, expected ${next}`);
    Deno.exit(1);
  }
  next = b.lastOffset + 1;
}
log.checkInvariants();
say(`verified ${acked.length} end ${log.logEndOffset}`);

manager.start(5);
let inFlight = 0;
for (;;) {
  if (inFlight >= 16) {
    await new Promise((r) => setTimeout(r, 1));
    continue;
  }
  const batch = makeBatch({ count: rng.intBetween(1, 20), valueBytes: rng.pick([10, 200, 1500]) });
  const crc = new BatchHeader(batch).crc;
  const info = log.append(batch);
  inFlight++;
  log.waitFlushed(info.lastOffset).then(() => {
    inFlight--;
    say(`ack ${info.firstOffset} ${info.lastOffset} ${crc}`);
  });
  if (rng.next() < 0.3) await new Promise((r) => setTimeout(r, 0));
}
