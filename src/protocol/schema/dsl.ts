/**
 * The schema DSL: each Kafka API is declared once, as data, in a file of its own
 * beside this one. The generator (../codegen/generate.ts) turns these
 * declarations into straight-line encode/decode code per API and version.
 *
 * Version ranges are strings: "0+" (0 and later), "3-7", "5" (just 5), "none".
 * A field exists in the versions of its `versions` range; outside it, decoders
 * fill in its default and encoders leave it out. A field is nullable in
 * `nullable` versions. A tagged field (KIP-482) lives in the tag buffer of the
 * flexible versions in `tagged` under number `tag`; it is left out on the wire
 * while it holds its default.
 */

export type Primitive =
  | "bool"
  | "int8"
  | "int16"
  | "uint16"
  | "int32"
  | "uint32"
  | "int64"
  | "float64"
  | "string"
  | "bytes"
  | "uuid"
  | "records";

export interface StructType {
  readonly kind: "struct";
  /** Type name, unique within its message (prefixed with the message name in code). */
  readonly name: string;
  readonly fields: readonly Field[];
}

export interface ArrayType {
  readonly kind: "array";
  readonly of: Primitive | StructType;
}

export type FieldType = Primitive | StructType | ArrayType;

export type DefaultValue = number | string | boolean | null;

export interface Field {
  readonly name: string;
  readonly type: FieldType;
  readonly versions: string;
  readonly nullable?: string;
  readonly tagged?: string;
  readonly tag?: number;
  readonly default?: DefaultValue;
}

export interface FieldOptions {
  /** Versions in which the field may be null. */
  nullable?: string;
  /** Versions in which the field is tagged (must be flexible ones); needs `tag`. */
  tagged?: string;
  tag?: number;
  /** Default when absent (decoders) or when creating a message; else 0, "", false, [], empty. */
  default?: DefaultValue;
}

export type Listener = "broker" | "controller";

export interface MessageSchema {
  readonly versions: string;
  readonly flexible: string;
  readonly fields: readonly Field[];
}

export interface ApiSchema {
  readonly key: number;
  /** Kafka's name for the API, e.g. "Produce". */
  readonly name: string;
  /** Which listeners serve it in Kafka 4.1: client-facing broker, controller, or both. */
  readonly listeners: readonly Listener[];
  readonly request: MessageSchema;
  readonly response: MessageSchema;
}

export function field(
  name: string,
  type: FieldType,
  versions: string,
  opts: FieldOptions = {},
): Field {
  return { name, type, versions, ...opts };
}

export function struct(name: string, fields: readonly Field[]): StructType {
  return { kind: "struct", name, fields };
}

export function array(of: Primitive | StructType): ArrayType {
  return { kind: "array", of };
}

export function api(def: ApiSchema): ApiSchema {
  return def;
}

/** A parsed version range: [min, max], max = Infinity for "N+", empty for "none". */
export interface VersionRange {
  readonly min: number;
  readonly max: number;
}

export const NO_VERSIONS: VersionRange = { min: 1, max: 0 };

export function parseRange(s: string): VersionRange {
  if (s === "none") return NO_VERSIONS;
  let m = /^(\d+)\+$/.exec(s);
  if (m) return { min: Number(m[1]), max: Infinity };
  m = /^(\d+)-(\d+)$/.exec(s);
  if (m) return { min: Number(m[1]), max: Number(m[2]) };
  m = /^(\d+)$/.exec(s);
  if (m) return { min: Number(m[1]), max: Number(m[1]) };
  throw new Error(`bad version range "${s}"`);
}

export function inRange(r: VersionRange, v: number): boolean {
  return v >= r.min && v <= r.max;
}

export function versionIn(range: string | undefined, v: number): boolean {
  return range !== undefined && inRange(parseRange(range), v);
}
