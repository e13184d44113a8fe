/**
 * The messages the core exchanges: Kafka's KRaft RPCs as our generated codec
 * types, addressed by node id. A request and its response share apiKey and
 * correlationId; the core sets `to` of a response to the `from` of its request,
 * which is how a transport routes it back. The versions used on the wire are
 * fixed here (the newest our codecs and Kafka 4.x speak).
 */
import type {
  BeginQuorumEpochRequest,
  BeginQuorumEpochResponse,
} from "../protocol/generated/begin_quorum_epoch.ts";
import type {
  DescribeQuorumRequest,
  DescribeQuorumResponse,
} from "../protocol/generated/describe_quorum.ts";
import type {
  EndQuorumEpochRequest,
  EndQuorumEpochResponse,
} from "../protocol/generated/end_quorum_epoch.ts";
import type { FetchRequest, FetchResponse } from "../protocol/generated/fetch.ts";
import type {
  FetchSnapshotRequest,
  FetchSnapshotResponse,
} from "../protocol/generated/fetch_snapshot.ts";
import type { VoteRequest, VoteResponse } from "../protocol/generated/vote.ts";

export const FETCH = 1;
export const VOTE = 52;
export const BEGIN_QUORUM_EPOCH = 53;
export const END_QUORUM_EPOCH = 54;
export const DESCRIBE_QUORUM = 55;
export const FETCH_SNAPSHOT = 59;

/** Wire version per API key. */
export const raftApiVersions: Readonly<Record<RaftApiKey, number>> = {
  [FETCH]: 18,
  [VOTE]: 2,
  [BEGIN_QUORUM_EPOCH]: 1,
  [END_QUORUM_EPOCH]: 1,
  [DESCRIBE_QUORUM]: 2,
  [FETCH_SNAPSHOT]: 1,
};

export type RaftApiKey =
  | typeof FETCH
  | typeof VOTE
  | typeof BEGIN_QUORUM_EPOCH
  | typeof END_QUORUM_EPOCH
  | typeof DESCRIBE_QUORUM
  | typeof FETCH_SNAPSHOT;

export type RaftRequestBody =
  | { apiKey: typeof FETCH; body: FetchRequest }
  | { apiKey: typeof VOTE; body: VoteRequest }
  | { apiKey: typeof BEGIN_QUORUM_EPOCH; body: BeginQuorumEpochRequest }
  | { apiKey: typeof END_QUORUM_EPOCH; body: EndQuorumEpochRequest }
  | { apiKey: typeof DESCRIBE_QUORUM; body: DescribeQuorumRequest }
  | { apiKey: typeof FETCH_SNAPSHOT; body: FetchSnapshotRequest };

export type RaftResponseBody =
  | { apiKey: typeof FETCH; body: FetchResponse }
  | { apiKey: typeof VOTE; body: VoteResponse }
  | { apiKey: typeof BEGIN_QUORUM_EPOCH; body: BeginQuorumEpochResponse }
  | { apiKey: typeof END_QUORUM_EPOCH; body: EndQuorumEpochResponse }
  | { apiKey: typeof DESCRIBE_QUORUM; body: DescribeQuorumResponse }
  | { apiKey: typeof FETCH_SNAPSHOT; body: FetchSnapshotResponse };

interface Envelope {
  /** Sender's node id; a client that is not a node uses a negative id of its transport's choosing. */
  from: number;
  to: number;
  correlationId: number;
}

export type RaftRequest = Envelope & { kind: "request" } & RaftRequestBody;
export type RaftResponse = Envelope & { kind: "response" } & RaftResponseBody;
export type RaftMessage = RaftRequest | RaftResponse;

export function apiName(apiKey: number): string {
  switch (apiKey) {
    case FETCH:
      return "Fetch";
    case VOTE:
      return "Vote";
    case BEGIN_QUORUM_EPOCH:
      return "BeginQuorumEpoch";
    case END_QUORUM_EPOCH:
      return "EndQuorumEpoch";
    case DESCRIBE_QUORUM:
      return "DescribeQuorum";
    case FETCH_SNAPSHOT:
      return "FetchSnapshot";
    default:
      return `api ${apiKey}`;
  }
}

export function isRaftApiKey(apiKey: number): apiKey is RaftApiKey {
  return apiKey === FETCH || apiKey === VOTE || apiKey === BEGIN_QUORUM_EPOCH ||
    apiKey === END_QUORUM_EPOCH || apiKey === DESCRIBE_QUORUM || apiKey === FETCH_SNAPSHOT;
}
