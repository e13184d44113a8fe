/**
 * The controller's RPCs, served on a voter's quorum port next to the KRaft
 * RPCs (quorum_transport.ts hands us every frame that is not one): what
 * broker-only nodes send to the active controller.
 * - BrokerRegistration (62), v0-4: writes the cluster id (first time) and the
 *   broker's record (its first listener's host and port, its rack); the
 *   broker epoch is the registration's metadata offset. A cluster id that
 *   differs from the log's is INCONSISTENT_CLUSTER_ID.
 * - BrokerHeartbeat (63), v0-1: NONE for a registered broker (never fenced),
 *   BROKER_ID_NOT_REGISTERED otherwise (the broker then registers again);
 *   is_caught_up compares its metadata offset with ours.
 * - The admin writes brokers forward (remote_controller.ts): CreateTopics
 *   (19) v0-7, DeleteTopics (20) v0-6, CreatePartitions (37) v0-3 and
 *   IncrementalAlterConfigs (44) v0-1 with SET/DELETE only (the forwarding
 *   broker has already resolved APPEND/SUBTRACT into values). They run
 *   through the same Controller a combined node uses, mapped to and from it
 *   as the client-facing handlers do (admin_requests.ts; the CreateTopics
 *   results here carry no configs).
 * A voter that is not the active controller (not leading, or leading but not
 * yet caught up) answers NOT_CONTROLLER, as does one that loses leadership
 * before the write commits; the broker retries against the leader.
 * Not implemented: fencing brokers whose heartbeats stop, controlled
 * shutdown, features, ApiVersions on this port (our brokers know the
 * versions), Envelope (api 58) forwarding.
 */
import { ErrorCode } from "../protocol/errors.ts";
import type {
  BrokerHeartbeatRequest,
  BrokerRegistrationRequest,
  CreatePartitionsRequest,
  CreateTopicsRequest,
  DeleteTopicsRequest,
  IncrementalAlterConfigsRequest,
} from "../protocol/generated/mod.ts";
import { decodeRequest, encodeResponse } from "../protocol/messages.ts";
import { ZERO_UUID } from "../protocol/uuid.ts";
import type { ConfigChange, Controller, OpResult } from "../metadata/controller.ts";
import type { MetadataImage } from "../metadata/image.ts";
import type { ConfigResourceType } from "../metadata/records.ts";
import { createPartitions, createTopics, deleteTopics } from "./admin_requests.ts";
import { ResourceType, validateChange } from "./config_resources.ts";
import type { Logger } from "./log.ts";
import type { MetadataQuorum } from "./metadata_quorum.ts";
import { AppendLostError, NotLeaderError } from "./quorum_node.ts";

/** What this port serves besides the KRaft RPCs, and at which versions. */
const served: Record<number, { min: number; max: number }> = {
  19: { min: 0, max: 7 },
  20: { min: 0, max: 6 },
  37: { min: 0, max: 3 },
  44: { min: 0, max: 1 },
  62: { min: 0, max: 4 },
  63: { min: 0, max: 1 },
};

/** IncrementalAlterConfigs operations. */
const SET = 0;
const DELETE = 1;

export interface ControllerRpcOptions {
  controller: Controller;
  quorum: () => MetadataQuorum | null;
  image: () => MetadataImage;
  logger: Logger;
}

/** Thrown when this node cannot act as the active controller for a request. */
class NotController extends Error {}

export class ControllerRpc {
  constructor(private readonly opts: ControllerRpcOptions) {}

  /** Answers one request frame (without size prefix); rejects on a frame it cannot read. */
  readonly serve = async (frame: Uint8Array): Promise<Uint8Array[]> => {
    const d = decodeRequest(frame, (k) => served[k]);
    if (d.kind !== "request") throw new Error("ApiVersions is not served on the quorum port");
    const { apiKey, apiVersion, correlationId } = d.header;
    let body: unknown;
    try {
      if (!this.opts.quorum()?.isActiveController) throw new NotController();
      body = await this.handle(apiKey, d.body);
    } catch (e) {
      const lost = e instanceof NotController || e instanceof NotLeaderError ||
        e instanceof AppendLostError;
      if (!lost) {
        this.opts.logger.error(`controller request (api ${apiKey}) failed: ${e}`);
        throw e;
      }
      body = notController(apiKey, d.body);
    }
    return encodeResponse(apiKey, apiVersion, correlationId, body);
  };

  private handle(apiKey: number, req: unknown): Promise<unknown> {
    switch (apiKey) {
      case 62:
        return this.register(req as BrokerRegistrationRequest);
      case 63:
        return Promise.resolve(this.heartbeat(req as BrokerHeartbeatRequest));
      case 19:
        return createTopics(this.opts.controller, req as CreateTopicsRequest);
      case 20: {
        const r = req as DeleteTopicsRequest;
        return deleteTopics(this.opts.controller, r, r.topics.length > 0);
      }
      case 37:
        return createPartitions(this.opts.controller, req as CreatePartitionsRequest);
      case 44:
        return this.alterConfigs(req as IncrementalAlterConfigsRequest);
    }
    throw new Error(`api key ${apiKey} is not served here`);
  }

  private async register(req: BrokerRegistrationRequest) {
    const l = req.listeners[0];
    if (l === undefined) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.INVALID_REQUEST, brokerEpoch: -1 };
    }
    const r = await this.opts.controller.registerBroker(req.brokerId, req.clusterId || null, {
      host: l.host,
      port: l.port,
      rack: req.rack,
    });
    if (r.errorCode === ErrorCode.NONE) {
      this.opts.logger.info(`broker ${req.brokerId} registered at ${l.host}:${l.port}`);
    }
    return { throttleTimeMs: 0, ...r };
  }

  private heartbeat(req: BrokerHeartbeatRequest) {
    const img = this.opts.image();
    const known = img.brokers.has(req.brokerId);
    return {
      throttleTimeMs: 0,
      errorCode: known ? ErrorCode.NONE : ErrorCode.BROKER_ID_NOT_REGISTERED,
      isCaughtUp: req.currentMetadataOffset >= img.offset,
      isFenced: !known,
      shouldShutDown: known && req.wantShutDown,
    };
  }

  private async alterConfigs(req: IncrementalAlterConfigsRequest) {
    const results: OpResult[] = new Array(req.resources.length);
    const todo: {
      index: number;
      type: ConfigResourceType;
      name: string;
      changes: ConfigChange[];
    }[] = [];
    req.resources.forEach((r, index) => {
      const type = r.resourceType === ResourceType.TOPIC
        ? "topic"
        : r.resourceType === ResourceType.BROKER
        ? "broker"
        : null;
      if (type === null || r.configs.some((c) => c.configOperation > DELETE)) {
        results[index] = {
          errorCode: ErrorCode.INVALID_REQUEST,
          errorMessage: "the controller takes topic and broker SET/DELETE changes only",
        };
        return;
      }
      todo.push({
        index,
        type,
        name: r.resourceName,
        changes: r.configs.map((c) => ({
          name: c.name,
          value: c.configOperation === SET ? c.value : null,
        })),
      });
    });
    const done = await this.opts.controller.alterConfigs(todo, req.validateOnly, validateChange);
    done.forEach((r, i) => (results[todo[i].index] = r));
    return {
      throttleTimeMs: 0,
      responses: req.resources.map((r, i) => ({
        errorCode: results[i].errorCode,
        errorMessage: results[i].errorMessage,
        resourceType: r.resourceType,
        resourceName: r.resourceName,
      })),
    };
  }
}

/** The NOT_CONTROLLER answer to a request, shaped for its API. */
function notController(apiKey: number, req: unknown): unknown {
  const code = ErrorCode.NOT_CONTROLLER;
  const msg = "This node is not the active controller.";
  switch (apiKey) {
    case 62:
      return { throttleTimeMs: 0, errorCode: code, brokerEpoch: -1 };
    case 63:
      return {
        throttleTimeMs: 0,
        errorCode: code,
        isCaughtUp: false,
        isFenced: true,
        shouldShutDown: false,
      };
    case 19:
      return {
        throttleTimeMs: 0,
        topics: (req as CreateTopicsRequest).topics.map((t) => ({
          name: t.name,
          topicId: ZERO_UUID,
          errorCode: code,
          errorMessage: msg,
          topicConfigErrorCode: ErrorCode.NONE,
          numPartitions: -1,
          replicationFactor: -1,
          configs: null,
        })),
      };
    case 20: {
      const r = req as DeleteTopicsRequest;
      const topics = r.topics.length > 0
        ? r.topics
        : r.topicNames.map((name) => ({ name, topicId: ZERO_UUID }));
      return {
        throttleTimeMs: 0,
        responses: topics.map((t) => ({
          name: t.name,
          topicId: t.topicId,
          errorCode: code,
          errorMessage: msg,
        })),
      };
    }
    case 37:
      return {
        throttleTimeMs: 0,
        results: (req as CreatePartitionsRequest).topics.map((t) => ({
          name: t.name,
          errorCode: code,
          errorMessage: msg,
        })),
      };
    default:
      return {
        throttleTimeMs: 0,
        responses: (req as IncrementalAlterConfigsRequest).resources.map((r) => ({
          errorCode: code,
          errorMessage: msg,
          resourceType: r.resourceType,
          resourceName: r.resourceName,
        })),
      };
  }
}
