/**
 * kafka-python 2.0.2 (Debian's python3-kafka), a client with its own protocol
 * code and old versions (ApiVersions v0 with a Metadata v0 probe, Fetch v4,
 * ListOffsets v1, FindCoordinator v0, JoinGroup v2, OffsetCommit v2,
 * OffsetFetch v1): admin, gzip produce, a group consumer with commits, and
 * offset lookups against a real broker. Skipped when the package is missing
 * (.ci/run installs it).
 */
import { BrokerProcess } from "./support/broker_process.ts";

const python = "/usr/bin/python3";
const hasKafkaPython = await new Deno.Command(python, {
  args: ["-c", "import kafka"],
  stdout: "null",
  stderr: "null",
})
  .output().then((o) => o.success, () => false);

const script = `
import json, sys
from kafka import KafkaProducer, KafkaConsumer, KafkaAdminClient, TopicPartition
from kafka.admin import NewTopic
B = sys.argv[1]
out = {}
a = KafkaAdminClient(bootstrap_servers=B, request_timeout_ms=10000)
a.create_topics([NewTopic("kp", 2, 1)])
out["topics"] = sorted(t for t in a.list_topics() if not t.startswith("__"))
p = KafkaProducer(bootstrap_servers=B, compression_type="gzip")
for i in range(20):
    p.send("kp", key=b"k%d" % i, value=b"v%d" % i, partition=i % 2, timestamp_ms=1700000000000 + i)
p.flush(10)
c = KafkaConsumer("kp", bootstrap_servers=B, group_id="kg", auto_offset_reset="earliest",
                  consumer_timeout_ms=15000, enable_auto_commit=False)
seen = []
for m in c:
    seen.append((m.partition, m.offset, m.key.decode(), m.value.decode(), m.timestamp))
    if len(seen) == 20:
        break
c.commit()
tp0, tp1 = TopicPartition("kp", 0), TopicPartition("kp", 1)
out["committed"] = [c.committed(tp0), c.committed(tp1)]
c.close()
c2 = KafkaConsumer(bootstrap_servers=B, group_id=None)
c2.assign([tp0])
out["end"] = c2.end_offsets([tp0])[tp0]
out["beginning"] = c2.beginning_offsets([tp0])[tp0]
found = c2.offsets_for_times({tp0: 1700000000000 + 4})[tp0]
out["byTime"] = [found.offset, found.timestamp]
out["seen"] = sorted(seen)
print(json.dumps(out))
`;

Deno.test({
  name: "kafka-python 2.0.2: admin, gzip produce, group consume and commit, offset lookups",
  ignore: !hasKafkaPython,
  async fn() {
    const broker = await BrokerProcess.start({
      overrides: { "group.initial.rebalance.delay.ms": "0" },
    });
    try {
      const res = await new Deno.Command(python, {
        args: ["-c", script, broker.bootstrap],
        stdout: "piped",
        stderr: "piped",
        signal: AbortSignal.timeout(60_000),
      }).output();
      const text = new TextDecoder().decode(res.stdout).trim();
      if (!res.success) {
        throw new Error(
          `kafka-python failed: ${new TextDecoder().decode(res.stderr).slice(-2000)}`,
        );
      }
      const out = JSON.parse(text.split("\n").pop()!);
      const want = Array.from(
        { length: 20 },
        (_, i) => [i % 2, Math.floor(i / 2), `k${i}`, `v${i}`, 1700000000000 + i],
      )
        .sort();
      const problems: string[] = [];
      if (JSON.stringify(out.topics) !== JSON.stringify(["kp"])) {
        problems.push(`topics ${out.topics}`);
      }
      if (JSON.stringify(out.seen) !== JSON.stringify(want)) {
        problems.push(`seen ${JSON.stringify(out.seen)}`);
      }
      if (JSON.stringify(out.committed) !== "[10,10]") problems.push(`committed ${out.committed}`);
      if (out.end !== 10 || out.beginning !== 0) {
        problems.push(`end ${out.end} beginning ${out.beginning}`);
      }
      // Partition 0 holds even i; the first timestamp >= base+4 is i=4 at offset 2.
      if (JSON.stringify(out.byTime) !== JSON.stringify([2, 1700000000004])) {
        problems.push(`byTime ${out.byTime}`);
      }
      if (problems.length) throw new Error(problems.join("; ") + "\n" + broker.describe());
    } finally {
      await broker.close();
    }
  },
});
