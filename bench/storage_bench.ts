/**
 * Storage benchmark: prints one JSON line.
 *
 * Appends batches of 1 KiB records (16 KiB and 1 MiB batches) to a real
 * PartitionLog on disk, with flushing off and in durable mode (producers each
 * await waitFlushed for their append before the next; 32 MiB in flight over
 * all of them, as many clients of a broker), and reads the log back from
 * disk. Each figure sits beside a raw baseline measured in the same run:
 * `writeSync` of the same bytes to a plain file, a bare group commit over a
 * plain file (one fdatasync at a time on a second handle) for durable mode,
 * and positional reads of the segment file in 1 MiB steps into one buffer.
 * Log reads are measured twice: into a fresh buffer per read (the default)
 * and into a caller's reused buffer (ReadOptions.into), like the baseline. Medians of REPS repetitions, modes interleaved
 * so page-cache writeback pressure hits them alike.
 *
 * Goals (issue 3): appends >= 80% of raw, durable >= 60% of non-durable.
 */
import { buildBatch } from "../src/protocol/records/batch.ts";
import { defaultLogConfig } from "../src/storage/config.ts";
import { LogManager } from "../src/storage/log_manager.ts";

const REPS = 5;
const BYTES_PER_RUN = 96 * 1024 * 1024;
const DURABLE_WINDOW_BYTES = 32 * 1024 * 1024;
const quiet = {
  info: () => {},
  warn: (m: string) => console.error(m),
  error: (m: string) => console.error(m),
};

function batchOf(records: number): Uint8Array {
  const value = new Uint8Array(1024);
  for (let i = 0; i < value.length; i++) value[i] = (i * 31) & 0xff;
  return buildBatch({
    records: Array.from({ length: records }, (_, i) => ({
      key: new TextEncoder().encode(`key-${i}`),
      value,
      timestamp: 1_700_000_000_000 + i,
    })),
    baseTimestamp: 1_700_000_000_000,
  });
}

/** A ring of copies: the log takes ownership of what it appends (it may cache it). */
function ring(batch: Uint8Array, totalBytes: number): Uint8Array[] {
  const n = Math.max(2, Math.min(64, Math.floor(totalBytes / batch.length)));
  return Array.from({ length: n }, () => batch.slice());
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const mbps = (bytes: number, ms: number) => bytes / (1024 * 1024) / (ms / 1000);

async function rawWrite(dir: string, batch: Uint8Array, count: number): Promise<number> {
  const path = `${dir}/raw.bin`;
  const f = await Deno.open(path, { write: true, create: true, append: true });
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    let done = 0;
    while (done < batch.length) done += f.writeSync(batch.subarray(done));
  }
  const ms = performance.now() - t0;
  f.close();
  await Deno.remove(path);
  return mbps(batch.length * count, ms);
}

/**
 * Raw group commit, the durable baseline: the same producers over a bare file,
 * writeSync appends and one fdatasync at a time on a second handle, waiters
 * resolved by byte position.
 */
async function rawDurable(dir: string, batch: Uint8Array, count: number): Promise<number> {
  const path = `${dir}/raw-durable.bin`;
  const w = await Deno.open(path, { write: true, create: true, append: true });
  const s = await Deno.open(path, { read: true });
  let written = 0;
  let syncing = false;
  const waiters: { pos: number; resolve: () => void }[] = [];
  const pump = () => {
    if (syncing || waiters.length === 0) return;
    syncing = true;
    const target = written;
    s.syncData().then(() => {
      syncing = false;
      while (waiters.length > 0 && waiters[0].pos <= target) waiters.shift()!.resolve();
      pump();
    });
  };
  const producers = Math.max(1, Math.floor(DURABLE_WINDOW_BYTES / batch.length));
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: producers }, async () => {
    while (next++ < count) {
      let done = 0;
      while (done < batch.length) done += w.writeSync(batch.subarray(done));
      written += batch.length;
      const pos = written;
      await new Promise<void>((resolve) => {
        waiters.push({ pos, resolve });
        pump();
      });
    }
  }));
  const ms = performance.now() - t0;
  w.close();
  s.close();
  await Deno.remove(path);
  return mbps(batch.length * count, ms);
}

async function rawRead(path: string): Promise<number> {
  const f = await Deno.open(path, { read: true });
  const size = (await f.stat()).size;
  const buf = new Uint8Array(1024 * 1024);
  const t0 = performance.now();
  let total = 0;
  for (let pos = 0; pos < size; pos += buf.length) {
    f.seekSync(pos, Deno.SeekMode.Start);
    total += f.readSync(buf) ?? 0;
  }
  const ms = performance.now() - t0;
  f.close();
  return mbps(total, ms);
}

async function logRun(
  dir: string,
  batch: Uint8Array,
  count: number,
  durable: boolean,
  withRead: boolean,
): Promise<{ append: number; read?: number; readInto?: number; rawRead?: number; syncs: number }> {
  const logDir = `${dir}/log-${crypto.randomUUID()}`;
  const m = await LogManager.open({
    logDirs: [logDir],
    logger: quiet,
    defaultConfig: defaultLogConfig,
  });
  const log = await m.getOrCreate("bench", 0);
  const buffers = ring(batch, count * batch.length);
  const t0 = performance.now();
  if (durable) {
    // Many producers, each awaiting its acknowledgement before its next append
    // (as clients of a broker do), DURABLE_WINDOW_BYTES in flight together.
    const producers = Math.max(1, Math.floor(DURABLE_WINDOW_BYTES / batch.length));
    let next = 0;
    await Promise.all(Array.from({ length: producers }, async () => {
      while (next < count) {
        const i = next++;
        const info = log.append(buffers[i % buffers.length]);
        await log.waitFlushed(info.lastOffset);
      }
    }));
  } else {
    for (let i = 0; i < count; i++) log.append(buffers[i % buffers.length]);
  }
  const ms = performance.now() - t0;
  const out: { append: number; read?: number; readInto?: number; rawRead?: number; syncs: number } =
    {
      append: mbps(batch.length * count, ms),
      syncs: log.flushCount,
    };
  if (withRead) {
    // Cold cache: reopen, then read everything through the log's disk path.
    await m.close();
    const m2 = await LogManager.open({ logDirs: [logDir], logger: quiet, cacheBytesMax: 0 });
    const again = m2.get("bench", 0)!;
    const end = again.logEndOffset;
    const readAll = (into?: Uint8Array) => {
      let offset = 0;
      let bytes = 0;
      const r0 = performance.now();
      while (offset < end) {
        const r = again.read(offset, 1024 * 1024, { into });
        bytes += r.sizeBytes;
        // Next batch after the last whole one returned.
        offset = lastWholeOffset(r.chunks[r.chunks.length - 1], r.firstOffset) + 1;
      }
      return mbps(bytes, performance.now() - r0);
    };
    out.read = readAll();
    out.readInto = readAll(new Uint8Array(2 * 1024 * 1024));
    const segment = `${logDir}/bench-0/${"0".padStart(20, "0")}.log`;
    out.rawRead = await rawRead(segment);
    await m2.close();
  } else {
    await m.close();
  }
  await Deno.remove(logDir, { recursive: true });
  return out;
}

/** Last offset of the last complete batch in `buf` (which starts with a batch at `first`). */
function lastWholeOffset(buf: Uint8Array, first: number): number {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let pos = 0;
  let last = first - 1;
  while (pos + 27 <= buf.length) {
    const size = dv.getInt32(pos + 8) + 12;
    if (pos + size > buf.length) break;
    last = Number(dv.getBigInt64(pos)) + dv.getInt32(pos + 23);
    pos += size;
  }
  return last;
}

async function measure(records: number) {
  const batch = batchOf(records);
  const count = Math.max(8, Math.floor(BYTES_PER_RUN / batch.length));
  const dir = await Deno.makeTempDir({ prefix: "runnel-bench-" });
  const raw: number[] = [];
  const plain: number[] = [];
  const durable: number[] = [];
  const rawDurables: number[] = [];
  const reads: number[] = [];
  const readIntos: number[] = [];
  const rawReads: number[] = [];
  let syncs = 0;
  try {
    // Warm-up (JIT, file system), not counted.
    await rawWrite(dir, batch, Math.min(count, 64));
    await logRun(dir, batch, Math.min(count, 64), false, false);
    for (let rep = 0; rep < REPS; rep++) {
      raw.push(await rawWrite(dir, batch, count));
      const p = await logRun(dir, batch, count, false, true);
      plain.push(p.append);
      reads.push(p.read!);
      readIntos.push(p.readInto!);
      rawReads.push(p.rawRead!);
      const d = await logRun(dir, batch, count, true, false);
      durable.push(d.append);
      syncs += d.syncs;
      rawDurables.push(await rawDurable(dir, batch, count));
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  const r = (x: number) => Math.round(x * 1000) / 1000;
  const rawM = median(raw);
  const plainM = median(plain);
  const durableM = median(durable);
  return {
    batchBytes: batch.length,
    appendMBps: Math.round(plainM),
    rawWriteMBps: Math.round(rawM),
    appendVsRaw: r(plainM / rawM),
    durableMBps: Math.round(durableM),
    durableVsAppend: r(durableM / plainM),
    rawDurableMBps: Math.round(median(rawDurables)),
    durableVsRawDurable: r(durableM / median(rawDurables)),
    durableSyncsPerRun: Math.round(syncs / REPS),
    readMBps: Math.round(median(reads)),
    rawReadMBps: Math.round(median(rawReads)),
    readVsRaw: r(median(reads) / median(rawReads)),
    readIntoMBps: Math.round(median(readIntos)),
    readIntoVsRaw: r(median(readIntos) / median(rawReads)),
  };
}

const t0 = performance.now();
const small = await measure(16);
const large = await measure(1024);
console.log(JSON.stringify({
  bench: "storage",
  recordBytes: 1024,
  mbPerRun: BYTES_PER_RUN / (1024 * 1024),
  reps: REPS,
  batch16KiB: small,
  batch1MiB: large,
  goals: { appendVsRaw: 0.8, durableVsAppend: 0.6 },
  seconds: Math.round((performance.now() - t0) / 100) / 10,
}));
