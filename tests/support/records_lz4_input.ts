/**
 * The deterministic input behind tests/fixtures/lz4/*.lz4 (see the README
 * there). Log-like text: ~230 KiB, so 64 KiB blocks link across boundaries.
 */
export function lz4FixtureInput(): Uint8Array {
  const actions = ["login", "view", "add-to-cart", "checkout", "logout", "search"];
  const lines: string[] = [];
  let size = 0;
  let x = 12345;
  while (size < 230 * 1024) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    // Whole repeated lines: cheap to store, and full of matches across blocks.
    const line = `event user=${(x >>> 4) % 4} action=${actions[(x >>> 12) % 6]} ` +
      `status=ok region=eu-west-${(x >>> 20) % 2} agent=runnel-test/1.0 (deno; linux)\n`;
    lines.push(line);
    size += line.length;
  }
  return new TextEncoder().encode(lines.join(""));
}

if (import.meta.main) {
  await Deno.stdout.write(lz4FixtureInput());
}
