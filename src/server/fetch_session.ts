/**
 * Fetch sessions (KIP-227). A session remembers a client's partitions and what
 * it last told it about each (high watermark, log start offset, fetch offset),
 * so incremental fetches carry only changes and responses only partitions with
 * news. The cache is bounded (slots, and idle eviction); when it is full new
 * sessions are declined with session id 0, which clients handle by sending
 * full requests.
 */
import { fetchSessionIdleMs, fetchSessionSlotsMax } from "../base/limits.ts";
import { ErrorCode } from "../protocol/errors.ts";

export interface SessionPartition {
  topic: string;
  topicId: string;
  partition: number;
  fetchOffset: number;
  partitionMaxBytes: number;
  currentLeaderEpoch: number;
  /** What the last response said (to decide whether an incremental response includes it). */
  lastHighWatermark: number;
  lastLogStartOffset: number;
}

export interface FetchSession {
  id: number;
  /** The epoch the next request must carry. */
  nextEpoch: number;
  /** Insertion-ordered, keyed by `${topicId or topic}:${partition}`. */
  partitions: Map<string, SessionPartition>;
  lastUsedMs: number;
}

export type SessionLookup =
  | { kind: "sessionless" }
  | { kind: "new"; session: FetchSession | null }
  | { kind: "incremental"; session: FetchSession }
  | { kind: "error"; errorCode: number };

export function partitionKey(topicOrId: string, partition: number): string {
  return `${topicOrId}:${partition}`;
}

export class FetchSessionCache {
  private readonly sessions = new Map<number, FetchSession>();
  /** Random start, as Kafka: reactors each keep a cache, and a reconnecting client must not hit another's session. */
  private nextId = 1 + Math.floor(Math.random() * 0x7ffffffe);

  constructor(
    private readonly slots = fetchSessionSlotsMax,
    private readonly idleMs = fetchSessionIdleMs,
  ) {}

  get size(): number {
    return this.sessions.size;
  }

  /**
   * Interprets (session_id, session_epoch):
   * (0,-1) sessionless full fetch; (0,0) full fetch asking for a session;
   * (id,n>0) incremental; (id,0) close id and start a new one; (id,-1) close id.
   */
  resolve(sessionId: number, epoch: number, nowMs: number): SessionLookup {
    this.evictIdle(nowMs);
    if (sessionId === 0) {
      if (epoch === -1) return { kind: "sessionless" };
      if (epoch === 0) return { kind: "new", session: this.create(nowMs) };
      return { kind: "error", errorCode: ErrorCode.INVALID_FETCH_SESSION_EPOCH };
    }
    const s = this.sessions.get(sessionId);
    if (epoch === -1 || epoch === 0) {
      this.sessions.delete(sessionId);
      if (epoch === -1) return { kind: "sessionless" };
      return { kind: "new", session: this.create(nowMs) };
    }
    if (!s) return { kind: "error", errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND };
    if (s.nextEpoch !== epoch) {
      return { kind: "error", errorCode: ErrorCode.INVALID_FETCH_SESSION_EPOCH };
    }
    s.nextEpoch = s.nextEpoch === 0x7fffffff ? 1 : s.nextEpoch + 1;
    s.lastUsedMs = nowMs;
    return { kind: "incremental", session: s };
  }

  private create(nowMs: number): FetchSession | null {
    if (this.sessions.size >= this.slots) return null;
    let id = this.nextId;
    while (id === 0 || this.sessions.has(id)) id = (id % 0x7fffffff) + 1;
    this.nextId = (id % 0x7fffffff) + 1;
    const s: FetchSession = { id, nextEpoch: 1, partitions: new Map(), lastUsedMs: nowMs };
    this.sessions.set(id, s);
    return s;
  }

  private evictIdle(nowMs: number): void {
    for (const [id, s] of this.sessions) {
      if (nowMs - s.lastUsedMs > this.idleMs) this.sessions.delete(id);
    }
  }
}
