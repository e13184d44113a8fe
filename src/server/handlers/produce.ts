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
 * - A DataNode handler: batches are validated here (LogAppendTime stamped), then
 *   appended through the DataPath in one call, in request order; the response
 *   is a Deferred built from the outcomes, so the next request on the
 *   connection waits only until the append is taken, not for an fsync.
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
import { topicConfigValues } from "../configs.ts";
import type { AppendEntry, AppendOutcome } from "../data_path.ts";
import { CloseConnection, dataHandler, type DataNode, Deferred } from "../handler.ts";

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

function topicSettings(node: DataNode, topic: string): TopicSettings {
  let byTopic = settingsByImage.get(node.image);
  if (!byTopic) settingsByImage.set(node.image, byTopic = new Map());
  let s = byTopic.get(topic);
  if (!s) {
    const values = topicConfigValues(node.image, node.config, topic);
    s = {
      maxMessageBytes: Number(values["max.message.bytes"]),
      logAppendTime: values["message.timestamp.type"] === "LogAppendTime",
      afterMaxMs: Number(values["message.timestamp.after.max.ms"]),
      compacted: values["cleanup.policy"].includes("compact"),
    };
    byTopic.set(topic, s);
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
  return batch;
}

/** A partition of the request: answered here already, or appended as `entry` (index into the call). */
type Slot = { result: PartitionResult } | { index: number; entry: number; logAppendTimeMs: number };

/** Checks and prepares one partition's records; a Slot with the result when it is not appended. */
function preparePartition(
  node: DataNode,
  topic: string,
  p: ProduceRequestPartitionProduceData,
  version: number,
  entries: AppendEntry[],
): Slot {
  const fail = (code: number, message: string): Slot => ({
    result: result(p.index, code, message),
  });
  const t = node.image.topic(topic);
  if (!t || p.index < 0 || p.index >= t.partitions.length) {
    return fail(
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      `partition ${topic}-${p.index} does not exist`,
    );
  }
  if (node.data.isOffline(topic, p.index)) {
    return fail(ErrorCode.KAFKA_STORAGE_ERROR, `log dir of ${topic}-${p.index} is offline`);
  }
  const settings = topicSettings(node, topic);
  const nowMs = Date.now();
  try {
    const records = p.records === null ? new Uint8Array(0) : p.records as Uint8Array;
    let batch = prepare(records, version, settings, nowMs);
    // A log that keeps appended bytes (its cache) gets a small batch copied, so it does not
    // pin the whole request buffer; a path that copies anyway (into a shard ring) needs none.
    if (node.data.keepsAppendedBytes && batch.byteLength * 2 < batch.buffer.byteLength) {
      batch = batch.slice();
    }
    entries.push({ topic, topicId: t.topicId, partition: p.index, records: batch });
    return {
      index: p.index,
      entry: entries.length - 1,
      logAppendTimeMs: settings.logAppendTime ? nowMs : -1,
    };
  } catch (e) {
    if (e instanceof Rejected) return fail(e.errorCode, e.message);
    if (e instanceof DecodeError) return fail(ErrorCode.CORRUPT_MESSAGE, e.message);
    throw e;
  }
}

function fromOutcome(
  slot: { index: number; logAppendTimeMs: number },
  o: AppendOutcome,
): PartitionResult {
  if (o.errorCode !== ErrorCode.NONE) return result(slot.index, o.errorCode, o.errorMessage);
  return {
    ...result(slot.index, ErrorCode.NONE),
    baseOffset: o.baseOffset,
    logAppendTimeMs: slot.logAppendTimeMs,
    logStartOffset: o.logStartOffset,
  };
}

export const produceHandler = dataHandler(0, { min: 0, max: 11 }, async (ctx, req) => {
  const node = ctx.broker;
  const version = ctx.header.apiVersion;
  const validAcks = req.acks === -1 || req.acks === 0 || req.acks === 1;
  const entries: AppendEntry[] = [];
  const topics: { name: string; topicId: string; slots: Slot[] }[] = [];
  for (const t of req.topicData) {
    const nameError = topicNameError(t.name);
    const topicError = nameError !== null || isInternalTopic(t.name)
      ? ErrorCode.INVALID_TOPIC_EXCEPTION
      : !validAcks
      ? ErrorCode.INVALID_REQUIRED_ACKS
      : null;
    const slots: Slot[] = [];
    for (const p of t.partitionData) {
      if (topicError !== null) {
        const why = nameError ??
          (validAcks ? `cannot write to internal topic ${t.name}` : `acks=${req.acks}`);
        slots.push({ result: result(p.index, topicError, why) });
        continue;
      }
      slots.push(preparePartition(node, t.name, p, version, entries));
    }
    topics.push({ name: t.name, topicId: t.topicId, slots });
  }
  // Partitions are appended in request order, and after every earlier request's.
  let outcomes: Promise<AppendOutcome[]> = Promise.resolve([]);
  if (entries.length > 0) {
    const call = node.data.append(req.acks, req.timeoutMs, entries);
    outcomes = call.outcomes;
    outcomes.catch(() => {});
    await call.accepted;
  }
  const build = (done: AppendOutcome[]): ProduceResponseTopicProduceResponse[] =>
    topics.map((t) => ({
      name: t.name,
      topicId: t.topicId,
      partitionResponses: t.slots.map((s) =>
        "result" in s ? s.result : fromOutcome(s, done[s.entry])
      ),
    }));
  if (req.acks === 0) {
    // No response; the outcome is awaited after the ordered work so later requests need not wait.
    return new Deferred(outcomes.then((done) => {
      const failed = build(done).flatMap((t) => t.partitionResponses).find((p) =>
        p.errorCode !== ErrorCode.NONE
      );
      // No response to carry the error: Kafka closes the connection so the client notices.
      if (failed) {
        throw new CloseConnection(
          `acks=0 produce failed (${failed.errorCode}): ${failed.errorMessage}`,
        );
      }
      return null;
    }));
  }
  // Durable topics answer after fsync; the next request on the connection need not wait for it.
  return new Deferred(
    outcomes.then((done): ProduceResponse => ({
      responses: build(done),
      throttleTimeMs: 0,
      nodeEndpoints: [],
    })),
  );
});
