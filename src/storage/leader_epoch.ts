/**
 * Leader epoch cache: which leader epoch started at which offset, as Kafka
 * keeps in `leader-epoch-checkpoint`. Replication uses endOffsetFor to answer
 * OffsetsForLeaderEpoch and decide where a follower truncates.
 */
import { assert } from "../base/assert.ts";
import { encodeEpochCheckpoint, type EpochEntry } from "./checkpoint.ts";

export class LeaderEpochCache {
  #entries: EpochEntry[] = [];
  /** Bumped on every change, so the owner knows to persist. */
  version = 0;

  constructor(entries: readonly EpochEntry[] = []) {
    for (const e of entries) this.assign(e.epoch, e.startOffset);
    this.version = 0;
  }

  get entries(): readonly EpochEntry[] {
    return this.#entries;
  }

  latestEpoch(): number {
    return this.#entries.length === 0 ? -1 : this.#entries[this.#entries.length - 1].epoch;
  }

  /**
   * Records that `epoch` starts at `startOffset`. Older or equal epochs are
   * ignored; a newer epoch replaces entries starting at or after startOffset.
   */
  assign(epoch: number, startOffset: number): boolean {
    if (epoch < 0) return false;
    const last = this.#entries[this.#entries.length - 1];
    if (last !== undefined && epoch <= last.epoch) return false;
    while (
      this.#entries.length > 0 && this.#entries[this.#entries.length - 1].startOffset >= startOffset
    ) {
      this.#entries.pop();
    }
    this.#entries.push({ epoch, startOffset });
    this.version++;
    return true;
  }

  /**
   * Kafka's OffsetsForLeaderEpoch answer (LeaderEpochFileCache.endOffsetFor):
   * for the latest epoch, [epoch, logEnd]; for an older one, the largest known
   * epoch <= it and the start offset of the next epoch (the requested epoch
   * itself when it precedes every known one); [-1, -1] for an epoch above the
   * latest or when nothing is known.
   */
  endOffsetFor(epoch: number, logEnd: number): { leaderEpoch: number; endOffset: number } {
    const undefinedEpoch = { leaderEpoch: -1, endOffset: -1 };
    const entries = this.#entries;
    if (epoch < 0 || entries.length === 0) return undefinedEpoch;
    if (epoch === this.latestEpoch()) return { leaderEpoch: epoch, endOffset: logEnd };
    let higher = 0;
    while (higher < entries.length && entries[higher].epoch <= epoch) higher++;
    if (higher === entries.length) return undefinedEpoch;
    const floor = higher > 0 ? entries[higher - 1].epoch : epoch;
    return { leaderEpoch: floor, endOffset: entries[higher].startOffset };
  }

  /** Drops epochs starting at or after `endOffset` (the log was truncated there). */
  truncateFromEnd(endOffset: number): void {
    const before = this.#entries.length;
    while (
      this.#entries.length > 0 && this.#entries[this.#entries.length - 1].startOffset >= endOffset
    ) {
      this.#entries.pop();
    }
    if (this.#entries.length !== before) this.version++;
  }

  /** Forgets offsets below `startOffset` (the log start moved up). */
  truncateFromStart(startOffset: number): void {
    let keep = 0;
    while (keep + 1 < this.#entries.length && this.#entries[keep + 1].startOffset <= startOffset) {
      keep++;
    }
    const changed = keep > 0 ||
      (this.#entries.length > 0 && this.#entries[0].startOffset < startOffset);
    if (!changed) return;
    this.#entries = this.#entries.slice(keep);
    if (this.#entries[0].startOffset < startOffset) {
      this.#entries[0] = { epoch: this.#entries[0].epoch, startOffset };
    }
    this.version++;
    assert(this.#entries.length > 0, "epoch cache emptied by truncateFromStart");
  }

  clear(): void {
    if (this.#entries.length > 0) this.version++;
    this.#entries = [];
  }
}

/** Writes a cache's leader-epoch-checkpoint when it changed, one write at a time. */
export class EpochCheckpointWriter {
  #persisted: number;
  #chain: Promise<void> = Promise.resolve();

  constructor(
    readonly cache: LeaderEpochCache,
    readonly write: (bytes: Uint8Array) => Promise<void>,
    persistedVersion: number,
  ) {
    this.#persisted = persistedVersion;
  }

  /** Resolves once the file holds the cache as of this call (or later). */
  persist(): Promise<void> {
    const next = this.#chain.then(async () => {
      const version = this.cache.version;
      if (version === this.#persisted) return;
      await this.write(encodeEpochCheckpoint(this.cache.entries));
      this.#persisted = version;
    });
    this.#chain = next.catch(() => {});
    return next;
  }
}
