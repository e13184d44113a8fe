/**
 * Workers created before the broker's own module graph has loaded: main.ts
 * calls `prespawn` right after reading the configuration, so each worker
 * compiles its modules on another core while the main thread loads and
 * opens the metadata log, instead of after (start-up time). The Supervisor
 * then adopts them (`takePrespawned`) and sends their init as usual.
 *
 * Light on purpose (no imports): it runs before everything else is loaded.
 */

/** The data plane's worker modules. */
export const shardWorkerModule = new URL("./shard_worker.ts", import.meta.url);
export const reactorWorkerModule = new URL("./reactor_worker.ts", import.meta.url);

/** A worker already loading its module; `loaded` turns true on its "loaded" message. */
export interface Prespawned {
  readonly worker: Worker;
  readonly name: string;
  loaded: boolean;
}

const pool = new Map<string, Prespawned[]>();

/** Starts `count` workers running `module`, named `${group}-${i}`. */
export function prespawn(module: URL, group: string, count: number): void {
  const list = pool.get(module.href) ?? [];
  for (let i = 0; i < count; i++) {
    const name = `${group}-${list.length}`;
    const worker = new Worker(module, { type: "module", name });
    const p: Prespawned = { worker, name, loaded: false };
    const onLoaded = (e: MessageEvent) => {
      if ((e.data as { type?: string })?.type !== "loaded") return;
      p.loaded = true;
      worker.removeEventListener("message", onLoaded);
    };
    worker.addEventListener("message", onLoaded);
    list.push(p);
  }
  pool.set(module.href, list);
}

/** The next prespawned worker for `module`, if any is left. */
export function takePrespawned(module: URL | string): Prespawned | undefined {
  const href = typeof module === "string" ? new URL(module).href : module.href;
  return pool.get(href)?.shift();
}
