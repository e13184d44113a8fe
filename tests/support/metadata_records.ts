/** Metadata records for tests that build an image by hand: a topic and its partitions on one broker. */
import type { MetadataRecord } from "../../src/metadata/records.ts";

export function topicRecords(
  name: string,
  topicId: string,
  partitions: number,
  opts: { broker?: number; leaderEpoch?: number } = {},
): MetadataRecord[] {
  const broker = opts.broker ?? 1;
  const out: MetadataRecord[] = [{ type: "topic", name, topicId }];
  for (let p = 0; p < partitions; p++) {
    out.push({
      type: "partition",
      topicId,
      partition: p,
      replicas: [broker],
      isr: [broker],
      leader: broker,
      leaderEpoch: opts.leaderEpoch ?? 0,
      partitionEpoch: 0,
    });
  }
  return out;
}
