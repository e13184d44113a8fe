/**
 * Contract messages into one ring, in call order. A message that does not
 * fit waits (and every later one behind it) until the reader frees room:
 * that wait is the backpressure, `write` resolving only once the message is
 * in the ring. Nothing is dropped; a ring closed under waiting messages
 * rejects them (the peer is gone, which the supervisor makes fatal anyway).
 * Used by both sides: a client's requests to a shard, a shard's answers.
 */
import { encodedSize, type OutMessage, writeMessage } from "./contract.ts";
import { RingClosedError, type RingWriter } from "./ring.ts";

interface Waiting {
  readonly message: OutMessage;
  readonly written: () => void;
  readonly failed: (e: Error) => void;
}

export class OrderedWriter {
  private readonly queue: Waiting[] = [];
  private pumping = false;

  constructor(readonly ring: RingWriter) {}

  /** Resolves once `m` is in the ring, after every message written before it. */
  write(m: OutMessage): Promise<void> {
    if (this.queue.length === 0 && writeMessage(this.ring, m)) return Promise.resolve();
    return new Promise<void>((written, failed) => {
      this.queue.push({ message: m, written, failed });
      void this.pump();
    });
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.queue.length > 0) {
        const w = this.queue[0];
        if (this.ring.closed) throw new RingClosedError("the ring closed under waiting messages");
        if (writeMessage(this.ring, w.message)) {
          this.queue.shift();
          w.written();
        } else {
          await this.ring.waitWritable(encodedSize(w.message));
        }
      }
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      for (const w of this.queue.splice(0)) w.failed(err);
    } finally {
      this.pumping = false;
    }
  }
}
