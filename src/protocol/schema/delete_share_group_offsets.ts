/** DeleteShareGroupOffsets (92): removes the share-partition offsets of whole topics from an empty share group (KIP-932). */
import { api, array, field, struct } from "./dsl.ts";

export const schema = api({
  key: 92,
  name: "DeleteShareGroupOffsets",
  listeners: ["broker"],
  request: {
    versions: "0",
    flexible: "0+",
    fields: [
      field("groupId", "string", "0+"),
      field(
        "topics",
        array(struct("DeleteShareGroupOffsetsRequestTopic", [
          field("topicName", "string", "0+"),
        ])),
        "0+",
      ),
    ],
  },
  response: {
    versions: "0",
    flexible: "0+",
    fields: [
      field("throttleTimeMs", "int32", "0+"),
      field("errorCode", "int16", "0+"),
      field("errorMessage", "string", "0+", { nullable: "0+", default: null }),
      field(
        "responses",
        array(struct("DeleteShareGroupOffsetsResponseTopic", [
          field("topicName", "string", "0+"),
          field("topicId", "uuid", "0+"),
          field("errorCode", "int16", "0+"),
          field("errorMessage", "string", "0+", { nullable: "0+", default: null }),
        ])),
        "0+",
      ),
    ],
  },
});
