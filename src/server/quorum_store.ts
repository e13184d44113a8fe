/**
 * File-backed storage of the metadata quorum, in Kafka's shape under the
 * metadata log directory:
 *
 *   <dir>/quorum-state                          election state (JSON), replaced atomically
 *   <dir>/__cluster_metadata-0/<start>.log      the log: v2 batches back to back, one file
 *   <dir>/__cluster_metadata-0/<end>-<epoch>.checkpoint   snapshots, written atomically
 *
 * Atomic replacement is write to a temporary file, fsync it, rename it over
 * the old name, fsync the directory. The log is appended in place (the page
 * cache) and fsync'd by flush(); truncation is fsync'd before it returns.
 * Dropping the prefix a snapshot covers rewrites the (small) log under its new
 * start offset. Recovery keeps the newest log file, validates it batch by
 * batch and cuts a torn tail. Calls are synchronous: the Raft core expects a
 * vote to be on disk when write() returns, and fsync of a metadata log is short.
 */
import { assert } from "../base/assert.ts";
import { batches, validateBatch } from "../protocol/records/mod.ts";
import { MemoryRaftLog } from "../raft/memory_log.ts";
import type {
  ElectionState,
  ElectionStore,
  LogBatch,
  RaftLog,
  SnapshotId,
  SnapshotStore,
} from "../raft/types.ts";

export const QUORUM_STATE_FILE = "quorum-state";
export const METADATA_LOG_DIR = "__cluster_metadata-0";

function pad(n: number, width: number): string {
  return String(n).padStart(width, "0");
}

function join(dir: string, name: string): string {
  return dir.endsWith("/") ? dir + name : `${dir}/${name}`;
}

function writeAll(file: Deno.FsFile, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.length) done += file.writeSync(bytes.subarray(done));
}

function fsyncDir(dir: string): void {
  const d = Deno.openSync(dir, { read: true });
  try {
    d.syncSync();
  } finally {
    d.close();
  }
}

/** tmp, fsync, rename, fsync dir: after a crash the file is either old or new, whole. */
export function writeFileAtomic(dir: string, name: string, bytes: Uint8Array): void {
  const tmp = join(dir, name + ".tmp");
  const f = Deno.openSync(tmp, { write: true, create: true, truncate: true });
  try {
    writeAll(f, bytes);
    f.syncSync();
  } finally {
    f.close();
  }
  Deno.renameSync(tmp, join(dir, name));
  fsyncDir(dir);
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

/** Kafka's quorum-state file. */
export class FileElectionStore implements ElectionStore {
  constructor(readonly dir: string) {}

  read(): ElectionState | null {
    const path = join(this.dir, QUORUM_STATE_FILE);
    if (!exists(path)) return null;
    const j = JSON.parse(new TextDecoder().decode(Deno.readFileSync(path)));
    const ok = Number.isInteger(j.leaderEpoch) && Number.isInteger(j.leaderId) &&
      Number.isInteger(j.votedId);
    if (!ok) throw new Error(`${path} is not a quorum-state file`);
    return { epoch: j.leaderEpoch, leaderId: j.leaderId, votedId: j.votedId };
  }

  write(s: ElectionState): void {
    const json = JSON.stringify({
      leaderId: s.leaderId,
      leaderEpoch: s.epoch,
      votedId: s.votedId,
      data_version: 0,
    });
    writeFileAtomic(this.dir, QUORUM_STATE_FILE, new TextEncoder().encode(json));
  }
}

const SNAPSHOT_RE = /^(\d{20})-(\d{10})\.checkpoint$/;

function snapshotName(id: SnapshotId): string {
  return `${pad(id.endOffset, 20)}-${pad(id.epoch, 10)}.checkpoint`;
}

/** Snapshot files; keeps the newest `retain` (a slow follower may still be fetching one). */
export class FileSnapshotStore implements SnapshotStore {
  private ids: SnapshotId[] = [];

  constructor(readonly dir: string, readonly retain = 2) {
    for (const e of Deno.readDirSync(dir)) {
      const m = SNAPSHOT_RE.exec(e.name);
      if (m) this.ids.push({ endOffset: Number(m[1]), epoch: Number(m[2]) });
      else if (e.name.endsWith(".checkpoint.tmp")) Deno.removeSync(join(dir, e.name));
    }
    this.ids.sort((a, b) => a.endOffset - b.endOffset);
    this.prune();
  }

  private prune(): void {
    while (this.ids.length > this.retain) {
      Deno.removeSync(join(this.dir, snapshotName(this.ids.shift()!)));
    }
  }

  /** Epoch of the stored snapshot ending at `endOffset`, or -1. */
  epochOf(endOffset: number): number {
    return this.ids.find((x) => x.endOffset === endOffset)?.epoch ?? -1;
  }

  private has(id: SnapshotId): boolean {
    return this.ids.some((x) => x.endOffset === id.endOffset && x.epoch === id.epoch);
  }

  latest(): SnapshotId | null {
    return this.ids.length === 0 ? null : this.ids[this.ids.length - 1];
  }

  size(id: SnapshotId): number {
    return this.has(id) ? Deno.statSync(join(this.dir, snapshotName(id))).size : -1;
  }

  read(id: SnapshotId, position: number, maxBytes: number): Uint8Array | null {
    if (!this.has(id)) return null;
    const f = Deno.openSync(join(this.dir, snapshotName(id)), { read: true });
    try {
      const size = f.statSync().size;
      if (position < 0 || position > size) return null;
      const out = new Uint8Array(Math.min(maxBytes, size - position));
      f.seekSync(position, Deno.SeekMode.Start);
      let done = 0;
      while (done < out.length) {
        const n = f.readSync(out.subarray(done));
        if (n === null) break;
        done += n;
      }
      return out.subarray(0, done);
    } finally {
      f.close();
    }
  }

  write(id: SnapshotId, bytes: Uint8Array): void {
    if (this.has(id)) return;
    writeFileAtomic(this.dir, snapshotName(id), bytes);
    this.ids.push(id);
    this.ids.sort((a, b) => a.endOffset - b.endOffset);
    this.prune();
  }
}

const LOG_RE = /^(\d{20})\.log$/;

/**
 * The metadata log in one segment file. The batches are also held in memory
 * (a MemoryRaftLog, which answers every read and epoch question): snapshots
 * keep the metadata log small.
 */
export class FileRaftLog implements RaftLog {
  private mem: MemoryRaftLog;
  private file: Deno.FsFile;
  private path: string;
  /** Appended since the last fsync. */
  private unflushed = false;
  /** Bytes cut from a torn tail at open (for the operator's log). */
  readonly recoveredTailBytes: number;

  constructor(readonly dir: string, snapshots: FileSnapshotStore) {
    let start = -1;
    const names: string[] = [];
    for (const e of Deno.readDirSync(dir)) {
      const m = LOG_RE.exec(e.name);
      if (m) {
        names.push(e.name);
        start = Math.max(start, Number(m[1]));
      } else if (e.name.endsWith(".log.tmp")) {
        Deno.removeSync(join(dir, e.name));
      }
    }
    // An older file left by a rewrite interrupted after its rename is superseded.
    for (const n of names) if (Number(LOG_RE.exec(n)![1]) !== start) Deno.removeSync(join(dir, n));
    if (start < 0) start = 0;
    this.path = join(dir, `${pad(start, 20)}.log`);
    let startEpoch = 0;
    if (start > 0) {
      const snap = snapshots.latest();
      assert(snap !== null && snap.endOffset >= start, `log starts at ${start} without a snapshot`);
      startEpoch = snapshots.epochOf(start);
      // Pruned already: a newer snapshot exists, which the core moves the log
      // start to at once; until then the first batch's epoch stands in.
      if (startEpoch < 0) startEpoch = this.firstEpochOr(this.path, snap.epoch);
    }
    this.file = Deno.openSync(this.path, { read: true, write: true, create: true });
    this.mem = new MemoryRaftLog("sync", start, startEpoch);
    const bytes = Deno.readFileSync(this.path);
    let valid = 0;
    try {
      for (const h of batches(bytes)) {
        validateBatch(bytes, h.pos);
        if (h.baseOffset !== this.mem.endOffset || h.partitionLeaderEpoch < this.mem.lastEpoch) {
          break;
        }
        this.mem.append({
          baseOffset: h.baseOffset,
          lastOffset: h.lastOffset,
          epoch: h.partitionLeaderEpoch,
          bytes: bytes.slice(h.pos, h.pos + h.sizeBytes),
        });
        valid = h.pos + h.sizeBytes;
      }
    } catch {
      // A torn or corrupt batch ends the log: everything from it on is cut below.
    }
    this.recoveredTailBytes = bytes.length - valid;
    if (valid < bytes.length) {
      this.file.truncateSync(valid);
      this.file.syncSync();
    }
    this.file.seekSync(0, Deno.SeekMode.End);
    // What survived in the file may still sit in the page cache only.
    this.file.syncDataSync();
    this.mem.flush();
  }

  private firstEpochOr(path: string, fallback: number): number {
    const bytes = Deno.readFileSync(path);
    for (const h of batches(bytes)) return Math.min(h.partitionLeaderEpoch, fallback);
    return fallback;
  }

  get startOffset(): number {
    return this.mem.startOffset;
  }
  get startEpoch(): number {
    return this.mem.startEpoch;
  }
  get endOffset(): number {
    return this.mem.endOffset;
  }
  get flushedOffset(): number {
    return this.mem.flushedOffset;
  }
  get lastEpoch(): number {
    return this.mem.lastEpoch;
  }

  append(batch: LogBatch): void {
    this.mem.append(batch);
    writeAll(this.file, batch.bytes);
    this.unflushed = true;
  }

  read(offset: number, maxBytes: number): LogBatch[] {
    return this.mem.read(offset, maxBytes);
  }

  flush(): void {
    if (this.unflushed) {
      this.file.syncDataSync();
      this.unflushed = false;
    }
    this.mem.flush();
  }

  truncateTo(offset: number): void {
    if (offset >= this.mem.endOffset) return;
    const pos = this.mem.bytePosition(offset);
    this.mem.truncateTo(offset);
    this.file.truncateSync(pos);
    this.file.syncSync();
    this.file.seekSync(0, Deno.SeekMode.End);
  }

  deleteBefore(offset: number, epoch: number): void {
    if (offset <= this.mem.startOffset) return;
    this.flush();
    this.mem.deleteBefore(offset, epoch);
    this.rewrite();
  }

  resetTo(offset: number, epoch: number): void {
    this.mem.resetTo(offset, epoch);
    this.unflushed = false;
    this.rewrite();
  }

  /** Writes the held batches as the file of the current start offset, then drops the old one. */
  private rewrite(): void {
    const name = `${pad(this.mem.startOffset, 20)}.log`;
    const all = this.mem.all();
    let n = 0;
    for (const b of all) n += b.bytes.length;
    const bytes = new Uint8Array(n);
    let p = 0;
    for (const b of all) {
      bytes.set(b.bytes, p);
      p += b.bytes.length;
    }
    const old = this.path;
    this.file.close();
    writeFileAtomic(this.dir, name, bytes);
    this.path = join(this.dir, name);
    if (old !== this.path) {
      Deno.removeSync(old);
      fsyncDir(this.dir);
    }
    this.file = Deno.openSync(this.path, { read: true, write: true });
    this.file.seekSync(0, Deno.SeekMode.End);
  }

  endOffsetForEpoch(epoch: number): { epoch: number; endOffset: number } | null {
    return this.mem.endOffsetForEpoch(epoch);
  }

  epochAt(offset: number): number {
    return this.mem.epochAt(offset);
  }

  close(): void {
    this.file.close();
  }
}

/** Opens (creating) the quorum's directory layout. */
export function openQuorumStores(
  dataDir: string,
): { election: FileElectionStore; snapshots: FileSnapshotStore; log: FileRaftLog } {
  const logDir = join(dataDir, METADATA_LOG_DIR);
  Deno.mkdirSync(logDir, { recursive: true });
  const election = new FileElectionStore(dataDir);
  const snapshots = new FileSnapshotStore(logDir);
  const log = new FileRaftLog(logDir, snapshots);
  return { election, snapshots, log };
}
