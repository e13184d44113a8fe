import { DecodeError } from "./decode_error.ts";
import {
  concat,
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
} from "./messages.ts";
import { Writer } from "./wire.ts";

function body(chunks: Uint8Array[]): Uint8Array {
  return concat(chunks).subarray(4);
}

Deno.test("ApiVersions v3 request uses header v2 with a classic client id", () => {
  const frame = body(
    encodeRequest({ apiKey: 18, apiVersion: 3, correlationId: 7, clientId: "rdkafka" }, {
      clientSoftwareName: "librdkafka",
      clientSoftwareVersion: "2.0.2",
    }),
  );
  // key, version, correlation id, then client id as int16 length + bytes (not compact)
  if (frame[8] !== 0 || frame[9] !== 7) throw new Error("client id is not an int16 string");
  const d = decodeRequest(frame);
  if (d.kind !== "request" || d.header.clientId !== "rdkafka" || d.header.correlationId !== 7) {
    throw new Error(JSON.stringify(d));
  }
});

Deno.test("ApiVersions responses use header v0 even when the body is flexible", () => {
  const frame = body(encodeResponse(18, 3, 42, {
    errorCode: 0,
    apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 4 }],
    throttleTimeMs: 0,
    supportedFeatures: [],
    finalizedFeaturesEpoch: -1,
    finalizedFeatures: [],
    zkMigrationReady: false,
  }));
  // header v0 is the correlation id alone; the flexible body starts right after it
  if (frame.length !== 4 + 2 + 1 + 7 + 4 + 1) throw new Error(`length ${frame.length}`);
  const { header } = decodeResponse(18, 3, frame);
  if (header.correlationId !== 42) throw new Error("bad correlation id");
});

Deno.test("an unknown ApiVersions version falls back; other unknown versions and keys are errors", () => {
  const w = new Writer();
  w.int16(18);
  w.int16(99);
  w.int32(1);
  w.nullableString("x");
  w.uvarint(0);
  w.raw(new Uint8Array([1, 2, 3])); // a body we cannot parse
  const d = decodeRequest(w.finish());
  if (d.kind !== "apiVersionsFallback") throw new Error("expected the fallback");

  for (const [key, version] of [[18, 2], [32000, 0], [-5, 0]]) {
    const x = new Writer();
    x.int16(key);
    x.int16(version === 2 ? 2 : version);
    x.int32(1);
    x.nullableString(null);
    if (key === 18) x.int8(0); // trailing garbage after an ApiVersions v2 body
    try {
      decodeRequest(x.finish());
      throw new Error(`accepted ${key}`);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
    }
  }
});

Deno.test("librdkafka 2.0.x's zero bytes after flexible bodies are ignored, as Kafka does", () => {
  const hex = (s: string) => new Uint8Array(s.split(" ").map((b) => parseInt(b, 16)));
  // Captured from rdkadmin (librdkafka 2.0.2): ListGroups v4 with its tag buffer written twice.
  const listGroups = decodeRequest(hex(
    "00 10 00 04 00 00 00 03 00 10 69 6e 74 65 72 6f 70 2d 72 64 6b 61 64 6d 69 6e 00 01 00 00",
  ));
  if (listGroups.kind !== "request") throw new Error("ListGroups v4 not decoded");
  // OffsetFetch v7 for all topics: an unfinalized 4-byte array count (Kafka reads a null array).
  const offsetFetch = decodeRequest(hex(
    "00 09 00 07 00 00 00 04 00 10 69 6e 74 65 72 6f 70 2d 72 64 6b 61 64 6d 69 6e 00 0a 73 6f 6d 65 67 72 6f 75 70 00 00 00 00 00 00",
  ));
  if (offsetFetch.kind !== "request" || (offsetFetch.body as { topics: unknown }).topics !== null) {
    throw new Error("OffsetFetch v7 not decoded as all topics");
  }
  // Non-zero trailing bytes, or zeros after a non-flexible body, still fail.
  for (
    const bad of ["00 10 00 04 00 00 00 03 00 00 00 01 00 07", "00 10 00 00 00 00 00 03 00 00 00"]
  ) {
    try {
      decodeRequest(hex(bad));
      throw new Error(`accepted ${bad}`);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
    }
  }
});
