/**
 * The node's side of the RPC exchange: correlation ids, the requests awaiting
 * an answer, and the outbox the host drains.
 */
import { assert } from "../base/assert.ts";
import type {
  RaftMessage,
  RaftRequest,
  RaftRequestBody,
  RaftResponse,
  RaftResponseBody,
} from "./messages.ts";

/** A request sent and not yet answered, with what it was sent under. */
export interface Pending {
  apiKey: number;
  to: number;
  sentMs: number;
  epoch: number;
  round: number;
  preVote: boolean;
}

export class RpcChannel {
  private outbox: RaftMessage[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextCorrelationId: number;

  constructor(private readonly nodeId: number, firstCorrelationId: number) {
    this.nextCorrelationId = firstCorrelationId;
  }

  /** Queues a request; returns its correlation id. */
  request(to: number, req: RaftRequestBody, sent: Omit<Pending, "apiKey" | "to">): number {
    const correlationId = this.nextCorrelationId;
    this.nextCorrelationId = (this.nextCorrelationId + 1) & 0x7fffffff;
    this.pending.set(correlationId, { apiKey: req.apiKey, to, ...sent });
    this.outbox.push({ kind: "request", from: this.nodeId, to, correlationId, ...req });
    return correlationId;
  }

  reply(req: RaftRequest, res: RaftResponseBody): void {
    assert(res.apiKey === req.apiKey, "response to another API");
    this.outbox.push({
      kind: "response",
      from: this.nodeId,
      to: req.from,
      correlationId: req.correlationId,
      ...res,
    });
  }

  /** The request a response answers (then no longer pending), or undefined if none. */
  answered(res: RaftResponse): Pending | undefined {
    const p = this.pending.get(res.correlationId);
    if (p === undefined || p.apiKey !== res.apiKey || p.to !== res.from) return undefined;
    this.pending.delete(res.correlationId);
    return p;
  }

  /** Forgets each request whose answer is overdue at `nowMs`, telling `lost` its id. */
  expire(nowMs: number, expiryMs: (id: number) => number, lost: (id: number) => void): void {
    for (const [id, p] of this.pending) {
      if (nowMs < p.sentMs + expiryMs(id)) continue;
      this.pending.delete(id);
      lost(id);
    }
  }

  /** Queued outbound messages, emptied. */
  drain(): RaftMessage[] {
    const out = this.outbox;
    this.outbox = [];
    return out;
  }
}
