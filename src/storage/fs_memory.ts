/**
 * An in-memory file layer that models what survives a crash, for tests.
 *
 * Model (close to ext4 with data=ordered, slightly more hostile):
 * - File contents: every write/truncate is pending until a sync of that file;
 *   a sync covers the operations issued before it was called.
 * - Names: creates, renames and removals go into one ordered journal; any
 *   syncDir commits the journal up to the call (as a directory fsync commits
 *   the whole ext4 journal). A file fsync does not commit its name.
 * - crash() builds the filesystem a reboot would see: a random prefix of the
 *   pending journal is kept and, per file, a random prefix of its pending
 *   writes, where the last kept write may be torn and kept-but-unsynced bytes
 *   may have flipped bits. Synced data and committed names are always intact.
 * - failPath(prefix) makes every operation under prefix throw an "io" FsError
 *   (EIO), including operations on files already open there.
 */
import { type DirEntry, dirName, FsError, type FsLayer, type LogFile } from "./fs.ts";

/** A growable byte buffer. */
class Bytes {
  buf = new Uint8Array(64);
  len = 0;

  view(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }

  writeAt(pos: number, data: Uint8Array): void {
    const end = pos + data.length;
    if (end > this.buf.length) {
      const next = new Uint8Array(Math.max(end, this.buf.length * 2));
      next.set(this.buf.subarray(0, this.len));
      this.buf = next;
    }
    if (pos > this.len) this.buf.fill(0, this.len, pos);
    this.buf.set(data, pos);
    if (end > this.len) this.len = end;
  }

  truncate(size: number): void {
    if (size < this.len) this.len = size;
    else if (size > this.len) this.writeAt(this.len, new Uint8Array(size - this.len));
  }

  clone(): Bytes {
    const b = new Bytes();
    b.writeAt(0, this.view());
    return b;
  }
}

type DataOp = { kind: "write"; pos: number; data: Uint8Array } | { kind: "truncate"; size: number };

class Inode {
  live = new Bytes();
  durable = new Bytes();
  pending: DataOp[] = [];
}

type Node = Inode | "dir";

type NameOp =
  | { kind: "link"; path: string; node: Node }
  | { kind: "unlink"; path: string }
  | { kind: "rename"; from: string; to: string };

/** Chooses what a crash keeps; defaults draw from a seeded random source. */
export interface CrashOptions {
  /** Uniform [0, 1) source (seeded in tests). */
  random: () => number;
  /** Probability that pending writes of a file survive at all (default 0.5). */
  keepPendingProbability?: number;
  /** Probability that the last kept write is torn (default 0.5). */
  tearProbability?: number;
  /** Probability that a file's kept unsynced bytes get one flipped bit (default 0.3). */
  flipProbability?: number;
}

export interface MemFsStats {
  fileSyncs: number;
  dirSyncs: number;
}

function applyOp(b: Bytes, op: DataOp): void {
  if (op.kind === "write") b.writeAt(op.pos, op.data);
  else b.truncate(op.size);
}

function ioError(op: string, path: string, why: string): FsError {
  return new FsError("io", op, path, why);
}

class MemLogFile implements LogFile {
  #closed = false;
  constructor(readonly fs: MemFs, readonly path: string, readonly inode: Inode) {}

  get sizeBytes(): number {
    return this.inode.live.len;
  }

  #check(op: string): void {
    if (this.#closed) throw ioError(op, this.path, "file is closed");
    this.fs.checkPath(op, this.path);
  }

  append(data: Uint8Array): void {
    this.#check("write");
    const op: DataOp = { kind: "write", pos: this.inode.live.len, data: data.slice() };
    applyOp(this.inode.live, op);
    this.inode.pending.push(op);
  }

  readAt(pos: number, dst: Uint8Array): number {
    this.#check("read");
    const live = this.inode.live;
    const n = Math.max(0, Math.min(dst.length, live.len - pos));
    dst.set(live.buf.subarray(pos, pos + n));
    return n;
  }

  truncate(sizeBytes: number): void {
    this.#check("truncate");
    const op: DataOp = { kind: "truncate", size: sizeBytes };
    applyOp(this.inode.live, op);
    this.inode.pending.push(op);
  }

  async sync(): Promise<void> {
    // A close during an in-flight sync must not fail the sync, as on Deno.
    if (this.#closed) return;
    this.fs.checkPath("fdatasync", this.path);
    await this.fs.syncInode(this.inode, this.path);
  }

  close(): void {
    this.#closed = true;
  }
}

export class MemFs implements FsLayer {
  #live = new Map<string, Node>();
  #durable = new Map<string, Node>();
  #journal: NameOp[] = [];
  #failed: string[] = [];
  #crashed = false;
  readonly stats: MemFsStats = { fileSyncs: 0, dirSyncs: 0 };
  /** Extra wait per sync, to let appends race with it (0 = one macrotask turn skipped). */
  syncDelayMs = -1;

  constructor() {
    this.#live.set("/", "dir");
    this.#durable.set("/", "dir");
  }

  /** Makes every operation on `prefix` and below throw EIO from now on. */
  failPath(prefix: string): void {
    this.#failed.push(prefix.replace(/\/$/, ""));
  }

  checkPath(op: string, path: string): void {
    if (this.#crashed) throw ioError(op, path, "filesystem instance was crashed");
    for (const f of this.#failed) {
      if (path === f || path.startsWith(f + "/")) throw ioError(op, path, "EIO (injected)");
    }
  }

  async #delay(): Promise<void> {
    if (this.syncDelayMs < 0) await Promise.resolve();
    else await new Promise((r) => setTimeout(r, this.syncDelayMs));
  }

  async syncInode(inode: Inode, path: string): Promise<void> {
    const count = inode.pending.length;
    this.stats.fileSyncs++;
    await this.#delay();
    this.checkPath("fdatasync", path);
    const done = inode.pending.splice(0, count);
    for (const op of done) applyOp(inode.durable, op);
  }

  #node(op: string, path: string): Node {
    this.checkPath(op, path);
    const n = this.#live.get(path);
    if (n === undefined) throw new FsError("not_found", op, path, "no such file or directory");
    return n;
  }

  #file(op: string, path: string): Inode {
    const n = this.#node(op, path);
    if (n === "dir") throw ioError(op, path, "is a directory");
    return n;
  }

  #parentMustExist(op: string, path: string): void {
    const parent = dirName(path);
    if (this.#live.get(parent) !== "dir") {
      throw new FsError("not_found", op, path, "parent directory does not exist");
    }
  }

  #link(path: string, node: Node): void {
    this.#live.set(path, node);
    this.#journal.push({ kind: "link", path, node });
  }

  open(path: string, opts: { create: boolean }): LogFile {
    this.checkPath("open", path);
    let n = this.#live.get(path);
    if (n === undefined) {
      if (!opts.create) throw new FsError("not_found", "open", path, "no such file");
      this.#parentMustExist("open", path);
      n = new Inode();
      this.#link(path, n);
    }
    if (n === "dir") throw ioError("open", path, "is a directory");
    return new MemLogFile(this, path, n);
  }

  readFile(path: string): Uint8Array {
    return this.#file("readFile", path).live.view().slice();
  }

  writeFile(path: string, data: Uint8Array): void {
    this.checkPath("writeFile", path);
    this.#parentMustExist("writeFile", path);
    // Like O_TRUNC on a new inode: replacing contents is itself unsynced.
    const n = this.#live.get(path);
    let inode: Inode;
    if (n instanceof Inode) {
      inode = n;
    } else {
      inode = new Inode();
      this.#link(path, inode);
    }
    const ops: DataOp[] = [{ kind: "truncate", size: 0 }, {
      kind: "write",
      pos: 0,
      data: data.slice(),
    }];
    for (const op of ops) {
      applyOp(inode.live, op);
      inode.pending.push(op);
    }
  }

  async syncFile(path: string): Promise<void> {
    await this.syncInode(this.#file("fsync", path), path);
  }

  rename(from: string, to: string): void {
    const n = this.#node("rename", from);
    this.checkPath("rename", to);
    this.#parentMustExist("rename", to);
    if (n === "dir") {
      // Move the subtree: rename of a partition directory (deletion).
      for (const [p, child] of [...this.#live]) {
        if (p.startsWith(from + "/")) {
          this.#live.delete(p);
          this.#live.set(to + p.slice(from.length), child);
        }
      }
    }
    this.#live.delete(from);
    this.#live.set(to, n);
    this.#journal.push({ kind: "rename", from, to });
  }

  removeSync(path: string): void {
    const n = this.#node("remove", path);
    if (n === "dir") {
      for (const p of this.#live.keys()) {
        if (p.startsWith(path + "/")) throw ioError("remove", path, "directory not empty");
      }
    }
    this.#live.delete(path);
    this.#journal.push({ kind: "unlink", path });
  }

  async remove(path: string, opts?: { recursive?: boolean }): Promise<void> {
    await Promise.resolve();
    this.checkPath("remove", path);
    if (!this.#live.has(path)) return;
    if (opts?.recursive) {
      for (const p of [...this.#live.keys()].sort().reverse()) {
        if (p.startsWith(path + "/")) {
          this.#live.delete(p);
          this.#journal.push({ kind: "unlink", path: p });
        }
      }
    }
    this.removeSync(path);
  }

  mkdirp(path: string): void {
    this.checkPath("mkdir", path);
    const parts = path.split("/").filter((p) => p.length > 0);
    let cur = "";
    for (const part of parts) {
      cur += "/" + part;
      const n = this.#live.get(cur);
      if (n === undefined) this.#link(cur, "dir");
      else if (n !== "dir") throw ioError("mkdir", cur, "not a directory");
    }
  }

  listDir(path: string): DirEntry[] {
    if (this.#node("readDir", path) !== "dir") throw ioError("readDir", path, "not a directory");
    const prefix = path === "/" ? "/" : path + "/";
    const out: DirEntry[] = [];
    for (const [p, n] of this.#live) {
      if (
        p.startsWith(prefix) && p.length > prefix.length && !p.slice(prefix.length).includes("/")
      ) {
        out.push({ name: p.slice(prefix.length), isDirectory: n === "dir" });
      }
    }
    return out;
  }

  exists(path: string): boolean {
    this.checkPath("stat", path);
    return this.#live.has(path);
  }

  async syncDir(path: string): Promise<void> {
    this.#node("fsync", path);
    const count = this.#journal.length;
    this.stats.dirSyncs++;
    await this.#delay();
    this.checkPath("fsync", path);
    for (const op of this.#journal.splice(0, count)) this.#commit(this.#durable, op);
  }

  #commit(names: Map<string, Node>, op: NameOp): void {
    if (op.kind === "link") {
      names.set(op.path, op.node);
    } else if (op.kind === "unlink") {
      names.delete(op.path);
    } else {
      const n = names.get(op.from);
      if (n === undefined) return;
      if (n === "dir") {
        for (const [p, child] of [...names]) {
          if (p.startsWith(op.from + "/")) {
            names.delete(p);
            names.set(op.to + p.slice(op.from.length), child);
          }
        }
      }
      names.delete(op.from);
      names.set(op.to, n);
    }
  }

  /** Paths of all files (not directories), for test assertions. */
  files(): string[] {
    return [...this.#live].filter(([, n]) => n !== "dir").map(([p]) => p).sort();
  }

  /**
   * The filesystem a reboot after a crash right now would find. This instance
   * becomes unusable (every later call throws), like the dead process's handles.
   */
  crash(opts: CrashOptions): MemFs {
    const rnd = opts.random;
    const keepP = opts.keepPendingProbability ?? 0.5;
    const tearP = opts.tearProbability ?? 0.5;
    const flipP = opts.flipProbability ?? 0.3;
    const names = new Map(this.#durable);
    const keptJournal = Math.floor(rnd() * (this.#journal.length + 1));
    for (const op of this.#journal.slice(0, keptJournal)) this.#commit(names, op);

    const next = new MemFs();
    const rebuilt = new Map<Inode, Inode>();
    for (const [path, n] of names) {
      if (n === "dir") {
        next.#live.set(path, "dir");
        next.#durable.set(path, "dir");
        continue;
      }
      let inode = rebuilt.get(n);
      if (inode === undefined) {
        inode = crashInode(n, rnd, keepP, tearP, flipP);
        rebuilt.set(n, inode);
      }
      next.#live.set(path, inode);
      next.#durable.set(path, inode);
    }
    // Directories whose parents did not survive cannot exist.
    for (const p of [...next.#live.keys()]) {
      if (p !== "/" && !next.#live.has(dirName(p))) {
        next.#live.delete(p);
        next.#durable.delete(p);
      }
    }
    this.#crashed = true;
    return next;
  }
}

function crashInode(n: Inode, rnd: () => number, keepP: number, tearP: number, flipP: number) {
  const b = n.durable.clone();
  const syncedLen = b.len;
  if (n.pending.length > 0 && rnd() < keepP) {
    const kept = 1 + Math.floor(rnd() * n.pending.length);
    let flipFrom = syncedLen;
    for (let i = 0; i < kept; i++) {
      const op = n.pending[i];
      if (i === kept - 1 && op.kind === "write" && rnd() < tearP) {
        const part = Math.floor(rnd() * op.data.length);
        applyOp(b, { kind: "write", pos: op.pos, data: op.data.subarray(0, part) });
      } else {
        applyOp(b, op);
      }
      if (op.kind === "truncate") flipFrom = Math.min(flipFrom, op.size);
      else flipFrom = Math.min(flipFrom, op.pos);
    }
    if (b.len > flipFrom && rnd() < flipP) {
      const at = flipFrom + Math.floor(rnd() * (b.len - flipFrom));
      b.buf[at] ^= 1 << Math.floor(rnd() * 8);
    }
  }
  const inode = new Inode();
  inode.live = b;
  inode.durable = b.clone();
  return inode;
}
