/**
 * What storage takes from its surroundings instead of reaching for globals:
 * time (so retention, segment.ms and flush.ms are deterministic in tests) and
 * a logger for the few lines operators need (recovery, offline directories).
 */

export interface Clock {
  nowMs(): number;
}

export const systemClock: Clock = { nowMs: () => Date.now() };

/** A clock tests move by hand. */
export class ManualClock implements Clock {
  constructor(public timeMs = 1_700_000_000_000) {}
  nowMs(): number {
    return this.timeMs;
  }
  advance(ms: number): void {
    this.timeMs += ms;
  }
}

export interface Logger {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

export const consoleLogger: Logger = {
  info: (m) => console.log(`[storage] ${m}`),
  warn: (m) => console.warn(`[storage] ${m}`),
  error: (m) => console.error(`[storage] ${m}`),
};

/** Collects lines instead of printing them (tests assert on them). */
export class MemoryLogger implements Logger {
  readonly lines: string[] = [];
  info(m: string): void {
    this.lines.push(`INFO ${m}`);
  }
  warn(m: string): void {
    this.lines.push(`WARN ${m}`);
  }
  error(m: string): void {
    this.lines.push(`ERROR ${m}`);
  }
}
