/**
 * The storage file layer: the only door to the filesystem. Storage logic sees
 * files through these interfaces, so tests swap in the fault-injecting memory
 * implementation (fs_memory.ts) and production uses fs_deno.ts.
 *
 * Namespace operations are synchronous (they cost microseconds and keeping them
 * sync makes segment rolls and truncation atomic with respect to appends);
 * durability operations (sync, syncDir, remove) are asynchronous so they never
 * block the event loop.
 */

/** Why a filesystem call failed; "io" covers EIO and everything unexpected. */
export type FsErrorCode = "not_found" | "exists" | "io";

/** Every failure of the file layer. Anything but "not_found" takes a log dir offline. */
export class FsError extends Error {
  override name = "FsError";
  constructor(
    readonly code: FsErrorCode,
    readonly op: string,
    readonly path: string,
    detail: string,
  ) {
    super(`${op} ${path}: ${detail}`);
  }
}

export function isNotFound(e: unknown): boolean {
  return e instanceof FsError && e.code === "not_found";
}

/** An open file used like a log: appends at the end, positional reads, a separate sync. */
export interface LogFile {
  readonly path: string;
  /** Current size in bytes, including appends not yet synced. */
  readonly sizeBytes: number;
  /** Appends all of `data` at the end; returns once it is in the page cache. */
  append(data: Uint8Array): void;
  /** Reads up to `dst.length` bytes at `pos`; returns how many were read (short at EOF). */
  readAt(pos: number, dst: Uint8Array): number;
  /** Cuts the file to `sizeBytes` (only ever shrinks). */
  truncate(sizeBytes: number): void;
  /**
   * fdatasync through a second handle, so appends on this file go on while the
   * sync runs. Covers at least every append made before the call.
   */
  sync(): Promise<void>;
  close(): void;
}

export interface DirEntry {
  name: string;
  isDirectory: boolean;
}

export interface FsLayer {
  /** Opens `path` for appends and reads; creates it (empty) when `create` is set. */
  open(path: string, opts: { create: boolean }): LogFile;
  /** Whole-file read; throws FsError "not_found" when missing. */
  readFile(path: string): Uint8Array;
  /** Creates or replaces `path` with `data` (not synced; see writeFileAtomic). */
  writeFile(path: string, data: Uint8Array): void;
  /** fsync of a whole file by path (used for small files such as checkpoints). */
  syncFile(path: string): Promise<void>;
  rename(from: string, to: string): void;
  /** Removes a file or an empty directory; "not_found" when missing. */
  removeSync(path: string): void;
  /** Removes a file or a directory tree in the background. Missing is fine. */
  remove(path: string, opts?: { recursive?: boolean }): Promise<void>;
  /** Creates the directory and its parents; existing is fine. */
  mkdirp(path: string): void;
  listDir(path: string): DirEntry[];
  exists(path: string): boolean;
  /** fsync of a directory, making creates, renames and removals in it durable. */
  syncDir(path: string): Promise<void>;
}

/** Joins path parts with "/" (the storage layer only builds paths under log dirs). */
export function joinPath(...parts: string[]): string {
  return parts.join("/").replace(/\/+/g, "/");
}

export function dirName(path: string): string {
  const i = path.lastIndexOf("/");
  return i <= 0 ? "/" : path.slice(0, i);
}

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/**
 * Replaces `dir/name` with `data` atomically and durably: write a temp file,
 * fsync it, rename it over the target, fsync the directory. After a crash the
 * file holds either the old or the new contents, never a mix.
 */
export async function writeFileAtomic(
  fs: FsLayer,
  dir: string,
  name: string,
  data: Uint8Array,
): Promise<void> {
  const tmp = joinPath(dir, `${name}.tmp`);
  fs.writeFile(tmp, data);
  await fs.syncFile(tmp);
  fs.rename(tmp, joinPath(dir, name));
  await fs.syncDir(dir);
}
