import { ALL_ERRORS, ErrorCode, errorInfo, errorName, isRetriable } from "./errors.ts";

function check(cond: boolean, msg: string): void {
  if (!cond) throw new Error(msg);
}

Deno.test("error codes and names are unique and cover -1 through the highest code", () => {
  const entries = Object.entries(ErrorCode);
  const codes = new Set(entries.map(([, code]) => code));
  check(codes.size === entries.length, "duplicate error code");
  const names = new Set(ALL_ERRORS.map((e) => e.name));
  check(names.size === ALL_ERRORS.length, "duplicate error name");
  check(ALL_ERRORS.length === entries.length, "ErrorCode and the info table differ in size");
  const max = Math.max(...codes);
  check(max >= 133, `highest code ${max} is below Kafka 4.1's SHARE_SESSION_LIMIT_REACHED (133)`);
  for (let c = -1; c <= max; c++) check(errorInfo(c) !== undefined, `no entry for code ${c}`);
  for (const [name, code] of entries) {
    const info = errorInfo(code);
    check(info?.name === name && info.code === code, `${name}: info does not match`);
    check(/^[A-Z][A-Z0-9_]*$/.test(name), `${name}: not UPPER_SNAKE`);
    check(info!.message.length > 0, `${name}: empty message`);
  }
});

Deno.test("known codes, names and retriable flags", () => {
  const known: [string, number, boolean][] = [
    ["UNKNOWN_SERVER_ERROR", -1, false],
    ["NONE", 0, false],
    ["OFFSET_OUT_OF_RANGE", 1, false],
    ["CORRUPT_MESSAGE", 2, true],
    ["UNKNOWN_TOPIC_OR_PARTITION", 3, true],
    ["NOT_LEADER_OR_FOLLOWER", 6, true],
    ["REQUEST_TIMED_OUT", 7, true],
    ["MESSAGE_TOO_LARGE", 10, false],
    ["NOT_COORDINATOR", 16, true],
    ["UNSUPPORTED_VERSION", 35, false],
    ["NOT_CONTROLLER", 41, true],
    ["CONCURRENT_TRANSACTIONS", 51, true],
    ["UNKNOWN_PRODUCER_ID", 59, false],
    ["FENCED_LEADER_EPOCH", 74, true],
    ["PRODUCER_FENCED", 90, false],
    ["POSITION_OUT_OF_RANGE", 99, false],
    ["UNKNOWN_TOPIC_ID", 100, true],
    ["TRANSACTION_ABORTABLE", 120, false],
    ["INVALID_VOTER_KEY", 125, false],
    ["REBOOTSTRAP_REQUIRED", 129, false],
    ["SHARE_SESSION_LIMIT_REACHED", 133, true],
  ];
  for (const [name, code, retriable] of known) {
    check(ErrorCode[name as keyof typeof ErrorCode] === code, `${name} should be ${code}`);
    check(errorName(code) === name, `errorName(${code}) = ${errorName(code)}`);
    check(isRetriable(code) === retriable, `${name} retriable should be ${retriable}`);
  }
});

Deno.test("unknown codes fall back", () => {
  for (const code of [-2, 134, 999, 32767]) {
    check(errorInfo(code) === undefined, `errorInfo(${code}) should be undefined`);
    check(errorName(code) === `UNKNOWN(${code})`, `errorName(${code}) = ${errorName(code)}`);
    check(!isRetriable(code), `isRetriable(${code}) should be false`);
  }
});
