/**
 * Every bound the broker enforces, in one module. Each section belongs to one
 * layer; edit only your section. Names carry units (Bytes, Ms, Count).
 */

// --- protocol -------------------------------------------------------------
/** Largest request frame accepted (Kafka's socket.request.max.bytes default). */
export const frameBytesMax = 100 * 1024 * 1024;
/** Largest array element count a decoder accepts, before checking remaining bytes. */
export const arrayCountMax = 10_000_000;
/** Largest string a decoder accepts (int16 strings are capped at 32767 anyway). */
export const stringBytesMax = 1024 * 1024;
/** Upper bound on the bytes one compressed batch may inflate to. */
export const decompressedBytesMax = 64 * 1024 * 1024;

// --- server ---------------------------------------------------------------
/** Fetch sessions (KIP-227) cached per broker (Kafka's max.incremental.fetch.session.cache.slots). */
export const fetchSessionSlotsMax = 1000;
/** A fetch session unused this long is evicted. */
export const fetchSessionIdleMs = 120_000;
/** Longest long-poll wait a Fetch may ask for. */
export const fetchMaxWaitMsMax = 30_000;

// --- storage --------------------------------------------------------------
/** Inactive segments whose files (and loaded indexes) stay open at once, per log manager. */
export const openSegmentsMax = 1024;
/** Bytes of recently appended batches kept in memory for tailing readers, per log manager. */
export const recentCacheBytesMax = 128 * 1024 * 1024;
/** A single batch larger than this is not cached (it would evict everything else). */
export const recentCacheBatchBytesMax = 8 * 1024 * 1024;
/** Entries one offset index may hold (Kafka's segment.index.bytes / 8 at its 10 MiB default). */
export const indexEntriesMax = 1_310_720;
/** Largest batch recovery and reads accept from disk; a bigger length field means corruption. */
export const storedBatchBytesMax = frameBytesMax;
/** Largest read one fetch may ask of a partition log. */
export const readBytesMax = 64 * 1024 * 1024;
/** Bytes read per step when recovery or the cleaner scans a segment. */
export const scanChunkBytes = 1024 * 1024;
/** Keys the cleaner's offset map may hold in one compaction pass. */
export const cleanerMapEntriesMax = 1_000_000;
/** Key bytes the cleaner's offset map may hold in one compaction pass. */
export const cleanerMapKeyBytesMax = 64 * 1024 * 1024;
/** fdatasync rounds one partition's flusher may have running at once. */
export const flushSyncsInFlightMax = 4;

// --- raft -----------------------------------------------------------------
/** Bytes of metadata log one Fetch response carries (at least one whole batch goes regardless). */
export const raftFetchBytesMax = 8 * 1024 * 1024;
/** Bytes of a snapshot one FetchSnapshot response carries. */
export const raftSnapshotChunkBytes = 1024 * 1024;
/** Largest snapshot a follower assembles in memory while fetching it from the leader. */
export const raftSnapshotBytesMax = 512 * 1024 * 1024;
/** Bytes of record values the leader packs into one batch. */
export const raftBatchBytesMax = 1024 * 1024;
/** Bytes of appended records waiting for the leader to write them; more is refused. */
export const raftPendingAppendBytesMax = 64 * 1024 * 1024;

// --- coordinator ----------------------------------------------------------
/** Member ids handed out by MEMBER_ID_REQUIRED and not yet used, per group; more get GROUP_MAX_SIZE_REACHED. */
export const groupPendingMembersMax = 1000;
/** A new member whose first JoinGroup has been parked this long is dropped (Kafka's new-member join timeout). */
export const groupNewMemberJoinTimeoutMs = 300_000;
/** Bytes of __consumer_offsets read per step while loading a partition's groups. */
export const offsetsLoadChunkBytes = 1024 * 1024;

// --- workers --------------------------------------------------------------
/**
 * Bytes of one SharedArrayBuffer ring (one direction between one reactor and one
 * shard); a power of two. A message may take at most half of it, so 4 MiB carries
 * Kafka's default 1 MiB batches and partition fetches with room to spare, while
 * reactors x shards x 2 rings stay affordable on many cores (pages are only
 * resident once touched).
 */
export const ringBytes = 4 * 1024 * 1024;
/** Smallest ring accepted (a few small messages). */
export const ringBytesMin = 4096;
/** Largest ring accepted: byte positions are 32-bit counters, so the capacity must stay below 2^31. */
export const ringBytesMax = 1024 * 1024 * 1024;
/** Reactor (network) worker threads, and separately shard worker threads, at most. */
export const workerThreadsMax = 64;
/** How often each worker bumps its heartbeat word in shared memory. */
export const workerHeartbeatMs = 250;
/**
 * A worker whose heartbeat has not moved for this long is dead or wedged (it
 * called Deno.exit or self.close, which raise no event, or its event loop is
 * blocked): the supervisor takes the process down rather than run half alive.
 */
export const workerStallMs = 10_000;
/** Workers not all ready this long after they were started fail the start. */
export const workerStartTimeoutMs = 30_000;
