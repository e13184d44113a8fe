/**
 * Broker log lines: one line each, ISO time, level, component. The Logger shape
 * is storage's (src/storage/env.ts), so storage logs through the same sink.
 */
import type { Logger } from "../storage/env.ts";

export type { Logger };

export type Level = "debug" | "info" | "warn" | "error";
const order: Record<Level, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export function consoleLog(
  component: string,
  minLevel: Level = "info",
): Logger & { debug(msg: string): void } {
  const line = (level: Level, msg: string) => {
    if (order[level] < order[minLevel]) return;
    const text = `${new Date().toISOString()} ${
      level.toUpperCase().padEnd(5)
    } [${component}] ${msg}`;
    if (level === "error" || level === "warn") console.error(text);
    else console.log(text);
  };
  return {
    debug: (m) => line("debug", m),
    info: (m) => line("info", m),
    warn: (m) => line("warn", m),
    error: (m) => line("error", m),
  };
}
