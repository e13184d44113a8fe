/**
 * Produce (0), v0-11 (advertised from 0: librdkafka before 2.11.1 sends
 * batches uncompressed unless Produce v0 is in range).
 * - v3+: exactly one RecordBatch (magic 2) per partition, validated on the raw
 *   bytes (size, CRC-32C, record count, no control batches, sequence rules for
 *   producer ids), then stored as received with offsets assigned in place.
 * - v0-2: legacy message sets (magic 0/1, CRC-32, compressed wrappers) are
 *   converted to one v2 batch on append.
 * - LogAppendTime topics get the broker time in maxTimestamp (CRC recomputed)
 *   and log_append_time in the response; CreateTime batches more than
 *   message.timestamp.after.max.ms in the future are INVALID_TIMESTAMP.
 * - Compacted topics reject records without a key (INVALID_RECORD).
 * - acks: -1/1 answer after the append (single node: the ISR is this node),
 *   and only after fsync when the topic has flush.messages=1; acks=0 gets no
 *   response, and a failed acks=0 append closes the connection (as Kafka).
 * - Never auto-creates topics.
 * - A partition another broker leads gets NOT_LEADER_OR_FOLLOWER (leadership.ts).
 * Not implemented: idempotent sequence checks and transactions (InitProducerId
 * is not served yet; transactional batches get INVALID_TXN_STATE), topic
 * compression.type re-compression (batches are stored as the producer sent them).
 */
import { ErrorCode } from "../../protocol/errors.ts";
import type {
  ProduceRequestPartitionProduceData,
  ProduceResponse,
  ProduceResponsePartitionProduceResponse,
  ProduceResponseTopicProduceResponse,
} from "../../protocol/generated/mod.ts";
import { DecodeError } from "../../protocol/decode_error.ts";
import { RecordView, updateCrc, validateBatch } from "../../protocol/records/batch.ts";
import { messageSetToBatch } from "../../protocol/records/legacy.ts";
import { Compression, MAGIC, TIMESTAMP_TYPE_BIT } from "../../protocol/records/layout.ts";
import type { MetadataImage } from "../../metadata/image.ts";
import { isInternalTopic, topicNameError } from "../../metadata/topic_name.ts";
import { LogOfflineError, RecordBatchTooLargeError, TruncatedError } from "../../storage/errors.ts";
import type { PartitionLog } from "../../storage/log.ts";
import { topicConfigValues } from "../configs.ts";
import type { Broker } from "../broker.ts";
import { CloseConnection, Deferred, handler } from "../handler.ts";
import { notLeader } from "../leadership.ts";

type PartitionResult = ProduceResponsePartitionProduceResponse;

function result(
  index: number,
  errorCode: number,
  errorMessage: string | null = null,
): PartitionResult {
  return {
    index,
    errorCode,
    baseOffset: -1,
    logAppendTimeMs: -1,
    logStartOffset: -1,
    recordErrors: [],
    errorMessage,
    currentLeader: { leaderId: -1, leaderEpoch: -1 },
  };
}

class Rejected extends Error {
  constructor(readonly errorCode: number, message: string) {
    super(message);
  }
}

/** Produce < v8 clients do not know INVALID_RECORD; Kafka reports CORRUPT_MESSAGE to them. */
function invalidRecord(version: number): number {
  return version >= 8 ? ErrorCode.INVALID_RECORD : ErrorCode.CORRUPT_MESSAGE;
}

interface TopicSettings {
  maxMessageBytes: number;
  logAppendTime: boolean;
  afterMaxMs: number;
  compacted: boolean;
}

/** Resolved once per topic and metadata image: config resolution is not free, and produce is the hot path. */
const settingsByImage = new WeakMap<MetadataImage, Map<string, TopicSettings>>();

function topicSettings(broker: Broker, log: PartitionLog): TopicSettings {
  let byTopic = settingsByImage.get(broker.image);
  if (!byTopic) settingsByImage.set(broker.image, byTopic = new Map());
  let s = byTopic.get(log.topic);
  if (!s) {
    const values = topicConfigValues(broker.image, broker.config, log.topic);
    s = {
      maxMessageBytes: Number(values["max.message.bytes"]),
      logAppendTime: values["message.timestamp.type"] === "LogAppendTime",
      afterMaxMs: Number(values["message.timestamp.after.max.ms"]),
      compacted: values["cleanup.policy"].includes("compact"),
    };
    byTopic.set(log.topic, s);
  }
  return s;
}

/** Validates (and for legacy formats converts) one partition's records; returns the v2 batch to append. */
function prepare(
  records: Uint8Array,
  version: number,
  s: TopicSettings,
  nowMs: number,
): Uint8Array {
  if (records.length === 0) throw new Rejected(invalidRecord(version), "the record set is empty");
  let batch: Uint8Array;
  const magic = records.length > MAGIC ? records[MAGIC] : -1;
  if (version < 3 && (magic === 0 || magic === 1)) {
    batch = messageSetToBatch(records);
  } else {
    // Produce v0-2 may carry a v2 batch too: Kafka insists on magic 2 only from v3.
    if (magic !== 2) {
      throw new Rejected(
        invalidRecord(version),
        `record format magic ${magic} is not accepted here`,
      );
    }
    batch = records;
  }
  let h;
  try {
    h = validateBatch(batch, 0);
  } catch (e) {
    if (e instanceof DecodeError && e.kind === "corrupt") {
      throw new Rejected(ErrorCode.CORRUPT_MESSAGE, e.message);
    }
    if (e instanceof DecodeError) throw new Rejected(invalidRecord(version), e.message);
    throw e;
  }
  if (h.sizeBytes !== batch.length) {
    throw new Rejected(invalidRecord(version), "exactly one record batch per partition is allowed");
  }
  if (h.sizeBytes > s.maxMessageBytes) {
    throw new Rejected(
      ErrorCode.MESSAGE_TOO_LARGE,
      `batch of ${h.sizeBytes} bytes exceeds max.message.bytes ${s.maxMessageBytes}`,
    );
  }
  if (h.isControl) {
    throw new Rejected(invalidRecord(version), "clients may not write control batches");
  }
  if (h.isTransactional) {
    throw new Rejected(ErrorCode.INVALID_TXN_STATE, "transactions are not supported yet");
  }
  if (h.producerId >= 0 && h.baseSequence < 0) {
    throw new Rejected(invalidRecord(version), "a batch with a producer id needs a base sequence");
  }
  if (h.compression === Compression.Zstd && version < 7) {
    throw new Rejected(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, "zstd needs Produce v7 or later");
  }
  if (h.compression > Compression.Zstd) {
    throw new Rejected(invalidRecord(version), `unknown codec ${h.compression}`);
  }
  if (s.compacted) {
    const view = new RecordView().open(h);
    while (view.next()) {
      if (view.keyLength < 0) {
        throw new Rejected(
          invalidRecord(version),
          "Compacted topic cannot accept message without key",
        );
      }
    }
  }
  if (s.logAppendTime) {
    h.attributes = h.attributes | TIMESTAMP_TYPE_BIT;
    h.maxTimestamp = nowMs;
    updateCrc(batch, 0);
  } else if (!h.isLogAppendTime && h.maxTimestamp > nowMs + s.afterMaxMs) {
    throw new Rejected(
      ErrorCode.INVALID_TIMESTAMP,
      `timestamp ${h.maxTimestamp} is more than message.timestamp.after.max.ms ahead of the broker`,
    );
  }
  // Small batches are copied so the cache does not pin the whole read buffer they arrived in.
  return batch.byteLength * 2 < batch.buffer.byteLength ? batch.slice() : batch;
}

interface Produced {
  result: PartitionResult;
  /** The flush a durable topic acknowledges after (flush.messages=1). */
  flushed?: Promise<void>;
}

async function producePartition(
  broker: Broker,
  topic: string,
  p: ProduceRequestPartitionProduceData,
  version: number,
): Promise<Produced> {
  const fail = (code: number, message: string): Produced => ({
    result: result(p.index, code, message),
  });
  const elsewhere = notLeader(broker, topic, p.index);
  if (elsewhere) return fail(elsewhere.errorCode, elsewhere.errorMessage);
  const log = await broker.partitions.partition(topic, p.index);
  if (!log) {
    return fail(
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      `partition ${topic}-${p.index} does not exist`,
    );
  }
  if (log.isOffline) {
    return fail(ErrorCode.KAFKA_STORAGE_ERROR, `log dir of ${topic}-${p.index} is offline`);
  }
  const settings = topicSettings(broker, log);
  const nowMs = Date.now();
  try {
    const records = p.records === null ? new Uint8Array(0) : p.records as Uint8Array;
    const batch = prepare(records, version, settings, nowMs);
    const leaderEpoch = broker.image.topic(topic)!.partitions[p.index].leaderEpoch;
    const info = broker.partitions.append(log, batch, leaderEpoch);
    return {
      result: {
        ...result(p.index, ErrorCode.NONE),
        baseOffset: info.firstOffset,
        logAppendTimeMs: settings.logAppendTime ? nowMs : -1,
        logStartOffset: log.logStartOffset,
      },
      flushed: log.config.flushMessages === 1 ? log.waitFlushed(info.lastOffset) : undefined,
    };
  } catch (e) {
    if (e instanceof Rejected) return fail(e.errorCode, e.message);
    if (e instanceof DecodeError) return fail(ErrorCode.CORRUPT_MESSAGE, e.message);
    if (e instanceof RecordBatchTooLargeError) return fail(ErrorCode.MESSAGE_TOO_LARGE, e.message);
    if (e instanceof LogOfflineError) return fail(ErrorCode.KAFKA_STORAGE_ERROR, e.message);
    throw e;
  }
}

export const produceHandler = handler(0, { min: 0, max: 11 }, async (ctx, req) => {
  const broker = ctx.broker;
  const version = ctx.header.apiVersion;
  const validAcks = req.acks === -1 || req.acks === 0 || req.acks === 1;
  const waits: Promise<void>[] = [];
  const responses: ProduceResponseTopicProduceResponse[] = [];
  // Partitions are appended one after another, in request order.
  for (const t of req.topicData) {
    const nameError = topicNameError(t.name);
    const topicError = nameError !== null || isInternalTopic(t.name)
      ? ErrorCode.INVALID_TOPIC_EXCEPTION
      : !validAcks
      ? ErrorCode.INVALID_REQUIRED_ACKS
      : null;
    const partitionResponses: PartitionResult[] = [];
    for (const p of t.partitionData) {
      if (topicError !== null) {
        const why = nameError ??
          (validAcks ? `cannot write to internal topic ${t.name}` : `acks=${req.acks}`);
        partitionResponses.push(result(p.index, topicError, why));
        continue;
      }
      const produced = await producePartition(broker, t.name, p, version);
      partitionResponses.push(produced.result);
      if (produced.flushed) {
        const r = produced.result;
        waits.push(produced.flushed.catch((e) => {
          if (!(e instanceof LogOfflineError || e instanceof TruncatedError)) throw e;
          Object.assign(r, result(r.index, ErrorCode.KAFKA_STORAGE_ERROR, e.message));
        }));
      }
    }
    responses.push({ name: t.name, topicId: t.topicId, partitionResponses });
  }
  if (req.acks === 0) {
    const failed = responses.flatMap((t) => t.partitionResponses).find((p) =>
      p.errorCode !== ErrorCode.NONE
    );
    // No response to carry the error: Kafka closes the connection so the client notices.
    if (failed) {
      throw new CloseConnection(
        `acks=0 produce failed (${failed.errorCode}): ${failed.errorMessage}`,
      );
    }
    return null;
  }
  const response: ProduceResponse = { responses, throttleTimeMs: 0, nodeEndpoints: [] };
  // Durable topics answer after fsync; the next request on the connection need not wait for it.
  return waits.length === 0 ? response : new Deferred(Promise.all(waits).then(() => response));
});
