/**
 * Which partition of `__consumer_offsets` holds a group, as Kafka computes it:
 * `abs(String.hashCode(groupId)) % partitions`, with Kafka's Utils.abs
 * (abs(Integer.MIN_VALUE) = 0), so a group lands where Kafka would put it.
 */

/** Java's String.hashCode over UTF-16 code units, as a signed 32-bit int. */
export function javaStringHashCode(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

/** Kafka's Utils.abs: Math.abs, except that Integer.MIN_VALUE maps to 0. */
export function kafkaAbs(n: number): number {
  return n === -2147483648 ? 0 : Math.abs(n);
}

export function partitionForGroup(groupId: string, partitions: number): number {
  return kafkaAbs(javaStringHashCode(groupId)) % partitions;
}
