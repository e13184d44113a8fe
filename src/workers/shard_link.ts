/**
 * One client's link to one shard: requests out on one ring, responses back on
 * the other, matched by requestId. Requests are written in call order (a full
 * ring queues the rest behind the first that did not fit, which is the
 * backpressure: `written` resolves only once the request is in the ring).
 *
 * Record bytes in a response are views of the ring; the reader copies them
 * out (the fetch path's one copy on this side) before giving the space back.
 * A ring that closes under pending requests rejects them: the shard is gone,
 * which the supervisor turns into a process exit anyway.
 */
import { assert } from "../base/assert.ts";
import {
  decode,
  encodedSize,
  type FetchResult,
  Kind,
  type Message,
  type OutMessage,
} from "./contract.ts";
import { OrderedWriter } from "./ordered_writer.ts";
import { RingReader, RingWriter } from "./ring.ts";

export class ShardLinkClosedError extends Error {
  override name = "ShardLinkClosedError";
}

export class ShardLink {
  private readonly writer: OrderedWriter;
  private readonly reader: RingReader;
  private readonly pending = new Map<
    number,
    { resolve(m: Message): void; reject(e: Error): void }
  >();
  private nextId = 1;
  private closed = false;

  constructor(toShard: SharedArrayBuffer, fromShard: SharedArrayBuffer, readonly shard: number) {
    this.writer = new OrderedWriter(new RingWriter(toShard));
    this.reader = new RingReader(fromShard);
    void this.readLoop();
  }

  /** Largest message the request ring takes. */
  get maxMessageBytes(): number {
    return this.writer.ring.maxMessageBytes;
  }

  /** Requests sent and not yet answered. */
  get inFlight(): number {
    return this.pending.size;
  }

  /**
   * Sends a request. `written`: it is in the ring (ordered before every later
   * send); `response`: the shard's answer. The id is chosen here.
   */
  send(build: (requestId: number) => OutMessage): {
    requestId: number;
    written: Promise<void>;
    response: Promise<Message>;
  } {
    const requestId = this.nextId;
    this.nextId = (this.nextId + 1) >>> 0 || 1;
    const message = build(requestId);
    const response = new Promise<Message>((resolve, reject) => {
      this.pending.set(requestId, { resolve, reject });
    });
    if (this.closed) {
      this.fail(new ShardLinkClosedError(`shard ${this.shard} is closed`));
      return { requestId, written: Promise.reject(new ShardLinkClosedError("closed")), response };
    }
    const size = encodedSize(message);
    assert(size <= this.maxMessageBytes, `message of ${size} bytes exceeds the ring's maximum`);
    const written = this.writer.write(message);
    written.catch((e) => this.fail(e));
    return { requestId, written, response };
  }

  /** Sends a message that has no response of its own (FetchUnwatch). */
  post(build: (requestId: number) => OutMessage): void {
    const requestId = this.nextId;
    this.nextId = (this.nextId + 1) >>> 0 || 1;
    if (!this.closed) this.writer.write(build(requestId)).catch((e) => this.fail(e));
  }

  private async readLoop(): Promise<void> {
    for (;;) {
      await this.reader.waitReadable();
      this.reader.drain((view) => this.deliver(decode(view)));
      if (this.reader.ended) break;
    }
    this.closed = true;
    this.fail(new ShardLinkClosedError(`shard ${this.shard} closed its ring`));
  }

  private deliver(m: Message): void {
    const p = this.pending.get(m.requestId);
    assert(p !== undefined, `shard ${this.shard} answered request ${m.requestId} never sent`);
    this.pending.delete(m.requestId);
    if (m.kind === Kind.FetchResult) {
      // The views die with the ring slot: copy the records out (one copy per fetched byte).
      const copied: FetchResult = {
        ...m,
        results: m.results.map((r) => ({ ...r, records: r.records.slice() })),
      };
      p.resolve(copied);
    } else {
      p.resolve(m);
    }
  }

  private fail(e: Error): void {
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  close(): void {
    this.closed = true;
    this.writer.ring.close();
  }
}
