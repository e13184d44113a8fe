/**
 * metadata: cluster state as a log of records (records.ts) replayed into an
 * immutable MetadataImage (image.ts). The Controller (controller.ts) is the
 * only writer: it validates admin requests against the image and commits
 * records to a MetadataLog; state changes only by applying committed records,
 * on a live node and on restart alike. The log itself is the Raft quorum
 * (src/raft/, hosted by src/server/metadata_quorum.ts): one voter on a single node.
 * topic_configs.ts and topic_name.ts hold Kafka's topic rules.
 */
export * from "./controller.ts";
export * from "./image.ts";
export * from "./records.ts";
export * from "./topic_configs.ts";
export * from "./topic_name.ts";
