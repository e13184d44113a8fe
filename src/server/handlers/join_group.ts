/**
 * JoinGroup (11), v0-9: a member joins a classic group (coordinator/shard.ts).
 * - v0 has no rebalance timeout: the session timeout stands in for it.
 * - v4+ dynamic members joining without an id get MEMBER_ID_REQUIRED and
 *   their new id, and join with it; static members (group_instance_id, v5+)
 *   never do, and replace their previous incarnation (which is fenced).
 * - The answer is parked until the join phase completes (all members
 *   rejoined, the rebalance timeout, or the initial rebalance delay for a new
 *   group); the leader's answer lists the members with their metadata.
 * - v7+ carry protocol_type and a nullable protocol name; before v7 a missing
 *   protocol name is "". v9's skip_assignment lets a rejoining static leader
 *   of a stable group skip the assignment.
 * - client_host is reported as Kafka does ("/" + address).
 * Not implemented: the v8 reason is accepted but not logged per member.
 */
import { handler } from "../handler.ts";

export const joinGroupHandler = handler(11, { min: 0, max: 9 }, async (ctx, req) => {
  const v = ctx.header.apiVersion;
  const groupInstanceId = v >= 5 ? req.groupInstanceId : null;
  const r = await ctx.broker.groups.join({
    groupId: req.groupId,
    memberId: req.memberId,
    groupInstanceId,
    requireKnownMemberId: v >= 4 && groupInstanceId === null,
    supportSkippingAssignment: v >= 9,
    clientId: ctx.header.clientId ?? "",
    clientHost: `/${ctx.clientHost}`,
    rebalanceTimeoutMs: v >= 1 ? req.rebalanceTimeoutMs : req.sessionTimeoutMs,
    sessionTimeoutMs: req.sessionTimeoutMs,
    protocolType: req.protocolType,
    // Copies: the request frame is not kept alive by group state.
    protocols: req.protocols.map((p) => ({ name: p.name, metadata: p.metadata.slice() })),
  });
  return {
    throttleTimeMs: 0,
    errorCode: r.errorCode,
    generationId: r.generationId,
    protocolType: r.protocolType,
    protocolName: v >= 7 ? r.protocolName : (r.protocolName ?? ""),
    leader: r.leader,
    skipAssignment: r.skipAssignment,
    memberId: r.memberId,
    members: r.members,
  };
});
