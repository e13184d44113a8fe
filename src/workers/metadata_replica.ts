/**
 * What every data-plane worker shares with the main thread: the broker's
 * configuration (as properties, rebuilt in the worker) and a replica of the
 * metadata image, kept by the main thread's "metadata" messages (committed
 * records in order; a snapshot replaces the image). Each update is
 * acknowledged with the offset applied, which the main thread waits for
 * before answering admin requests (read-your-writes across threads).
 */
import { MetadataImage } from "../metadata/image.ts";
import type { MetadataRecord } from "../metadata/records.ts";
import { type BrokerConfig, brokerConfig } from "../server/config.ts";

export interface MetadataUpdate {
  readonly t: "metadata";
  readonly records: readonly MetadataRecord[];
  readonly lastOffset: number;
  /** true: `records` replace the image (start, snapshot load). */
  readonly snapshot: boolean;
}

/** The part of every data-plane worker's init that comes from the broker. */
export interface PlaneWorkerInit {
  readonly props: readonly [string, string][];
  readonly source: string;
  readonly shardCount: number;
  /** The image when the worker starts, as a snapshot update. */
  readonly metadata: MetadataUpdate;
}

export function workerConfig(init: PlaneWorkerInit): BrokerConfig {
  return brokerConfig(new Map(init.props), init.source);
}

export class MetadataReplica {
  image: MetadataImage;

  constructor(start: MetadataUpdate) {
    this.image = MetadataImage.empty.apply(start.records, start.lastOffset);
  }

  /**
   * Applies an update; returns the image before it and how it changed
   * ("snapshot", "records", or null for an update already applied).
   */
  apply(u: MetadataUpdate): { before: MetadataImage; change: "snapshot" | "records" | null } {
    const before = this.image;
    if (u.snapshot) {
      this.image = MetadataImage.empty.apply(u.records, u.lastOffset);
      return { before, change: "snapshot" };
    }
    if (u.lastOffset <= before.offset) return { before, change: null };
    this.image = before.apply(u.records, u.lastOffset);
    return { before, change: "records" };
  }
}
