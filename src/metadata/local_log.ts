/**
 * The single-node metadata log: records are JSON values in ordinary record
 * batches of a storage PartitionLog (`__cluster_metadata-0`). An append is
 * committed once it is flushed; committed records are handed to `onCommit`,
 * the same path a restart's replay takes. The Raft quorum replaces this with a
 * replicated log carrying the same records.
 */
import { assert } from "../base/assert.ts";
import { concat } from "../protocol/messages.ts";
import { batches, buildBatch, decodeBatchRecords } from "../protocol/records/batch.ts";
import type { PartitionLog } from "../storage/log.ts";
import type { MetadataLog } from "./controller.ts";
import { decodeRecord, encodeRecord, type MetadataRecord } from "./records.ts";

export const METADATA_TOPIC = "__cluster_metadata";

/** Bytes read per step while replaying. */
const replayChunkBytes = 1024 * 1024;

export class LocalMetadataLog implements MetadataLog {
  constructor(
    private readonly log: PartitionLog,
    private readonly onCommit: (records: readonly MetadataRecord[], lastOffset: number) => void,
  ) {}

  /** Replays every committed batch through onCommit, in order; returns the next offset. */
  replay(): number {
    let offset = this.log.logStartOffset;
    const end = this.log.logEndOffset;
    while (offset < end) {
      const read = this.log.read(offset, replayChunkBytes, { minOneBatch: true });
      if (read.sizeBytes === 0) break;
      const buf = read.chunks.length === 1 ? read.chunks[0] : concat(read.chunks);
      for (const batch of batches(buf)) {
        const records = decodeBatchRecords(batch);
        const decoded = records.filter((r) => r.offset >= offset && r.value !== null).map((r) =>
          decodeRecord(r.value!)
        );
        if (decoded.length) this.onCommit(decoded, batch.lastOffset);
        offset = batch.lastOffset + 1;
      }
    }
    this.log.setHighWatermark(this.log.logEndOffset);
    return offset;
  }

  async append(records: readonly MetadataRecord[]): Promise<number> {
    assert(records.length > 0, "empty metadata append");
    const batch = buildBatch({
      records: records.map((r) => ({ key: null, value: encodeRecord(r) })),
    });
    const info = this.log.append(batch);
    await this.log.waitFlushed(info.lastOffset);
    this.log.setHighWatermark(info.lastOffset + 1);
    this.onCommit(records, info.lastOffset);
    return info.lastOffset;
  }

  async close(): Promise<void> {
    await this.log.close();
  }
}
