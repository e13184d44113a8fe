/**
 * Decoder fuzzing: at least 100,000 random and mutated request and response
 * frames per run. The only acceptable failure is a DecodeError; memory stays
 * bounded (decoders check every length against the bytes left before they
 * allocate). Seeded: FUZZ_SEED replays a run, FUZZ_ITERATIONS scales it.
 */
import { allApis } from "../src/protocol/generated/mod.ts";
import { allSchemas } from "../src/protocol/generated/schemas.ts";
import { DecodeError } from "../src/protocol/decode_error.ts";
import {
  concat,
  decodeRequest,
  decodeResponse,
  encodeAnyRequest,
  encodeResponse,
} from "../src/protocol/messages.ts";
import type { StructType } from "../src/protocol/schema/dsl.ts";
import { versionIn } from "../src/protocol/schema/dsl.ts";
import { Rng, seedFromEnv } from "./support/rng.ts";
import { randomStruct } from "./support/roundtrip.ts";

const seed = seedFromEnv("FUZZ_SEED");
const iterations = Number(Deno.env.get("FUZZ_ITERATIONS") ?? 100_000);

interface Sample {
  frame: Uint8Array;
  /** For responses: the request it answers (responses carry no api key). */
  response?: { apiKey: number; apiVersion: number };
}

function corpus(rng: Rng): Sample[] {
  const out: Sample[] = [];
  for (const schema of allSchemas) {
    const codec = allApis.find((a) => a.apiKey === schema.key)!;
    for (let v = codec.request.minVersion; v <= codec.request.maxVersion; v++) {
      const flex = versionIn(schema.request.flexible, v);
      const req: StructType = { kind: "struct", name: "r", fields: schema.request.fields };
      const res: StructType = { kind: "struct", name: "r", fields: schema.response.fields };
      const header = {
        apiKey: schema.key,
        apiVersion: v,
        correlationId: rng.int(1000),
        clientId: "fuzz",
      };
      out.push({
        frame: concat(encodeAnyRequest(header, randomStruct(rng, req, v, flex, 0)))
          .subarray(4),
      });
      const resFrame = concat(encodeResponse(schema.key, v, 1, randomStruct(rng, res, v, flex, 0)))
        .subarray(4);
      out.push({ frame: resFrame, response: { apiKey: schema.key, apiVersion: v } });
    }
  }
  return out;
}

function mutate(rng: Rng, input: Uint8Array): Uint8Array {
  let b = input.slice();
  const ops = 1 + rng.int(4);
  for (let i = 0; i < ops; i++) {
    const at = b.length ? rng.int(b.length) : 0;
    switch (rng.int(6)) {
      case 0: // flip a bit
        if (b.length) b[at] ^= 1 << rng.int(8);
        break;
      case 1: // random byte
        if (b.length) b[at] = rng.int(256);
        break;
      case 2: // truncate
        b = b.subarray(0, at);
        break;
      case 3: { // insert random bytes
        const ins = rng.bytes(1 + rng.int(8));
        const n = new Uint8Array(b.length + ins.length);
        n.set(b.subarray(0, at));
        n.set(ins, at);
        n.set(b.subarray(at), at + ins.length);
        b = n;
        break;
      }
      case 4: { // a huge or negative length/count where a length may sit
        const v = rng.pick([0x7fffffff, 0xffffffff, 0x80000000, 0x00ffffff, 0xfffe]);
        for (let k = 0; k < 4 && at + k < b.length; k++) b[at + k] = (v >>> (24 - 8 * k)) & 255;
        break;
      }
      default: // varint continuation bytes
        for (let k = 0; k < 6 && at + k < b.length; k++) b[at + k] = 0xff;
    }
  }
  return b;
}

Deno.test(`decoders survive ${iterations} random and mutated frames with typed errors only (seed ${seed})`, () => {
  console.log(`fuzz seed ${seed} (FUZZ_SEED=${seed} to replay), ${iterations} frames`);
  const rng = new Rng(seed);
  const samples = corpus(rng);
  const rssBefore = Deno.memoryUsage().rss;
  const counts = { ok: 0, decodeError: 0 };
  for (let i = 0; i < iterations; i++) {
    const base = rng.pick(samples);
    const frame = rng.int(8) === 0 ? rng.bytes(rng.int(64)) : mutate(rng, base.frame);
    try {
      if (base.response && rng.int(2) === 0) {
        decodeResponse(base.response.apiKey, base.response.apiVersion, frame);
      } else decodeRequest(frame);
      counts.ok++;
    } catch (e) {
      if (!(e instanceof DecodeError)) {
        const hex = Array.from(frame.subarray(0, 64), (x) => x.toString(16).padStart(2, "0")).join(
          "",
        );
        throw new Error(`iteration ${i} (seed ${seed}): ${e} on ${hex}`);
      }
      counts.decodeError++;
    }
  }
  const rssGrowthMiB = (Deno.memoryUsage().rss - rssBefore) / 2 ** 20;
  console.log(
    `${JSON.stringify(counts)}; corpus ${samples.length}; rss growth ${
      rssGrowthMiB.toFixed(1)
    } MiB`,
  );
  if (rssGrowthMiB > 256) throw new Error(`memory grew by ${rssGrowthMiB} MiB`);
});
