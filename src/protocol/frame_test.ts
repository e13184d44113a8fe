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

Deno.test("large frames are read straight into their own buffer, like a socket would", () => {
  const big = Array.from({ length: 5000 }, (_, i) => (i * 7) & 255);
  const bodies = [[1], big, [2, 3], big, []];
  const bytes = frames(...bodies);
  for (const step of [1, 3, 100, 999, 4096, bytes.length]) {
    // A socket that returns at most `step` bytes per read, into whatever buffer it is given.
    const d = new FrameDecoder(1 << 20, 1000);
    const out: Uint8Array[] = [];
    let directReads = 0;
    for (let at = 0; at < bytes.length;) {
      const target = d.readTarget();
      const room = target ? target.length : step;
      const n = Math.min(step, room, bytes.length - at);
      if (target) {
        target.set(bytes.subarray(at, at + n));
        out.push(...d.filled(n));
        directReads++;
      } else out.push(...d.push(bytes.subarray(at, at + n)));
      at += n;
    }
    eq(out, bodies);
    if (d.bufferedBytes !== 0) throw new Error("leftover bytes");
    if (step < 4000 && directReads === 0) throw new Error(`step ${step}: no direct reads`);
  }
});
