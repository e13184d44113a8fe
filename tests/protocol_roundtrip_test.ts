/**
 * Every request and response of every API at every version: a random message
 * (built from the schema, respecting each field's versions, nullability and
 * tags, plus unknown tags) is encoded, decoded, compared, and re-encoded to the
 * same bytes. Seeded: set ROUNDTRIP_SEED to replay.
 */
import { allApis } from "../src/protocol/generated/mod.ts";
import { allSchemas } from "../src/protocol/generated/schemas.ts";
import { Rng, seedFromEnv } from "./support/rng.ts";
import { roundTrip } from "./support/roundtrip.ts";

const seed = seedFromEnv("ROUNDTRIP_SEED");

Deno.test(`every API round trips at every version (seed ${seed})`, () => {
  console.log(`round trip seed ${seed} (ROUNDTRIP_SEED=${seed} to replay)`);
  const rng = new Rng(seed);
  let messages = 0;
  for (const schema of allSchemas) {
    const codec = allApis.find((a) => a.apiKey === schema.key);
    if (!codec) throw new Error(`no codec for ${schema.name}`);
    messages += roundTrip(schema.name, schema.request, codec.request, rng);
    messages += roundTrip(schema.name, schema.response, codec.response, rng);
  }
  console.log(`${allSchemas.length} APIs, ${messages} messages round tripped`);
});
