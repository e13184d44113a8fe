/**
 * A loopback HTTP endpoint of a standalone quorum node (src/quorum_main.ts),
 * for operators and the real-process test:
 *
 *   POST /append    body = one record value; 200 {offset, epoch} once committed,
 *                   421 {leaderId, epoch} when this node is not the leader,
 *                   503 {error} when leadership was lost before it committed
 *   GET  /state     role, epoch, leader, offsets, metrics (leaderChanges, ...)
 *   GET  /describe  the DescribeQuorum response for the metadata partition
 *   GET  /records   every committed record value, in order (the state machine)
 */
import { AppendLostError, NotLeaderError, type QuorumNode } from "./quorum_node.ts";

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json" },
  });
}

export function serveQuorumAdmin(
  node: QuorumNode,
  port: number,
  records: () => string[],
): Deno.HttpServer {
  return Deno.serve({ hostname: "127.0.0.1", port, onListen: () => {} }, async (req) => {
    const path = new URL(req.url).pathname;
    if (req.method === "POST" && path === "/append") {
      const value = new Uint8Array(await req.arrayBuffer());
      try {
        return json(200, await node.append([value]));
      } catch (e) {
        if (e instanceof NotLeaderError) return json(421, { leaderId: e.leaderId, epoch: e.epoch });
        if (e instanceof AppendLostError) return json(503, { error: e.message });
        throw e;
      }
    }
    if (req.method === "GET" && path === "/state") return json(200, node.state());
    if (req.method === "GET" && path === "/describe") return json(200, node.describeQuorum());
    if (req.method === "GET" && path === "/records") return json(200, records());
    return json(404, { error: "not found" });
  });
}
