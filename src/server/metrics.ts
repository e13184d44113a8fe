/**
 * Prometheus metrics in the text exposition format, computed when scraped from
 * the state the broker already keeps (no background sampling), plus request
 * counters the connections increment. Served on `metrics.listener`
 * (host:port) when that property is set; nothing listens otherwise. Partition
 * and log dir figures come from the DataPath (every owner's), so rendering is
 * async.
 */
import type { Broker } from "./broker.ts";

/** Requests handled, by API key (incremented by connections). */
export class RequestCounters {
  private readonly counts: number[] = [];
  increment(apiKey: number): void {
    this.counts[apiKey] = (this.counts[apiKey] ?? 0) + 1;
  }
  /** Adds requests counted elsewhere (reactor workers report theirs). */
  add(apiKey: number, n: number): void {
    this.counts[apiKey] = (this.counts[apiKey] ?? 0) + n;
  }
  entries(): [number, number][] {
    const out: [number, number][] = [];
    this.counts.forEach((n, key) => out.push([key, n]));
    return out;
  }
}

function escape(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

class Exposition {
  private readonly lines: string[] = [];
  metric(
    name: string,
    type: "counter" | "gauge",
    help: string,
    samples: [Record<string, string>, number][],
  ): void {
    this.lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) {
      const l = Object.entries(labels).map(([k, v]) => `${k}="${escape(v)}"`).join(",");
      this.lines.push(`${name}${l ? `{${l}}` : ""} ${value}`);
    }
  }
  text(): string {
    return this.lines.join("\n") + "\n";
  }
}

export async function renderMetrics(broker: Broker): Promise<string> {
  const e = new Exposition();
  // Reactor workers' request counts and connections, fresh for this scrape.
  await broker.refreshStats();
  const q = broker.quorum?.node.state();
  if (q) {
    e.metric(
      "runnel_metadata_quorum_leader_changes_total",
      "counter",
      "Leadership changes of the metadata quorum seen by this node.",
      [[{}, q.metrics.leaderChanges]],
    );
    e.metric("runnel_metadata_quorum_elections_total", "counter", "Elections this node started.", [[
      {},
      q.metrics.elections,
    ]]);
    e.metric("runnel_metadata_quorum_epoch", "gauge", "Current metadata quorum epoch.", [[
      {},
      q.epoch,
    ]]);
    e.metric(
      "runnel_metadata_quorum_leader_id",
      "gauge",
      "Current metadata quorum leader (-1: none).",
      [[
        {},
        q.leaderId,
      ]],
    );
    e.metric(
      "runnel_metadata_quorum_high_watermark",
      "gauge",
      "Committed offset of the metadata log.",
      [[
        {},
        q.highWatermark,
      ]],
    );
  }
  e.metric("runnel_connections", "gauge", "Open client connections.", [[
    {},
    broker.connectionCount,
  ]]);
  e.metric(
    "runnel_requests_total",
    "counter",
    "Requests handled, by API.",
    broker.requestCounters.entries().map(([key, n]) => [{ api: broker.registry.name(key) }, n]),
  );
  e.metric("runnel_topics", "gauge", "Topics in the metadata image.", [[
    {},
    broker.image.topicsByName.size,
  ]]);
  const dirs = await broker.data.logDirs();
  const logs = dirs.flatMap((d) => d.logs);
  const per = (f: (l: (typeof logs)[number]) => number): [Record<string, string>, number][] =>
    logs.map((l) => [{ topic: l.topic, partition: String(l.partition) }, f(l)]);
  e.metric(
    "runnel_partition_log_end_offset",
    "gauge",
    "Next offset to be assigned.",
    per((l) => l.logEndOffset),
  );
  e.metric(
    "runnel_partition_high_watermark",
    "gauge",
    "Offset below which records are committed.",
    per((l) => l.highWatermark),
  );
  e.metric(
    "runnel_partition_log_start_offset",
    "gauge",
    "First offset still in the log.",
    per((l) => l.logStartOffset),
  );
  e.metric("runnel_partition_size_bytes", "gauge", "Bytes on disk.", per((l) => l.sizeBytes));
  e.metric(
    "runnel_log_dir_online",
    "gauge",
    "1 when the log directory is online.",
    dirs.map((d) => [{ dir: d.path }, d.online ? 1 : 0]),
  );
  return e.text();
}

/** Serves /metrics on host:port; returns the bound port and a stop function. */
export function serveMetrics(
  broker: Broker,
  spec: string,
): { port: number; stop: () => Promise<void> } {
  const m = /^(.*):(\d+)$/.exec(spec);
  if (!m) throw new Error(`metrics.listener "${spec}" is not host:port`);
  const server = Deno.serve(
    { hostname: m[1] || "127.0.0.1", port: Number(m[2]), onListen: () => {} },
    async (req) =>
      new URL(req.url).pathname === "/metrics"
        ? new Response(await renderMetrics(broker), {
          headers: { "content-type": "text/plain; version=0.0.4" },
        })
        : new Response("not found\n", { status: 404 }),
  );
  return { port: (server.addr as Deno.NetAddr).port, stop: () => server.shutdown() };
}
