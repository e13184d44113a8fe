/**
 * DescribeGroups (15), v0-6: state, protocol type, protocol and members of
 * classic groups. Member metadata and assignments are filled only when the
 * group is Stable (as Kafka does). A group that does not exist is "Dead" with
 * no members; from v6 it carries GROUP_ID_NOT_FOUND and a message (KIP-1043).
 * v3+ authorized operations: no ACLs, so READ, DELETE and DESCRIBE when asked.
 */
import { ErrorCode } from "../../protocol/errors.ts";
import { handler } from "../handler.ts";

/** AclOperation bits READ (3), DELETE (6), DESCRIBE (8): what a group resource supports. */
const GROUP_OPS = (1 << 3) | (1 << 6) | (1 << 8);
const NO_OPS = -2147483648;

export const describeGroupsHandler = handler(15, { min: 0, max: 6 }, async (ctx, req) => {
  const v = ctx.header.apiVersion;
  const ops = v >= 3 && req.includeAuthorizedOperations ? GROUP_OPS : NO_OPS;
  return {
    throttleTimeMs: 0,
    groups: await Promise.all(req.groups.map(async (groupId) => {
      const d = await ctx.broker.groups.describe(groupId);
      const notFound = d.errorCode === ErrorCode.GROUP_ID_NOT_FOUND && v < 6;
      return {
        errorCode: notFound ? ErrorCode.NONE : d.errorCode,
        errorMessage: v >= 6 ? d.errorMessage : null,
        groupId,
        groupState: d.state,
        protocolType: d.protocolType,
        protocolData: d.protocolData,
        members: d.members.map((m) => ({
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId,
          clientId: m.clientId,
          clientHost: m.clientHost,
          memberMetadata: m.metadata,
          memberAssignment: m.assignment,
        })),
        authorizedOperations: ops,
      };
    })),
  };
});
