/**
 * Architecture rules, checked on the source text:
 * - imports only go down the layers
 *   base <- protocol <- storage <- {raft, metadata, replication, coordinator} <- server <- workers <- main;
 * - protocol/, raft/ and metadata/ never call Deno.* (tools under protocol/codegen/ excepted);
 * - only the storage file layer opens files, only server/ (and the cli/ load generator) opens sockets,
 *   only workers/ creates workers; the metadata quorum's adapters (server/quorum_*)
 *   keep their own small files (quorum-state, the metadata log, snapshots).
 */
const src = new URL("../src/", import.meta.url);

const rank: Record<string, number> = {
  base: 0,
  protocol: 1,
  storage: 2,
  raft: 3,
  metadata: 3,
  replication: 3,
  coordinator: 3,
  server: 4,
  workers: 5,
  cli: 6,
};
const mainRank = 6;

async function* sources(dir: URL, rel = ""): AsyncGenerator<{ path: string; text: string }> {
  for await (const e of Deno.readDir(dir)) {
    const path = rel + e.name;
    if (e.isDirectory) yield* sources(new URL(e.name + "/", dir), path + "/");
    else if (e.name.endsWith(".ts")) {
      // Comments may mention what they like; only code counts.
      const text = (await Deno.readTextFile(new URL(e.name, dir)))
        .replace(/\/\*[\s\S]*?\*\//g, "")
        .replace(/^\s*\/\/.*$/gm, "");
      yield { path, text };
    }
  }
}

function layerOf(path: string): number {
  const top = path.split("/")[0];
  if (!path.includes("/")) return mainRank;
  const r = rank[top];
  if (r === undefined) {
    throw new Error(`src/${top}/ is not a known layer: add it to tests/layers_test.ts`);
  }
  return r;
}

function resolve(from: string, spec: string): string {
  const parts = from.split("/").slice(0, -1);
  for (const p of spec.split("/")) {
    if (p === "..") parts.pop();
    else if (p !== ".") parts.push(p);
  }
  return parts.join("/");
}

const fileOpeners =
  /\bDeno\.(open|openSync|create|createSync|readFile|readTextFile|writeFile|writeTextFile|remove|rename|mkdir|readDir|truncate|stat|lstat|fsync|fdatasync)\b/;
const socketOpeners = /\bDeno\.(listen|connect|listenTls|connectTls)\b/;

Deno.test("source files respect the layers and I/O ownership rules", async () => {
  const problems: string[] = [];
  for await (const { path, text } of sources(src)) {
    const isTest = path.endsWith("_test.ts");
    const layer = layerOf(path);
    for (const m of text.matchAll(/(?:import|export)[^;]*?from\s+"(\.[^"]+)"/g)) {
      const target = resolve(path, m[1]);
      if (target.startsWith("..")) continue;
      if (!isTest && layerOf(target) > layer) {
        problems.push(`${path} imports ${target} from a higher layer`);
      }
    }
    if (isTest) continue;
    const top = path.split("/")[0];
    const sansIo = ["protocol", "raft", "metadata"].includes(top) &&
      !path.startsWith("protocol/codegen/");
    if (sansIo && /\bDeno\./.test(text)) problems.push(`${path} calls Deno.* in a sans-I/O layer`);
    if (
      fileOpeners.test(text) && !path.startsWith("storage/fs_deno") &&
      !path.startsWith("server/quorum_") &&
      !path.startsWith("protocol/codegen/") && layer !== mainRank
    ) {
      problems.push(`${path} touches files outside the storage file layer`);
    }
    if (socketOpeners.test(text) && top !== "server" && top !== "cli") {
      problems.push(`${path} opens sockets`);
    }
    if (/\bnew Worker\(/.test(text) && top !== "workers") problems.push(`${path} creates workers`);
  }
  if (problems.length) throw new Error(problems.join("\n"));
});
