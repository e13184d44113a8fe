/**
 * Framing checks on what an append receives: a concatenation of v2 batches.
 * The produce path validates CRCs and records; the log only needs each
 * batch's bounds and header, and refuses input whose framing is off (it
 * would corrupt the segment for every later reader).
 */
import { DecodeError } from "../protocol/decode_error.ts";
import { BatchHeader, LOG_OVERHEAD, RECORD_BATCH_OVERHEAD } from "../protocol/records/layout.ts";

/** Header views of the batches in `records`; throws DecodeError when the framing is off. */
export function splitBatches(records: Uint8Array): BatchHeader[] {
  const out: BatchHeader[] = [];
  let pos = 0;
  while (pos < records.length) {
    if (records.length - pos < RECORD_BATCH_OVERHEAD) {
      throw new DecodeError("short", `${records.length - pos} trailing bytes are not a batch`);
    }
    const h = new BatchHeader(records, pos);
    const size = h.batchLength + LOG_OVERHEAD;
    if (size < RECORD_BATCH_OVERHEAD || pos + size > records.length) {
      throw new DecodeError("bad_length", `batch at ${pos} has length ${h.batchLength}`);
    }
    if (h.magic !== 2) throw new DecodeError("bad_magic", `batch at ${pos} has magic ${h.magic}`);
    if (h.lastOffsetDelta < 0) {
      throw new DecodeError("corrupt", `batch at ${pos} has lastOffsetDelta ${h.lastOffsetDelta}`);
    }
    out.push(h);
    pos += size;
  }
  if (out.length === 0) throw new DecodeError("short", "no record batch to append");
  return out;
}
