/** Schema-driven random messages and round-trip checks, shared by tests and the schema CLI. */
import type { MessageCodec } from "../../src/protocol/codec_types.ts";
import {
  type Field,
  type MessageSchema,
  parseRange,
  type StructType,
  versionIn,
} from "../../src/protocol/schema/dsl.ts";
import { Reader, Writer } from "../../src/protocol/wire.ts";
import { deepEqual } from "../../src/protocol/equal.ts";
import { uuidFromBytes, ZERO_UUID } from "../../src/protocol/uuid.ts";
import type { Rng } from "./rng.ts";

const samplesPerVersion = 8;

function defaultOf(f: Field): unknown {
  if (f.default !== undefined) return f.default;
  const t = f.type;
  if (typeof t === "string") {
    switch (t) {
      case "bool":
        return false;
      case "string":
        return "";
      case "uuid":
        return ZERO_UUID;
      case "bytes":
        return new Uint8Array(0);
      case "records":
        return f.nullable !== undefined && f.nullable !== "none" ? null : new Uint8Array(0);
      default:
        return 0;
    }
  }
  if (t.kind === "array") return [];
  return structDefault(t);
}

function structDefault(s: StructType): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of s.fields) out[f.name] = defaultOf(f);
  return out;
}

const intRanges: Record<string, [number, number]> = {
  int8: [-128, 127],
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
  int64: [-(2 ** 53) + 1, 2 ** 53 - 1],
};

function randomValue(rng: Rng, f: Field, v: number, flex: boolean, depth: number): unknown {
  if (versionIn(f.nullable, v) && rng.int(5) === 0) return null;
  const t = f.type;
  if (typeof t === "string") {
    switch (t) {
      case "bool":
        return rng.int(2) === 1;
      case "float64":
        return rng.pick([0, -1.5, 3.25, 1e300, rng.int(1000) / 7]);
      case "string":
        return rng.string(rng.int(12));
      case "uuid":
        return uuidFromBytes(rng.bytes(16));
      case "bytes":
      case "records":
        return rng.bytes(rng.int(20));
      default: {
        const [lo, hi] = intRanges[t];
        return rng.pick([lo, hi, 0, -1, rng.intBetween(lo, hi)].filter((x) => x >= lo));
      }
    }
  }
  if (t.kind === "struct") return randomStruct(rng, t, v, flex, depth + 1);
  const n = depth > 4 ? 0 : rng.int(4);
  const out: unknown[] = [];
  for (let i = 0; i < n; i++) {
    out.push(
      typeof t.of === "string"
        ? randomValue(rng, { name: "e", type: t.of, versions: "0+" }, v, flex, depth)
        : randomStruct(rng, t.of, v, flex, depth + 1),
    );
  }
  return out;
}

export function randomStruct(
  rng: Rng,
  s: StructType,
  v: number,
  flex: boolean,
  depth: number,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const tags = new Set<number>();
  for (const f of s.fields) {
    if (!versionIn(f.versions, v)) {
      out[f.name] = defaultOf(f);
      continue;
    }
    const isTagged = flex && versionIn(f.tagged, v);
    if (isTagged) tags.add(f.tag!);
    out[f.name] = isTagged && rng.int(3) === 0 ? defaultOf(f) : randomValue(rng, f, v, flex, depth);
  }
  if (flex && rng.int(4) === 0) {
    let tag = 1000 + rng.int(100);
    while (tags.has(tag)) tag++;
    out.unknownTags = [{ tag, data: rng.bytes(rng.int(6)) }];
  }
  return out;
}

function encode<T>(codec: MessageCodec<T>, v: number, m: T): Uint8Array {
  const w = new Writer(16);
  codec.write[v]!(w, m);
  return w.finish();
}

/** Round trips one message schema at all its versions; returns how many messages it checked. */
export function roundTrip(
  api: string,
  msg: MessageSchema,
  codec: MessageCodec<unknown>,
  rng: Rng,
): number {
  const range = parseRange(msg.versions);
  if (codec.minVersion !== range.min || codec.maxVersion !== range.max) {
    throw new Error(
      `${codec.name}: codec range ${codec.minVersion}-${codec.maxVersion} != schema ${msg.versions}`,
    );
  }
  let n = 0;
  const root: StructType = { kind: "struct", name: codec.name, fields: msg.fields };
  for (let v = range.min; v <= range.max; v++) {
    const flex = versionIn(msg.flexible, v);
    // The all-defaults message first, then random ones.
    const samples: unknown[] = [codec.create()];
    for (let i = 0; i < samplesPerVersion; i++) samples.push(randomStruct(rng, root, v, flex, 0));
    for (const m of samples) {
      const bytes = encode(codec, v, m);
      const r = new Reader(bytes);
      const back = codec.read[v]!(r);
      if (r.remaining !== 0) {
        throw new Error(`${api} ${codec.name} v${v}: ${r.remaining} bytes left`);
      }
      if (!deepEqual(back, m)) {
        throw new Error(
          `${api} ${codec.name} v${v} (seed ${rng.seed}): decoded differs\n${JSON.stringify(m)}\n${
            JSON.stringify(back)
          }`,
        );
      }
      const again = encode(codec, v, back);
      if (!deepEqual(again, bytes)) {
        throw new Error(`${codec.name} v${v}: re-encoding differs (seed ${rng.seed})`);
      }
      n++;
    }
  }
  return n;
}
