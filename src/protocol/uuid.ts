/**
 * UUIDs (topic ids, directory ids, incarnation ids) as Kafka prints them:
 * URL-safe base64 without padding, 22 characters. The all-zero id means
 * "no id" (Kafka's Uuid.ZERO_UUID).
 */
const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const lookup = new Int8Array(128).fill(-1);
for (let i = 0; i < alphabet.length; i++) lookup[alphabet.charCodeAt(i)] = i;

export const ZERO_UUID = "AAAAAAAAAAAAAAAAAAAAAA";

export function uuidFromBytes(b: Uint8Array): string {
  let out = "";
  let i = 0;
  for (; i + 3 <= 15; i += 3) {
    const n = (b[i] << 16) | (b[i + 1] << 8) | b[i + 2];
    out += alphabet[n >> 18] + alphabet[(n >> 12) & 63] + alphabet[(n >> 6) & 63] +
      alphabet[n & 63];
  }
  const last = b[15];
  return out + alphabet[last >> 2] + alphabet[(last & 3) << 4];
}

export function uuidToBytes(s: string): Uint8Array {
  const out = new Uint8Array(16);
  if (s.length !== 22) throw new RangeError(`uuid "${s}" is not 22 base64url characters`);
  const v = (i: number): number => {
    const c = s.charCodeAt(i);
    const x = c < 128 ? lookup[c] : -1;
    if (x < 0) throw new RangeError(`uuid "${s}" has a character outside base64url`);
    return x;
  };
  let o = 0;
  for (let i = 0; i < 20; i += 4) {
    const n = (v(i) << 18) | (v(i + 1) << 12) | (v(i + 2) << 6) | v(i + 3);
    out[o++] = n >> 16;
    out[o++] = (n >> 8) & 255;
    out[o++] = n & 255;
  }
  out[15] = (v(20) << 2) | (v(21) >> 4);
  return out;
}

/** A random (version 4) UUID in Kafka's string form; never zero, never starting with '-'. */
export function randomUuid(): string {
  for (;;) {
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const s = uuidFromBytes(b);
    if (s[0] !== "-") return s;
  }
}
