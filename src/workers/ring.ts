/**
 * A single-producer single-consumer ring of variable-length messages in a
 * SharedArrayBuffer: the path record bytes take between a reactor and a shard.
 * One thread writes (RingWriter), one other thread reads (RingReader); neither
 * ever takes a lock, and a message costs one copy in and none out (the reader
 * may look at it in place).
 *
 * Layout (Int32 words of the header, then the data region):
 *
 *   line 0 (bytes 0-63):    magic, capacity, closed
 *   line 1 (bytes 64-127):  head, space seq, producer waiting   (written by the consumer,
 *                                                                 except the flag)
 *   line 2 (bytes 128-191): tail, data seq, consumer waiting    (written by the producer,
 *                                                                 except the flag)
 *   bytes 192...:           data, `capacity` bytes (a power of two)
 *
 * head and tail are free-running 32-bit byte counters (position = counter &
 * (capacity - 1)), so a full ring (tail - head == capacity) differs from an
 * empty one (tail == head) without wasting a slot. Each side's words sit on
 * their own cache line so the two cores do not fight over one line.
 *
 * A message is an int32 length, then the bytes, then padding to 4 bytes. A
 * message never wraps: one that does not fit before the end leaves a -1 marker
 * and starts again at position 0, so the reader can always hand out one
 * contiguous view. Hence a message may take at most half the ring (then it
 * always fits once the ring has drained), `maxMessageBytes`.
 *
 * A writer may stage several messages and publish them with one flush():
 * each publication moves the tail's cache line to the reader's core, so for
 * small messages batching them nearly doubles the rate.
 *
 * Waiting: a side that finds the ring empty (or full) raises its "waiting"
 * flag, looks once more, and sleeps on the other side's seq word with
 * Atomics.wait / Atomics.waitAsync. The other side bumps the seq word and
 * notifies only when the flag is up, so the hot path costs one extra atomic
 * load and no notify. All Atomics operations are sequentially consistent: the
 * publisher either sees the flag or the waiter sees the new tail/head, so no
 * wake-up is lost. close() bumps both seq words, waking either side.
 */
import { assert, AssertionError } from "../base/assert.ts";
import { ringBytesMax, ringBytesMin } from "../base/limits.ts";

const MAGIC = 0x52_4e_52_47; // "RNRG"
const W_MAGIC = 0;
const W_CAPACITY = 1;
const W_CLOSED = 2;
const W_HEAD = 16;
const W_SPACE_SEQ = 17;
const W_PRODUCER_WAITING = 18;
const W_TAIL = 32;
const W_DATA_SEQ = 33;
const W_CONSUMER_WAITING = 34;
/** Bytes before the data region. */
export const RING_HEADER_BYTES = 192;
/** Bytes of a message's length prefix. */
export const RING_PREFIX_BYTES = 4;
/** Length value marking "the rest of the ring is padding, continue at 0". */
const WRAP = -1;

/** Thrown when writing to a ring that either side has closed: the peer is shutting down. */
export class RingClosedError extends Error {
  override name = "RingClosedError";
}

/** A SharedArrayBuffer laid out as an empty ring of `capacity` data bytes (a power of two). */
export function createRing(capacity: number): SharedArrayBuffer {
  if (
    !Number.isInteger(capacity) || capacity < ringBytesMin || capacity > ringBytesMax ||
    (capacity & (capacity - 1)) !== 0
  ) {
    throw new RangeError(
      `ring capacity ${capacity} must be a power of two in [${ringBytesMin}, ${ringBytesMax}]`,
    );
  }
  const sab = new SharedArrayBuffer(RING_HEADER_BYTES + capacity);
  const ctl = new Int32Array(sab, 0, RING_HEADER_BYTES / 4);
  ctl[W_CAPACITY] = capacity;
  Atomics.store(ctl, W_MAGIC, MAGIC);
  return sab;
}

/** Largest payload a ring of `capacity` bytes accepts: half of it, less the prefix. */
export function maxMessageBytesFor(capacity: number): number {
  return capacity / 2 - RING_PREFIX_BYTES;
}

/** Bytes a payload of `n` bytes occupies in the ring (prefix and padding), wrap marker aside. */
export function recordBytes(n: number): number {
  return RING_PREFIX_BYTES + ((n + 3) & ~3);
}

/** Checks a waiting side makes before it sleeps (see spinFor). */
const SPIN_CHECKS = 256;
/** setTimeout's largest delay. */
const TIMER_MAX_MS = 2 ** 31 - 1;

/**
 * Atomics.waitAsync, with the timeout kept by a timer of ours. Deno does not
 * count a pending waitAsync (nor V8's own timeout for it) as work: a thread
 * with nothing else to do would end, or report a never-resolving await, while
 * it sleeps, even after a notify (the wake-up is a task the loop must still
 * be alive to run). An interval keeps the loop alive until the wait resolves,
 * and ends it at the deadline by notifying the word itself, which wakes only
 * us: each seq word has one possible waiter. Callers recheck their condition
 * and deadline after any wake.
 */
async function waitAsync(
  ctl: Int32Array<SharedArrayBuffer>,
  word: number,
  expected: number,
  ms: number,
) {
  const r = Atomics.waitAsync(ctl, word, expected);
  if (!r.async) return r.value;
  const timer = setInterval(() => Atomics.notify(ctl, word), Math.min(ms, TIMER_MAX_MS));
  try {
    return await r.value;
  } finally {
    clearInterval(timer);
  }
}

function deadlineOf(timeoutMs: number): number {
  return timeoutMs === Infinity ? Infinity : performance.now() + Math.max(0, timeoutMs);
}

function remaining(deadline: number): number {
  return deadline === Infinity ? Infinity : Math.max(0, deadline - performance.now());
}

class RingView {
  protected readonly ctl: Int32Array<SharedArrayBuffer>;
  protected readonly data: Uint8Array<SharedArrayBuffer>;
  /** The data region as int32 words, for the length prefixes (positions are 4-aligned). */
  protected readonly words: Int32Array<SharedArrayBuffer>;
  readonly capacity: number;
  protected readonly mask: number;
  /** Largest payload one message may carry. */
  readonly maxMessageBytes: number;

  constructor(readonly buffer: SharedArrayBuffer) {
    assert(buffer instanceof SharedArrayBuffer, "a ring lives in a SharedArrayBuffer");
    assert(buffer.byteLength > RING_HEADER_BYTES, "buffer too small for a ring");
    this.ctl = new Int32Array(buffer, 0, RING_HEADER_BYTES / 4);
    assert(Atomics.load(this.ctl, W_MAGIC) === MAGIC, "buffer is not a ring (bad magic)");
    this.capacity = this.ctl[W_CAPACITY];
    assert(buffer.byteLength === RING_HEADER_BYTES + this.capacity, "ring capacity mismatch");
    this.mask = this.capacity - 1;
    this.data = new Uint8Array(buffer, RING_HEADER_BYTES, this.capacity);
    this.words = new Int32Array(buffer, RING_HEADER_BYTES, this.capacity / 4);
    this.maxMessageBytes = maxMessageBytesFor(this.capacity);
  }

  /** True once either side called close(). */
  get closed(): boolean {
    return Atomics.load(this.ctl, W_CLOSED) !== 0;
  }

  /** Bytes in use (messages, prefixes, padding) as last published by both sides. */
  get usedBytes(): number {
    return (Atomics.load(this.ctl, W_TAIL) - Atomics.load(this.ctl, W_HEAD)) >>> 0;
  }

  /**
   * Polls `ready` a few hundred times before a wait goes to sleep: under load
   * the other side is mid-message and a sleep/wake round (a timer, a promise,
   * a futex wake for the other side) costs far more than the spin, which ends
   * within microseconds either way.
   */
  protected spinFor(ready: () => boolean): boolean {
    for (let i = 0; i < SPIN_CHECKS; i++) {
      if (ready() || this.closed) return true;
    }
    return false;
  }

  /**
   * Marks the ring closed and wakes both sides: a waiting reader returns to
   * find the rest of the messages and then the end; further writes throw.
   */
  close(): void {
    Atomics.store(this.ctl, W_CLOSED, 1);
    Atomics.add(this.ctl, W_DATA_SEQ, 1);
    Atomics.add(this.ctl, W_SPACE_SEQ, 1);
    Atomics.notify(this.ctl, W_DATA_SEQ);
    Atomics.notify(this.ctl, W_SPACE_SEQ);
  }
}

/** The producing end. Exactly one per ring, used from one thread. */
export class RingWriter extends RingView {
  /** Our tail, staged messages included: only we write it. */
  private tail: number;
  /** The tail as last published. */
  private tailPublished: number;
  /** The consumer's head as last loaded; stale only in the safe direction (less free space). */
  private headSeen: number;
  /** Ring bytes of the message reserve() claimed. */
  private pending = 0;

  constructor(buffer: SharedArrayBuffer) {
    super(buffer);
    this.tail = Atomics.load(this.ctl, W_TAIL) >>> 0;
    this.tailPublished = this.tail;
    this.headSeen = Atomics.load(this.ctl, W_HEAD) >>> 0;
  }

  /** Ring bytes a payload of `n` bytes needs right now (its record, plus the skipped end if it must wrap). */
  private needFor(n: number): number {
    const rec = recordBytes(n);
    const contiguous = this.capacity - (this.tail & this.mask);
    return rec <= contiguous ? rec : contiguous + rec;
  }

  private hasRoom(need: number): boolean {
    if (this.capacity - ((this.tail - this.headSeen) >>> 0) >= need) return true;
    this.headSeen = Atomics.load(this.ctl, W_HEAD) >>> 0;
    return this.capacity - ((this.tail - this.headSeen) >>> 0) >= need;
  }

  private checkSize(size: number): void {
    if (!Number.isInteger(size) || size < 0 || size > this.maxMessageBytes) {
      throw new RangeError(
        `message of ${size} bytes does not fit a ring of ${this.capacity} bytes (max ${this.maxMessageBytes})`,
      );
    }
  }

  /**
   * Claims room for a message of `size` bytes: returns the data offset its
   * bytes go to (prefix written), or -1 when the ring lacks room. stage()
   * then counts it in, flush() makes it visible.
   */
  private reserve(size: number): number {
    this.checkSize(size);
    if (this.closed) throw new RingClosedError("ring closed");
    const need = this.needFor(size);
    if (!this.hasRoom(need)) return -1;
    let pos = this.tail & this.mask;
    if (need !== recordBytes(size)) {
      this.words[pos >> 2] = WRAP;
      pos = 0;
    }
    this.words[pos >> 2] = size;
    this.pending = need;
    return pos + RING_PREFIX_BYTES;
  }

  /**
   * Writes one message of `size` bytes by letting `fill` write it in place
   * (`buf[offset .. offset+size)`), so an encoder puts its fields straight into
   * shared memory. Returns false, writing nothing, when the ring lacks room:
   * the caller waits (waitWritable) and retries; nothing is ever dropped.
   */
  tryWriteWith(size: number, fill: (buf: Uint8Array, offset: number) => void): boolean {
    if (!this.tryStageWith(size, fill)) return false;
    this.flush();
    return true;
  }

  /** Writes one message: a byte array, or several concatenated (a header and record bytes). */
  tryWrite(message: Uint8Array | readonly Uint8Array[]): boolean {
    if (!this.tryStage(message)) return false;
    this.flush();
    return true;
  }

  /**
   * tryWriteWith without publishing: the message stays invisible to the
   * reader until flush() (or a write, wait or close, which flush). A writer
   * with several messages at hand (all requests of one socket read) stages
   * them and flushes once, sparing the reader's core a cache-line transfer
   * per message: it nearly doubles the rate of small messages.
   */
  tryStageWith(size: number, fill: (buf: Uint8Array, offset: number) => void): boolean {
    const at = this.reserve(size);
    if (at < 0) return false;
    fill(this.data, at);
    this.stage();
    return true;
  }

  /** tryWrite without publishing (see tryStageWith). */
  tryStage(message: Uint8Array | readonly Uint8Array[]): boolean {
    if (message instanceof Uint8Array) {
      const at = this.reserve(message.length);
      if (at < 0) return false;
      this.data.set(message, at);
      this.stage();
      return true;
    }
    let size = 0;
    for (const p of message) size += p.length;
    let at = this.reserve(size);
    if (at < 0) return false;
    for (const p of message) {
      this.data.set(p, at);
      at += p.length;
    }
    this.stage();
    return true;
  }

  private stage(): void {
    this.tail = (this.tail + this.pending) >>> 0;
  }

  /** Makes every staged message visible to the reader (and wakes it if it sleeps). */
  flush(): void {
    if (this.tail === this.tailPublished) return;
    this.tailPublished = this.tail;
    Atomics.store(this.ctl, W_TAIL, this.tail | 0);
    if (Atomics.load(this.ctl, W_CONSUMER_WAITING) !== 0) {
      Atomics.add(this.ctl, W_DATA_SEQ, 1);
      Atomics.notify(this.ctl, W_DATA_SEQ);
    }
  }

  /** Closes the ring after publishing what is staged, so the reader gets every message. */
  override close(): void {
    this.flush();
    super.close();
  }

  /** Writes one message, waiting (asynchronously) while the ring is full. */
  async write(message: Uint8Array | readonly Uint8Array[]): Promise<void> {
    while (!this.tryWrite(message)) {
      let size = 0;
      if (message instanceof Uint8Array) size = message.length;
      else for (const p of message) size += p.length;
      await this.waitWritable(size);
    }
  }

  /**
   * Resolves true once a message of `size` bytes fits (or the ring closed:
   * the next write throws), false if `timeoutMs` passes first. Usable on
   * the main thread.
   */
  async waitWritable(size: number, timeoutMs = Infinity): Promise<boolean> {
    this.checkSize(size);
    // Staged messages must be visible, or a reader could never free the room we wait for.
    this.flush();
    if (this.spinFor(() => this.hasRoom(this.needFor(size)))) return true;
    const deadline = deadlineOf(timeoutMs);
    for (;;) {
      const seq = Atomics.load(this.ctl, W_SPACE_SEQ);
      if (this.closed || this.hasRoom(this.needFor(size))) return true;
      Atomics.store(this.ctl, W_PRODUCER_WAITING, 1);
      // Look again now the flag is up: the consumer either sees it or freed space before.
      if (this.closed || this.hasRoom(this.needFor(size))) {
        Atomics.store(this.ctl, W_PRODUCER_WAITING, 0);
        return true;
      }
      const left = remaining(deadline);
      const r = left === 0 ? "timed-out" : await waitAsync(this.ctl, W_SPACE_SEQ, seq, left);
      Atomics.store(this.ctl, W_PRODUCER_WAITING, 0);
      if (r === "timed-out") return this.closed || this.hasRoom(this.needFor(size));
    }
  }

  /** waitWritable, blocking the thread (Atomics.wait): workers only, never the main thread. */
  waitWritableSync(size: number, timeoutMs = Infinity): boolean {
    this.checkSize(size);
    // Staged messages must be visible, or a reader could never free the room we wait for.
    this.flush();
    if (this.spinFor(() => this.hasRoom(this.needFor(size)))) return true;
    const deadline = deadlineOf(timeoutMs);
    for (;;) {
      const seq = Atomics.load(this.ctl, W_SPACE_SEQ);
      if (this.closed || this.hasRoom(this.needFor(size))) return true;
      Atomics.store(this.ctl, W_PRODUCER_WAITING, 1);
      if (this.closed || this.hasRoom(this.needFor(size))) {
        Atomics.store(this.ctl, W_PRODUCER_WAITING, 0);
        return true;
      }
      const left = remaining(deadline);
      const r = left === 0 ? "timed-out" : Atomics.wait(this.ctl, W_SPACE_SEQ, seq, left);
      Atomics.store(this.ctl, W_PRODUCER_WAITING, 0);
      if (r === "timed-out") return this.closed || this.hasRoom(this.needFor(size));
    }
  }
}

/** The consuming end. Exactly one per ring, used from one thread. */
export class RingReader extends RingView {
  /** Our head, published to the producer by release(). */
  private head: number;
  /** The head as last published. */
  private headPublished: number;
  private tailSeen: number;
  /** Where the message handed out by peek() ends, or -1. */
  private peekedEnd = -1;

  constructor(buffer: SharedArrayBuffer) {
    super(buffer);
    this.head = Atomics.load(this.ctl, W_HEAD) >>> 0;
    this.headPublished = this.head;
    this.tailSeen = Atomics.load(this.ctl, W_TAIL) >>> 0;
  }

  private hasData(): boolean {
    if (this.tailSeen !== this.head) return true;
    this.tailSeen = Atomics.load(this.ctl, W_TAIL) >>> 0;
    return this.tailSeen !== this.head;
  }

  /** Position of the next message's prefix (skipping a wrap marker), or -1 when empty. */
  private next(): number {
    if (!this.hasData()) return -1;
    let pos = this.head & this.mask;
    if (this.words[pos >> 2] === WRAP) {
      this.head = (this.head + this.capacity - pos) >>> 0;
      // A wrap marker is always followed by the message that caused it.
      assert(this.hasData(), "ring wrap marker with no message after it");
      pos = 0;
    }
    const len = this.words[pos >> 2];
    if (len < 0 || len > this.maxMessageBytes) {
      throw new AssertionError(`ring corrupt: message length ${len} at ${pos}`);
    }
    return pos;
  }

  /**
   * The next message as a view into shared memory, without consuming it; null
   * when the ring is empty. The view stays valid until consume(): keep what you
   * need (copy it) before then, since the producer reuses the space.
   */
  peek(): Uint8Array | null {
    const pos = this.next();
    if (pos < 0) {
      this.peekedEnd = -1;
      return null;
    }
    const len = this.words[pos >> 2];
    this.peekedEnd = (this.head + recordBytes(len)) >>> 0;
    return this.data.subarray(pos + RING_PREFIX_BYTES, pos + RING_PREFIX_BYTES + len);
  }

  /** Consumes the message peek() returned and gives its space back to the producer. */
  consume(): void {
    assert(this.peekedEnd >= 0, "consume() without a message from peek()");
    this.head = this.peekedEnd;
    this.peekedEnd = -1;
    this.release();
  }

  /** Reads and consumes the next message as a copy of its own; null when empty. */
  tryRead(): Uint8Array | null {
    const view = this.peek();
    if (view === null) return null;
    const copy = view.slice();
    this.consume();
    return copy;
  }

  /**
   * Hands up to `max` messages to `fn` as views (valid only during the call),
   * then gives their space back in one go: fewer atomic stores than one
   * consume() per message. Returns how many were handled.
   */
  drain(fn: (message: Uint8Array) => void, max = Infinity): number {
    let n = 0;
    try {
      while (n < max) {
        const pos = this.next();
        if (pos < 0) break;
        const len = this.words[pos >> 2];
        fn(this.data.subarray(pos + RING_PREFIX_BYTES, pos + RING_PREFIX_BYTES + len));
        this.head = (this.head + recordBytes(len)) >>> 0;
        n++;
      }
    } finally {
      this.peekedEnd = -1;
      this.release();
    }
    return n;
  }

  private release(): void {
    if (this.head === this.headPublished) return;
    this.headPublished = this.head;
    Atomics.store(this.ctl, W_HEAD, this.head | 0);
    if (Atomics.load(this.ctl, W_PRODUCER_WAITING) !== 0) {
      Atomics.add(this.ctl, W_SPACE_SEQ, 1);
      Atomics.notify(this.ctl, W_SPACE_SEQ);
    }
  }

  /** True when the ring is closed and every message has been read: nothing more will come. */
  get ended(): boolean {
    return this.closed && !this.hasData();
  }

  /**
   * Resolves true once a message is there to read or the ring is closed,
   * false if `timeoutMs` passes first. Usable on the main thread.
   */
  async waitReadable(timeoutMs = Infinity): Promise<boolean> {
    if (this.spinFor(() => this.hasData())) return true;
    const deadline = deadlineOf(timeoutMs);
    for (;;) {
      const seq = Atomics.load(this.ctl, W_DATA_SEQ);
      if (this.hasData() || this.closed) return true;
      Atomics.store(this.ctl, W_CONSUMER_WAITING, 1);
      // Look again now the flag is up: the producer either sees it or published before.
      if (this.hasData() || this.closed) {
        Atomics.store(this.ctl, W_CONSUMER_WAITING, 0);
        return true;
      }
      const left = remaining(deadline);
      const r = left === 0 ? "timed-out" : await waitAsync(this.ctl, W_DATA_SEQ, seq, left);
      Atomics.store(this.ctl, W_CONSUMER_WAITING, 0);
      if (r === "timed-out") return this.hasData() || this.closed;
    }
  }

  /** waitReadable, blocking the thread (Atomics.wait): workers only, never the main thread. */
  waitReadableSync(timeoutMs = Infinity): boolean {
    if (this.spinFor(() => this.hasData())) return true;
    const deadline = deadlineOf(timeoutMs);
    for (;;) {
      const seq = Atomics.load(this.ctl, W_DATA_SEQ);
      if (this.hasData() || this.closed) return true;
      Atomics.store(this.ctl, W_CONSUMER_WAITING, 1);
      if (this.hasData() || this.closed) {
        Atomics.store(this.ctl, W_CONSUMER_WAITING, 0);
        return true;
      }
      const left = remaining(deadline);
      const r = left === 0 ? "timed-out" : Atomics.wait(this.ctl, W_DATA_SEQ, seq, left);
      Atomics.store(this.ctl, W_CONSUMER_WAITING, 0);
      if (r === "timed-out") return this.hasData() || this.closed;
    }
  }

  /** The next message as a copy, waiting while the ring is empty; null once it has ended. */
  async read(): Promise<Uint8Array | null> {
    for (;;) {
      const m = this.tryRead();
      if (m !== null) return m;
      if (this.closed) {
        // Messages published before close() are still delivered.
        const last = this.tryRead();
        if (last !== null) return last;
        return null;
      }
      await this.waitReadable();
    }
  }
}
