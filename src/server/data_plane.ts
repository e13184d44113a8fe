/**
 * The seam between the Broker (main thread: metadata, groups, admin) and a
 * multi-core data plane (workers/worker_plane.ts): reactor workers that own
 * the Kafka listeners and shard workers that own the partitions. The Broker
 * cannot import workers/ (it sits below them), so main.ts passes a factory.
 *
 * Without a plane (single.thread=true) the Broker listens itself and its own
 * ShardCore owns every partition: the same handlers and the same partition
 * code, on one thread.
 */
import type { MetadataImage } from "../metadata/image.ts";
import type { MetadataRecord } from "../metadata/records.ts";
import type { Endpoint } from "./config.ts";
import type { ConnectionHost } from "./connection.ts";
import type { DataPath } from "./data_path.ts";
import type { Logger } from "./log.ts";

export interface DataPlane {
  /** Partition data: shards over rings, the internal topics on the main thread. */
  readonly data: DataPath;
  /**
   * Starts the reactors on the listeners; resolves with the bound endpoints
   * (port 0 resolved), or null when the plane has no reactors: then the main
   * thread listens itself and runs the data handlers over `data`.
   */
  listen(endpoints: readonly Endpoint[]): Promise<Endpoint[] | null>;
  /** Committed metadata to replicate to every worker, in order (`snapshot`: replaces the image). */
  publish(records: readonly MetadataRecord[], lastOffset: number, snapshot: boolean): void;
  /** For the startup line: "2 reactors, 3 shards". */
  readonly description: string;
  /** Null when every worker has applied all metadata published so far; else when they will have. */
  caughtUp(): Promise<void> | null;
  /** Asks every reactor for its request counts and connections now (bounded wait). */
  refreshStats(): Promise<void>;
  /** Open client connections over all reactors (as last reported). */
  readonly connectionCount: number;
  /** Reactors stop accepting and drain, then shards flush and close. */
  stop(graceMs?: number): Promise<void>;
}

/** What the plane needs of the main thread. */
export interface DataPlaneHost extends ConnectionHost {
  readonly image: MetadataImage;
  readonly log: Logger;
}

/** Starts the plane's workers. `local` serves the partitions the main thread keeps (internal topics). */
export type DataPlaneFactory = (host: DataPlaneHost, local: DataPath) => Promise<DataPlane>;

/** A plane to start, and the owners it will have (for the main thread's own storage files). */
export interface DataPlaneSpec {
  /** The shard workers' owner tags (LogManager ownerTag); the main thread's is MAIN_OWNER_TAG. */
  readonly shardOwnerTags: readonly string[];
  /** Reactor workers; 0: the main thread accepts connections and keeps its fetch sessions. */
  readonly reactors: number;
  readonly start: DataPlaneFactory;
}

/** The main thread's owner tag when a plane runs (it keeps the internal topics). */
export const MAIN_OWNER_TAG = "main";
