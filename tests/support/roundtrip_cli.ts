/**
 * Round trips the named schema files only, without the generated index:
 *   deno run -A src/protocol/codegen/generate.ts --only produce.ts,fetch.ts
 *   deno run -A tests/support/roundtrip_cli.ts produce.ts fetch.ts
 */
import type { ApiCodec } from "../../src/protocol/codec_types.ts";
import type { ApiSchema } from "../../src/protocol/schema/dsl.ts";
import { Rng, seedFromEnv } from "./rng.ts";
import { roundTrip } from "./roundtrip.ts";

const seed = seedFromEnv("ROUNDTRIP_SEED");
const rng = new Rng(seed);
for (const file of Deno.args) {
  const schema = (await import(`../../src/protocol/schema/${file}`)).schema as ApiSchema;
  const mod = await import(`../../src/protocol/generated/${file}`);
  const codec = Object.values(mod).find((v) =>
    typeof v === "object" && v !== null && (v as ApiCodec).apiKey === schema.key && "request" in v
  ) as ApiCodec;
  const n = roundTrip(schema.name, schema.request, codec.request, rng) +
    roundTrip(schema.name, schema.response, codec.response, rng);
  console.log(
    `${file}: ${schema.name} ${schema.request.versions}: ${n} messages ok (seed ${seed})`,
  );
}
