/** Heartbeat (12): a classic group member keeps its session alive and learns of rebalances (KIP-345, KIP-482). */
import { api, field } from "./dsl.ts";

export const schema = api({
  key: 12,
  name: "Heartbeat",
  listeners: ["broker"],
  request: {
    versions: "0-4",
    flexible: "4+",
    fields: [
      field("groupId", "string", "0+"),
      field("generationId", "int32", "0+"),
      field("memberId", "string", "0+"),
      field("groupInstanceId", "string", "3+", { nullable: "3+", default: null }),
    ],
  },
  response: {
    versions: "0-4",
    flexible: "4+",
    fields: [
      field("throttleTimeMs", "int32", "1+"),
      field("errorCode", "int16", "0+"),
    ],
  },
});
