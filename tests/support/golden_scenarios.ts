/**
 * What the golden-frame capture sessions send, shared by the capture tool and
 * the golden test so the test can check decoded frames against known content.
 */
export const codecs = ["none", "gzip", "snappy", "lz4", "zstd"] as const;

/** kcat -K: input lines (key:value), produced once per codec to topic golden-<codec>. */
export const kcatLines = Array.from(
  { length: 40 },
  (_, i) => `key-${i}:value-${i}-${"x".repeat(i * 7)}`,
);
/** A header kcat attaches to every message (-H). */
export const kcatHeader = { key: "trace", value: "golden" };

/**
 * The Python (confluent-kafka) producer's messages, per codec, to topic py-<codec>.
 * One value is long and repetitive: librdkafka sends a batch uncompressed when
 * compressing would not make it smaller.
 */
export const pythonMessages = [
  { key: "long", value: "compressible ".repeat(60), headers: [] },
  { key: "k0", value: "hello", headers: [["h1", "v1"], ["h1", "dup"], ["empty", ""]] },
  { key: null, value: "no key", headers: [] },
  { key: "k2", value: null, headers: [["nullv", null]] },
  { key: "k3", value: "é€☃ unicode", headers: [] },
] as const;

/** The kafkajs producer's messages, sent with and without gzip to topic js-<codec>. */
export const kafkajsMessages = [
  { key: "a", value: "first", headers: { h: "1" } },
  { key: null, value: "second", headers: {} },
  { key: "c", value: "third ".repeat(50), headers: { x: "y", z: "" } },
] as const;
