/**
 * Errors the storage layer reports to its callers, each matching the Kafka
 * error code the broker answers with (named in the comment).
 */

/** OFFSET_OUT_OF_RANGE: below the log start offset or past the log end. */
export class OffsetOutOfRangeError extends Error {
  override name = "OffsetOutOfRangeError";
  constructor(readonly offset: number, readonly logStartOffset: number, readonly logEnd: number) {
    super(`offset ${offset} is outside [${logStartOffset}, ${logEnd}]`);
  }
}

/** KAFKA_STORAGE_ERROR: the partition's log directory failed; the partition is offline. */
export class LogOfflineError extends Error {
  override name = "LogOfflineError";
  constructor(readonly dir: string, readonly reason: string) {
    super(`log ${dir} is offline: ${reason}`);
  }
}

/** RECORD_LIST_TOO_LARGE: one append is larger than segment.bytes. */
export class RecordBatchTooLargeError extends Error {
  override name = "RecordBatchTooLargeError";
}

/**
 * NOT_LEADER_OR_FOLLOWER: a durable acknowledgement was awaited for records a
 * truncation removed before they were flushed.
 */
export class TruncatedError extends Error {
  override name = "TruncatedError";
}
