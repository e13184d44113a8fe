import { DecodeError } from "./decode_error.ts";
import { FrameDecoder, sizePrefix } from "./frame.ts";
import { concat } from "./messages.ts";

function frames(...bodies: number[][]): Uint8Array {
  return concat(bodies.flatMap((b) => [sizePrefix(b.length), new Uint8Array(b)]));
}

function eq(a: Uint8Array[], b: number[][]): void {
  const x = JSON.stringify(a.map((f) => Array.from(f)));
  const y = JSON.stringify(b);
  if (x !== y) throw new Error(`${x} != ${y}`);
}

Deno.test("frames split at every byte boundary come out whole and in order", () => {
  const bodies = [[1, 2, 3], [], [4], Array.from({ length: 300 }, (_, i) => i & 255)];
  const bytes = frames(...bodies);
  for (let step = 1; step <= bytes.length; step++) {
    const d = new FrameDecoder();
    const out: Uint8Array[] = [];
    for (let i = 0; i < bytes.length; i += step) out.push(...d.push(bytes.subarray(i, i + step)));
    eq(out, bodies);
    if (d.bufferedBytes !== 0) throw new Error("leftover bytes");
  }
});

Deno.test("negative and oversize frame sizes are typed errors before any allocation", () => {
  const d = new FrameDecoder(1000);
  for (const size of [-1, 1001, 0x7fffffff]) {
    const b = sizePrefix(size);
    try {
      new FrameDecoder(1000).push(b);
      throw new Error("accepted");
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
    }
  }
  eq(d.push(frames([9])), [[9]]);
});
