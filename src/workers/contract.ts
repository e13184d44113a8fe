/**
 * The one contract between reactor (network) workers and shard (partition
 * owning) workers, and between the supervisor and every worker: typed
 * messages, and their binary layout for the rings. Nothing else crosses
 * workers; a worker talks to a partition only through these messages.
 *
 * Every request carries a requestId chosen by the sender and gets exactly one
 * response carrying the same id (a watch answers when it fires, times out or
 * is cancelled), so a sender can bound and account for what it has in flight.
 * Requests with several entries (one per partition of the request that the
 * shard owns) are answered with results in the same order, not keyed again.
 *
 * Record bytes go by reference as far as a ring allows: the encoder takes
 * them as the caller's chunks (no concatenation) and writes them straight into
 * the ring, the one copy; the decoder hands them out as views of the message
 * (zero copies), valid as long as the message is (for a ring, until it is
 * consumed).
 *
 * Binary layout, little-endian; i64 is two int32 halves (low, then high) holding
 * a safe integer, so no BigInt is made on the hot path; str is an int16 byte
 * length (-1 for null) then UTF-8; topic ids are their 16 raw bytes.
 *
 *   envelope        u8 kind, u8 0, u16 0, u32 requestId                        (8 bytes)
 *   partition       topicId[16], i32 partition                                 (20 bytes)
 *
 *   1 ProduceAppend   i16 acks, u16 0, i32 timeoutMs, u32 n,
 *                     n x { partition, i32 leaderEpoch, u32 size, records[size] }
 *   2 ProduceResult   u32 n, n x { i16 error, i64 baseOffset, i64 logAppendTimeMs,
 *                     i64 logStartOffset, str errorMessage }
 *   3 FetchRead       i32 maxBytes, u8 minOneBatch, u8 0, u16 0, u32 n,
 *                     n x { partition, i64 fetchOffset, i64 upperOffset,
 *                     i32 partitionMaxBytes, i32 currentLeaderEpoch }
 *   4 FetchResult     u32 n, n x { i16 error, i64 highWatermark, i64 lastStableOffset,
 *                     i64 logStartOffset, u32 size, records[size] }
 *   5 ListOffsets     u8 isolation, u8 0, u16 0, u32 n,
 *                     n x { partition, i32 currentLeaderEpoch, i64 timestamp }
 *   6 ListOffsetsResult u32 n, n x { i16 error, i64 offset, i64 timestamp, i32 leaderEpoch }
 *   7 FetchWatch      i32 maxWaitMs, u32 n, n x { partition, i64 offset }
 *   8 WatchResult     u8 fired
 *   9 FetchUnwatch    u32 watchRequestId                  (no response of its own)
 *  10 Admin           u32 size, UTF-8 JSON[size]          (rare per-partition admin:
 *                     DeleteRecords, OffsetForLeaderEpoch, log dirs; JSON keeps them cheap to add)
 *  11 AdminResult     u32 size, UTF-8 JSON[size]
 *  32 ShardTableUpdate i32 version, u16 shardCount, u16 0, u32 n,
 *                     n x { partition, u16 shard }
 *  33 Shutdown        i32 graceMs
 *  34 HealthPing      f64 sentAtMs
 *  35 Ack             i16 error
 *  36 HealthReport    f64 sentAtMs, u32 partitions, u32 inFlight, f64 heapUsedBytes
 */
import { assert, AssertionError } from "../base/assert.ts";
import { uuidFromBytes, uuidToBytes } from "../protocol/uuid.ts";
import type { RingWriter } from "./ring.ts";

export const Kind = {
  ProduceAppend: 1,
  ProduceResult: 2,
  FetchRead: 3,
  FetchResult: 4,
  ListOffsets: 5,
  ListOffsetsResult: 6,
  FetchWatch: 7,
  WatchResult: 8,
  FetchUnwatch: 9,
  Admin: 10,
  AdminResult: 11,
  ShardTableUpdate: 32,
  Shutdown: 33,
  HealthPing: 34,
  Ack: 35,
  HealthReport: 36,
} as const;

/** Record bytes as given to the encoder: one array or chunks read back to back. */
export type Chunks = Uint8Array | readonly Uint8Array[];

/** FetchRead.upperOffset values that name a bound the shard resolves itself. */
export const Upper = {
  /** read_uncommitted consumers: up to the high watermark. */
  HighWatermark: -1,
  /** read_committed consumers: up to the last stable offset. */
  LastStable: -2,
  /** Followers: up to the log end. */
  LogEnd: -3,
} as const;

export interface PartitionRef {
  /** Kafka's 22-character topic id. */
  readonly topicId: string;
  readonly partition: number;
}

export interface ProduceEntry<R = Uint8Array> extends PartitionRef {
  readonly leaderEpoch: number;
  /** One record batch (already validated by the reactor), appended as is. */
  readonly records: R;
}

export interface ProduceAppend<R = Uint8Array> {
  readonly kind: typeof Kind.ProduceAppend;
  readonly requestId: number;
  /** 1: answer after the append; -1: after the ISR has it (and the fsync when the topic asks). */
  readonly acks: number;
  readonly timeoutMs: number;
  readonly entries: readonly ProduceEntry<R>[];
}

export interface ProduceOutcome {
  readonly errorCode: number;
  readonly baseOffset: number;
  readonly logAppendTimeMs: number;
  readonly logStartOffset: number;
  readonly errorMessage: string | null;
}

export interface ProduceResult {
  readonly kind: typeof Kind.ProduceResult;
  readonly requestId: number;
  readonly results: readonly ProduceOutcome[];
}

export interface FetchEntry extends PartitionRef {
  readonly fetchOffset: number;
  /** An offset, or one of Upper. */
  readonly upperOffset: number;
  readonly partitionMaxBytes: number;
  readonly currentLeaderEpoch: number;
}

export interface FetchRead {
  readonly kind: typeof Kind.FetchRead;
  readonly requestId: number;
  /** Budget over all entries, in order; the first entry with data may exceed it by one batch when minOneBatch. */
  readonly maxBytes: number;
  readonly minOneBatch: boolean;
  readonly entries: readonly FetchEntry[];
}

export interface FetchOutcome<R = Uint8Array> {
  readonly errorCode: number;
  readonly highWatermark: number;
  readonly lastStableOffset: number;
  readonly logStartOffset: number;
  /** Stored batches, unchanged. */
  readonly records: R;
}

export interface FetchResult<R = Uint8Array> {
  readonly kind: typeof Kind.FetchResult;
  readonly requestId: number;
  readonly results: readonly FetchOutcome<R>[];
}

export interface ListOffsetsEntry extends PartitionRef {
  readonly currentLeaderEpoch: number;
  /** A timestamp, or Kafka's special values (-1 latest, -2 earliest, ...). */
  readonly timestamp: number;
}

export interface ListOffsets {
  readonly kind: typeof Kind.ListOffsets;
  readonly requestId: number;
  /** 0 read_uncommitted, 1 read_committed. */
  readonly isolation: number;
  readonly entries: readonly ListOffsetsEntry[];
}

export interface ListOffsetsOutcome {
  readonly errorCode: number;
  readonly offset: number;
  readonly timestamp: number;
  readonly leaderEpoch: number;
}

export interface ListOffsetsResult {
  readonly kind: typeof Kind.ListOffsetsResult;
  readonly requestId: number;
  readonly results: readonly ListOffsetsOutcome[];
}

export interface WatchEntry extends PartitionRef {
  /** Wake once data at or past this offset is readable. */
  readonly offset: number;
}

/** A long-polling fetch: answered when any entry has news, after maxWaitMs, or on FetchUnwatch. */
export interface FetchWatch {
  readonly kind: typeof Kind.FetchWatch;
  readonly requestId: number;
  readonly maxWaitMs: number;
  readonly entries: readonly WatchEntry[];
}

export interface WatchResult {
  readonly kind: typeof Kind.WatchResult;
  readonly requestId: number;
  /** false: timed out or cancelled. */
  readonly fired: boolean;
}

/** Cancels a watch (its WatchResult follows with fired=false, if it had not fired). */
export interface FetchUnwatch {
  readonly kind: typeof Kind.FetchUnwatch;
  readonly requestId: number;
  readonly watchRequestId: number;
}

/** A rare operation on partitions, as JSON (see workers/shard_worker.ts for the operations). */
export interface Admin {
  readonly kind: typeof Kind.Admin;
  readonly requestId: number;
  readonly json: string;
}

export interface AdminResult {
  readonly kind: typeof Kind.AdminResult;
  readonly requestId: number;
  readonly json: string;
}

export interface ShardOverride extends PartitionRef {
  readonly shard: number;
}

/** A new shard table: the hash rule for shardCount, with these partitions placed explicitly. */
export interface ShardTableUpdate {
  readonly kind: typeof Kind.ShardTableUpdate;
  readonly requestId: number;
  readonly version: number;
  readonly shardCount: number;
  readonly overrides: readonly ShardOverride[];
}

/** Finish what is in flight within graceMs, flush, then Ack; the supervisor terminates after. */
export interface Shutdown {
  readonly kind: typeof Kind.Shutdown;
  readonly requestId: number;
  readonly graceMs: number;
}

export interface HealthPing {
  readonly kind: typeof Kind.HealthPing;
  readonly requestId: number;
  readonly sentAtMs: number;
}

export interface Ack {
  readonly kind: typeof Kind.Ack;
  readonly requestId: number;
  readonly errorCode: number;
}

export interface HealthReport {
  readonly kind: typeof Kind.HealthReport;
  readonly requestId: number;
  /** The ping's sentAtMs, echoed: the round trip shows how responsive the worker is. */
  readonly sentAtMs: number;
  readonly partitions: number;
  readonly inFlight: number;
  readonly heapUsedBytes: number;
}

/** Every message; R is how record bytes appear (views when decoded, Chunks when encoding). */
export type Message<R = Uint8Array> =
  | ProduceAppend<R>
  | ProduceResult
  | FetchRead
  | FetchResult<R>
  | ListOffsets
  | ListOffsetsResult
  | FetchWatch
  | WatchResult
  | FetchUnwatch
  | Admin
  | AdminResult
  | ShardTableUpdate
  | Shutdown
  | HealthPing
  | Ack
  | HealthReport;

/** A message ready to encode: record bytes may be chunks. */
export type OutMessage = Message<Chunks>;

const ENVELOPE = 8;
const PARTITION = 20;
const HI = 2 ** 32;

function chunksSize(c: Chunks): number {
  if (c instanceof Uint8Array) return c.length;
  let n = 0;
  for (const p of c) n += p.length;
  return n;
}

function utf8Size(s: string | null): number {
  if (s === null) return 0;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d < 0xe000) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

/** Bytes `m` takes encoded. */
export function encodedSize(m: OutMessage): number {
  switch (m.kind) {
    case Kind.ProduceAppend: {
      let n = ENVELOPE + 12;
      for (const e of m.entries) n += PARTITION + 8 + chunksSize(e.records);
      return n;
    }
    case Kind.ProduceResult: {
      let n = ENVELOPE + 4;
      for (const r of m.results) n += 2 + 24 + 2 + utf8Size(r.errorMessage);
      return n;
    }
    case Kind.FetchRead:
      return ENVELOPE + 12 + m.entries.length * (PARTITION + 24);
    case Kind.FetchResult: {
      let n = ENVELOPE + 4;
      for (const r of m.results) n += 2 + 24 + 4 + chunksSize(r.records);
      return n;
    }
    case Kind.ListOffsets:
      return ENVELOPE + 8 + m.entries.length * (PARTITION + 12);
    case Kind.ListOffsetsResult:
      return ENVELOPE + 4 + m.results.length * 22;
    case Kind.FetchWatch:
      return ENVELOPE + 8 + m.entries.length * (PARTITION + 8);
    case Kind.WatchResult:
      return ENVELOPE + 1;
    case Kind.FetchUnwatch:
      return ENVELOPE + 4;
    case Kind.Admin:
    case Kind.AdminResult:
      return ENVELOPE + 4 + utf8Size(m.json);
    case Kind.ShardTableUpdate:
      return ENVELOPE + 12 + m.overrides.length * (PARTITION + 2);
    case Kind.Shutdown:
      return ENVELOPE + 4;
    case Kind.HealthPing:
      return ENVELOPE + 8;
    case Kind.Ack:
      return ENVELOPE + 2;
    case Kind.HealthReport:
      return ENVELOPE + 24;
  }
}

/** Topic id bytes by id: a broker has few topics and encodes their ids on every request. */
const idBytes = new Map<string, Uint8Array>();
/** Bound on the cache above; past it, it starts over (topics churned). */
const idBytesMax = 100_000;

function topicIdBytes(id: string): Uint8Array {
  let b = idBytes.get(id);
  if (!b) {
    if (idBytes.size >= idBytesMax) idBytes.clear();
    idBytes.set(id, b = uuidToBytes(id));
  }
  return b;
}

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder("utf-8", { fatal: true });

/** Writes fields at a moving position; one per target buffer, reused across messages. */
class Out {
  view!: DataView;
  bytes!: Uint8Array;
  pos = 0;

  reset(bytes: Uint8Array, pos: number): void {
    if (this.bytes === undefined || this.bytes.buffer !== bytes.buffer) {
      this.view = new DataView(bytes.buffer);
    }
    this.bytes = bytes;
    this.pos = bytes.byteOffset + pos;
  }
  u8(v: number): void {
    this.view.setUint8(this.pos, v);
    this.pos += 1;
  }
  i16(v: number): void {
    this.view.setInt16(this.pos, v, true);
    this.pos += 2;
  }
  u16(v: number): void {
    this.view.setUint16(this.pos, v, true);
    this.pos += 2;
  }
  i32(v: number): void {
    this.view.setInt32(this.pos, v, true);
    this.pos += 4;
  }
  u32(v: number): void {
    this.view.setUint32(this.pos, v, true);
    this.pos += 4;
  }
  i64(v: number): void {
    assert(Number.isSafeInteger(v), `i64 field ${v} is not a safe integer`);
    const hi = Math.floor(v / HI);
    this.view.setUint32(this.pos, v - hi * HI, true);
    this.view.setInt32(this.pos + 4, hi, true);
    this.pos += 8;
  }
  f64(v: number): void {
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }
  raw(b: Uint8Array): void {
    const at = this.pos - this.bytes.byteOffset;
    this.bytes.set(b, at);
    this.pos += b.length;
  }
  chunks(c: Chunks): void {
    if (c instanceof Uint8Array) this.raw(c);
    else for (const p of c) this.raw(p);
  }
  sized(c: Chunks): void {
    this.u32(chunksSize(c));
    this.chunks(c);
  }
  str(s: string | null): void {
    if (s === null) {
      this.i16(-1);
      return;
    }
    const n = utf8Size(s);
    assert(n <= 0x7fff, "string too long for the contract");
    this.i16(n);
    const at = this.pos - this.bytes.byteOffset;
    utf8Encoder.encodeInto(s, this.bytes.subarray(at, at + n));
    this.pos += n;
  }
  text(s: string): void {
    const n = utf8Size(s);
    this.u32(n);
    const at = this.pos - this.bytes.byteOffset;
    utf8Encoder.encodeInto(s, this.bytes.subarray(at, at + n));
    this.pos += n;
  }
  partition(p: PartitionRef): void {
    this.raw(topicIdBytes(p.topicId));
    this.i32(p.partition);
  }
}

const out = new Out();

/** Encodes `m` into `buf` at `offset`; returns the bytes written (encodedSize(m)). */
export function encodeInto(m: OutMessage, buf: Uint8Array, offset: number): number {
  const size = encodedSize(m);
  if (offset < 0 || offset + size > buf.length) {
    throw new RangeError(`message of ${size} bytes does not fit at ${offset} of ${buf.length}`);
  }
  const w = out;
  w.reset(buf, offset);
  const start = w.pos;
  w.u8(m.kind);
  w.u8(0);
  w.u16(0);
  w.u32(m.requestId);
  switch (m.kind) {
    case Kind.ProduceAppend:
      w.i16(m.acks);
      w.u16(0);
      w.i32(m.timeoutMs);
      w.u32(m.entries.length);
      for (const e of m.entries) {
        w.partition(e);
        w.i32(e.leaderEpoch);
        w.sized(e.records);
      }
      break;
    case Kind.ProduceResult:
      w.u32(m.results.length);
      for (const r of m.results) {
        w.i16(r.errorCode);
        w.i64(r.baseOffset);
        w.i64(r.logAppendTimeMs);
        w.i64(r.logStartOffset);
        w.str(r.errorMessage);
      }
      break;
    case Kind.FetchRead:
      w.i32(m.maxBytes);
      w.u8(m.minOneBatch ? 1 : 0);
      w.u8(0);
      w.u16(0);
      w.u32(m.entries.length);
      for (const e of m.entries) {
        w.partition(e);
        w.i64(e.fetchOffset);
        w.i64(e.upperOffset);
        w.i32(e.partitionMaxBytes);
        w.i32(e.currentLeaderEpoch);
      }
      break;
    case Kind.FetchResult:
      w.u32(m.results.length);
      for (const r of m.results) {
        w.i16(r.errorCode);
        w.i64(r.highWatermark);
        w.i64(r.lastStableOffset);
        w.i64(r.logStartOffset);
        w.sized(r.records);
      }
      break;
    case Kind.ListOffsets:
      w.u8(m.isolation);
      w.u8(0);
      w.u16(0);
      w.u32(m.entries.length);
      for (const e of m.entries) {
        w.partition(e);
        w.i32(e.currentLeaderEpoch);
        w.i64(e.timestamp);
      }
      break;
    case Kind.ListOffsetsResult:
      w.u32(m.results.length);
      for (const r of m.results) {
        w.i16(r.errorCode);
        w.i64(r.offset);
        w.i64(r.timestamp);
        w.i32(r.leaderEpoch);
      }
      break;
    case Kind.FetchWatch:
      w.i32(m.maxWaitMs);
      w.u32(m.entries.length);
      for (const e of m.entries) {
        w.partition(e);
        w.i64(e.offset);
      }
      break;
    case Kind.WatchResult:
      w.u8(m.fired ? 1 : 0);
      break;
    case Kind.FetchUnwatch:
      w.u32(m.watchRequestId);
      break;
    case Kind.Admin:
    case Kind.AdminResult:
      w.text(m.json);
      break;
    case Kind.ShardTableUpdate:
      w.i32(m.version);
      w.u16(m.shardCount);
      w.u16(0);
      w.u32(m.overrides.length);
      for (const o of m.overrides) {
        w.partition(o);
        w.u16(o.shard);
      }
      break;
    case Kind.Shutdown:
      w.i32(m.graceMs);
      break;
    case Kind.HealthPing:
      w.f64(m.sentAtMs);
      break;
    case Kind.Ack:
      w.i16(m.errorCode);
      break;
    case Kind.HealthReport:
      w.f64(m.sentAtMs);
      w.u32(m.partitions);
      w.u32(m.inFlight);
      w.f64(m.heapUsedBytes);
      break;
  }
  assert(w.pos - start === size, `encoded ${w.pos - start} bytes of kind ${m.kind}, sized ${size}`);
  return size;
}

/** Encodes `m` into a new array (control messages, tests); rings use writeMessage. */
export function encode(m: OutMessage): Uint8Array {
  const b = new Uint8Array(encodedSize(m));
  encodeInto(m, b, 0);
  return b;
}

/**
 * Writes `m` to a ring in place (its record chunks copied once, straight into
 * shared memory). False when the ring is full: wait and retry.
 */
export function writeMessage(ring: RingWriter, m: OutMessage): boolean {
  return ring.tryWriteWith(encodedSize(m), (buf, off) => encodeInto(m, buf, off));
}

/** A message that breaks the layout: a bug on the sending side, never client input. */
export class ContractError extends AssertionError {
  override name = "ContractError";
}

/** Reads fields at a moving position, bounds-checked against the message's end. */
class In {
  view!: DataView;
  bytes!: Uint8Array;
  pos = 0;
  end = 0;

  reset(bytes: Uint8Array): void {
    if (this.bytes === undefined || this.bytes.buffer !== bytes.buffer) {
      this.view = new DataView(bytes.buffer);
    }
    this.bytes = bytes;
    this.pos = bytes.byteOffset;
    this.end = bytes.byteOffset + bytes.length;
  }
  need(n: number): number {
    const at = this.pos;
    if (at + n > this.end) {
      throw new ContractError(
        `message truncated: need ${n} bytes at ${at - this.bytes.byteOffset}`,
      );
    }
    this.pos += n;
    return at;
  }
  u8(): number {
    return this.view.getUint8(this.need(1));
  }
  i16(): number {
    return this.view.getInt16(this.need(2), true);
  }
  u16(): number {
    return this.view.getUint16(this.need(2), true);
  }
  i32(): number {
    return this.view.getInt32(this.need(4), true);
  }
  u32(): number {
    return this.view.getUint32(this.need(4), true);
  }
  i64(): number {
    const at = this.need(8);
    return this.view.getInt32(at + 4, true) * HI + this.view.getUint32(at, true);
  }
  f64(): number {
    return this.view.getFloat64(this.need(8), true);
  }
  /** A view of the next n bytes: no copy. */
  take(n: number): Uint8Array {
    const at = this.need(n) - this.bytes.byteOffset;
    return this.bytes.subarray(at, at + n);
  }
  sized(): Uint8Array {
    return this.take(this.u32());
  }
  str(): string | null {
    const n = this.i16();
    if (n < 0) return null;
    return utf8Decoder.decode(this.take(n));
  }
  partition(): PartitionRef {
    const id = uuidFromBytes(this.take(16));
    return { topicId: id, partition: this.i32() };
  }
  /** An entry count, checked against the bytes left so a bad count cannot make us loop for long. */
  count(minEntryBytes: number): number {
    const n = this.u32();
    if (n * minEntryBytes > this.end - this.pos) {
      throw new ContractError(`count ${n} exceeds the message`);
    }
    return n;
  }
}

const inp = new In();

/**
 * Decodes one message. Record bytes (and nothing else) are views of `bytes`:
 * copy them before `bytes` is reused if they must outlive it.
 */
export function decode(bytes: Uint8Array): Message {
  const r = inp;
  r.reset(bytes);
  const kind = r.u8();
  r.u8();
  r.u16();
  const requestId = r.u32();
  let m: Message;
  switch (kind) {
    case Kind.ProduceAppend: {
      const acks = r.i16();
      r.u16();
      const timeoutMs = r.i32();
      const n = r.count(PARTITION + 8);
      const entries: ProduceEntry[] = [];
      for (let i = 0; i < n; i++) {
        const p = r.partition();
        const leaderEpoch = r.i32();
        entries.push({ ...p, leaderEpoch, records: r.sized() });
      }
      m = { kind, requestId, acks, timeoutMs, entries };
      break;
    }
    case Kind.ProduceResult: {
      const n = r.count(28);
      const results: ProduceOutcome[] = [];
      for (let i = 0; i < n; i++) {
        results.push({
          errorCode: r.i16(),
          baseOffset: r.i64(),
          logAppendTimeMs: r.i64(),
          logStartOffset: r.i64(),
          errorMessage: r.str(),
        });
      }
      m = { kind, requestId, results };
      break;
    }
    case Kind.FetchRead: {
      const maxBytes = r.i32();
      const minOneBatch = r.u8() !== 0;
      r.u8();
      r.u16();
      const n = r.count(PARTITION + 24);
      const entries: FetchEntry[] = [];
      for (let i = 0; i < n; i++) {
        const p = r.partition();
        entries.push({
          ...p,
          fetchOffset: r.i64(),
          upperOffset: r.i64(),
          partitionMaxBytes: r.i32(),
          currentLeaderEpoch: r.i32(),
        });
      }
      m = { kind, requestId, maxBytes, minOneBatch, entries };
      break;
    }
    case Kind.FetchResult: {
      const n = r.count(30);
      const results: FetchOutcome[] = [];
      for (let i = 0; i < n; i++) {
        results.push({
          errorCode: r.i16(),
          highWatermark: r.i64(),
          lastStableOffset: r.i64(),
          logStartOffset: r.i64(),
          records: r.sized(),
        });
      }
      m = { kind, requestId, results };
      break;
    }
    case Kind.ListOffsets: {
      const isolation = r.u8();
      r.u8();
      r.u16();
      const n = r.count(PARTITION + 12);
      const entries: ListOffsetsEntry[] = [];
      for (let i = 0; i < n; i++) {
        const p = r.partition();
        entries.push({ ...p, currentLeaderEpoch: r.i32(), timestamp: r.i64() });
      }
      m = { kind, requestId, isolation, entries };
      break;
    }
    case Kind.ListOffsetsResult: {
      const n = r.count(22);
      const results: ListOffsetsOutcome[] = [];
      for (let i = 0; i < n; i++) {
        results.push({
          errorCode: r.i16(),
          offset: r.i64(),
          timestamp: r.i64(),
          leaderEpoch: r.i32(),
        });
      }
      m = { kind, requestId, results };
      break;
    }
    case Kind.FetchWatch: {
      const maxWaitMs = r.i32();
      const n = r.count(PARTITION + 8);
      const entries: WatchEntry[] = [];
      for (let i = 0; i < n; i++) {
        const p = r.partition();
        entries.push({ ...p, offset: r.i64() });
      }
      m = { kind, requestId, maxWaitMs, entries };
      break;
    }
    case Kind.WatchResult:
      m = { kind, requestId, fired: r.u8() !== 0 };
      break;
    case Kind.FetchUnwatch:
      m = { kind, requestId, watchRequestId: r.u32() };
      break;
    case Kind.Admin:
    case Kind.AdminResult:
      m = { kind, requestId, json: utf8Decoder.decode(r.sized()) };
      break;
    case Kind.ShardTableUpdate: {
      const version = r.i32();
      const shardCount = r.u16();
      r.u16();
      const n = r.count(PARTITION + 2);
      const overrides: ShardOverride[] = [];
      for (let i = 0; i < n; i++) {
        const p = r.partition();
        overrides.push({ ...p, shard: r.u16() });
      }
      m = { kind, requestId, version, shardCount, overrides };
      break;
    }
    case Kind.Shutdown:
      m = { kind, requestId, graceMs: r.i32() };
      break;
    case Kind.HealthPing:
      m = { kind, requestId, sentAtMs: r.f64() };
      break;
    case Kind.Ack:
      m = { kind, requestId, errorCode: r.i16() };
      break;
    case Kind.HealthReport:
      m = {
        kind,
        requestId,
        sentAtMs: r.f64(),
        partitions: r.u32(),
        inFlight: r.u32(),
        heapUsedBytes: r.f64(),
      };
      break;
    default:
      throw new ContractError(`unknown message kind ${kind}`);
  }
  if (r.pos !== r.end) {
    throw new ContractError(`${r.end - r.pos} bytes left over after message kind ${kind}`);
  }
  return m;
}

/** Whether a kind answers a request (a sender matches it to its request by requestId). */
export function isResponse(m: Message): boolean {
  switch (m.kind) {
    case Kind.ProduceResult:
    case Kind.FetchResult:
    case Kind.ListOffsetsResult:
    case Kind.WatchResult:
    case Kind.AdminResult:
    case Kind.Ack:
    case Kind.HealthReport:
      return true;
    default:
      return false;
  }
}
