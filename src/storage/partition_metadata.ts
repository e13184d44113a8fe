/**
 * Kafka's `partition.metadata` file: the id of the topic a partition
 * directory belongs to, so a topic deleted and re-created under the same name
 * (same directory name, new id) is told apart from the old one. Text:
 *
 *   version: 0
 *   topic_id: <topic id, Kafka's 22-character base64url form>
 *
 * Written once, atomically (writeFileAtomic), when the partition is created
 * or first assigned an id. Directories from before this file existed have
 * none: their id is null (unknown), and they are kept.
 */
import type { Logger } from "./env.ts";
import { type FsLayer, isNotFound, joinPath, writeFileAtomic } from "./fs.ts";

export const PARTITION_METADATA_FILE = "partition.metadata";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
/** Storage takes ids as opaque tokens (the broker's are Kafka's 22-character form). */
const TOPIC_ID = /^[\x21-\x7e]{1,64}$/;

/** Whether `id` can be recorded: 1 to 64 printable ASCII characters, no spaces. */
export function isTopicId(id: string): boolean {
  return TOPIC_ID.test(id);
}

export function encodePartitionMetadata(topicId: string): Uint8Array {
  if (!isTopicId(topicId)) throw new RangeError(`"${topicId}" is not a topic id`);
  return encoder.encode(`version: 0\ntopic_id: ${topicId}\n`);
}

/** The topic id in the file's bytes; null when they are not a version 0 partition.metadata. */
export function decodePartitionMetadata(bytes: Uint8Array): string | null {
  const lines = decoder.decode(bytes).split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  if (lines.length !== 2) return null;
  const version = /^version: *(\d+)$/.exec(lines[0].trim());
  const id = /^topic_id: *(\S+)$/.exec(lines[1].trim());
  if (version === null || Number(version[1]) !== 0 || id === null || !isTopicId(id[1])) {
    return null;
  }
  return id[1];
}

/**
 * The topic id recorded in partition directory `dir`: null when the file is
 * missing, or unreadable (then with a warning). I/O errors other than "not
 * found" propagate (they take the directory offline).
 */
export function readPartitionMetadata(fs: FsLayer, dir: string, logger: Logger): string | null {
  let bytes: Uint8Array;
  try {
    bytes = fs.readFile(joinPath(dir, PARTITION_METADATA_FILE));
  } catch (e) {
    if (isNotFound(e)) return null;
    throw e;
  }
  const id = decodePartitionMetadata(bytes);
  if (id === null) {
    logger.warn(`${dir}/${PARTITION_METADATA_FILE} is unreadable; its topic id is unknown`);
  }
  return id;
}

/** Records `topicId` in partition directory `dir`, atomically and durably. */
export function writePartitionMetadata(fs: FsLayer, dir: string, topicId: string): Promise<void> {
  return writeFileAtomic(fs, dir, PARTITION_METADATA_FILE, encodePartitionMetadata(topicId));
}
