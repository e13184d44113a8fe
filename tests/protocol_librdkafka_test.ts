/**
 * Cross-codec check in the other direction: record batches that we build and
 * compress (gzip, snappy, lz4, zstd) are served to kcat (librdkafka 2.0.2),
 * which must decode every record, key, value and header. Skipped when kcat is
 * not installed (../shared/interop/setup.sh installs it).
 */
import { CaptureBroker } from "./support/capture_broker.ts";
import { buildBatch } from "../src/protocol/records/batch.ts";
import { Compression } from "../src/protocol/records/layout.ts";

const hasKcat = await new Deno.Command("kcat", { args: ["-V"], stdout: "null", stderr: "null" })
  .output()
  .then((o) => o.success, () => false);

const enc = new TextEncoder();
const codecs = [["none", Compression.None], ["gzip", Compression.Gzip], [
  "snappy",
  Compression.Snappy,
], [
  "lz4",
  Compression.Lz4,
], ["zstd", Compression.Zstd]] as const;

Deno.test({
  name: "kcat decodes batches we compressed with every codec",
  ignore: !hasKcat,
  async fn() {
    const broker = new CaptureBroker();
    broker.start();
    try {
      const want: string[] = [];
      const records = Array.from({ length: 300 }, (_, i) => {
        const value = `value-${i}-${"abc".repeat(i % 50)}`;
        want.push(`k${i}=${value}=h=${i}`);
        return {
          key: enc.encode(`k${i}`),
          value: enc.encode(value),
          headers: [{ key: "h", value: enc.encode(String(i)) }],
        };
      });
      for (const [name, codec] of codecs) {
        // Two batches so consumers also cross a batch boundary.
        broker.preload(
          `ours-${name}`,
          buildBatch({ records: records.slice(0, 120), compression: codec }),
        );
        broker.preload(
          `ours-${name}`,
          buildBatch({ records: records.slice(120), compression: codec }),
        );
      }
      for (const [name] of codecs) {
        const out = await new Deno.Command("kcat", {
          args: [
            "-b",
            `127.0.0.1:${broker.port}`,
            "-C",
            "-t",
            `ours-${name}`,
            "-p",
            "0",
            "-o",
            "beginning",
            "-e",
            "-q",
            "-f",
            "%k=%s=%h\\n",
          ],
          stdout: "piped",
          stderr: "piped",
          signal: AbortSignal.timeout(20_000),
        }).output();
        const lines = new TextDecoder().decode(out.stdout).trim().split("\n");
        if (lines.join("\n") !== want.join("\n")) {
          throw new Error(
            `${name}: kcat read ${lines.length} lines; stderr ${
              new TextDecoder().decode(out.stderr)
            }`,
          );
        }
      }
    } finally {
      broker.stop();
    }
  },
});
