/**
 * ListGroups (16), v0-5: the groups this broker coordinates, with protocol
 * type (empty for groups that only store offsets), v4+ state (filterable by
 * states_filter, case-insensitively) and v5+ type ("classic"; filterable by
 * types_filter). Listing never creates `__consumer_offsets`.
 * Not implemented: consumer (KIP-848), share and streams groups, so a types
 * filter without "classic" lists nothing.
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { handler } from "../handler.ts";

export const listGroupsHandler = handler(16, { min: 0, max: 5 }, (ctx, req) => {
  const v = ctx.header.apiVersion;
  const states = new Set((v >= 4 ? req.statesFilter : []).map((s) => s.toLowerCase()));
  const types = new Set((v >= 5 ? req.typesFilter : []).map((s) => s.toLowerCase()));
  const groups = ctx.broker.groups.list().filter((g) =>
    (states.size === 0 || states.has(g.state.toLowerCase())) &&
    (types.size === 0 || types.has(g.type))
  );
  return {
    throttleTimeMs: 0,
    errorCode: ErrorCode.NONE,
    groups: groups.map((g) => ({
      groupId: g.groupId,
      protocolType: g.protocolType,
      groupState: g.state,
      groupType: g.type,
    })),
  };
});
