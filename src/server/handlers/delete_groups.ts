/**
 * DeleteGroups (42), v0-2: deletes empty groups with their offsets
 * (tombstones in `__consumer_offsets`, answered once durable). A group with
 * members gets NON_EMPTY_GROUP, an unknown one GROUP_ID_NOT_FOUND. Repeated
 * names are answered once.
 */
import { handler } from "../handler.ts";

export const deleteGroupsHandler = handler(42, { min: 0, max: 2 }, async (ctx, req) => ({
  throttleTimeMs: 0,
  results: await ctx.broker.groups.deleteGroups([...new Set(req.groupsNames)]),
}));
