/**
 * Shared by the consumer-group end-to-end tests (tests/groups_*_test.ts):
 * kafkajs members that commit after every batch and record what they
 * processed in a ledger (with a live check that no two members process the
 * same partition at once), a background producer, waiting for a group to
 * settle with a disjoint and complete assignment, and reading the commits a
 * group stored in `__consumer_offsets` (in log order) with our own client.
 */
import { AssignerProtocol, type Consumer, type Kafka, type Producer } from "npm:kafkajs@2.2.4";
import { assert } from "./storage_assert.ts";
import { fetchedRecords, fetchPartition, type KafkaClient, withTimeout } from "./kafka_client.ts";
import { decodeKey, decodeOffsetValue } from "../../src/coordinator/records.ts";
import { partitionForGroup } from "../../src/coordinator/hash.ts";

export const bounded = <T>(what: string, p: Promise<T>, ms = 20_000) =>
  withTimeout(p, ms, `kafkajs ${what}`);

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every message processed, by partition and offset, with who processed it. */
export class Ledger {
  readonly seen = new Map<string, string[]>();
  /** partition -> member currently inside eachBatch for it. */
  readonly inFlight = new Map<number, string>();
  readonly violations: string[] = [];

  record(partition: number, offset: number, member: string): void {
    const k = `${partition}:${offset}`;
    const who = this.seen.get(k);
    if (who) who.push(member);
    else this.seen.set(k, [member]);
  }

  duplicates(): string[] {
    return [...this.seen].filter(([, w]) => w.length > 1).map(([k, w]) => `${k} by ${w.join(",")}`);
  }

  /** Offsets of [0, ends[p]) per partition that nobody processed. */
  missing(ends: number[]): string[] {
    const out: string[] = [];
    ends.forEach((end, p) => {
      for (let o = 0; o < end; o++) if (!this.seen.has(`${p}:${o}`)) out.push(`${p}:${o}`);
    });
    return out;
  }

  count(): number {
    return this.seen.size;
  }
}

export interface MemberOptions {
  sessionTimeout?: number;
  rebalanceTimeout?: number;
  heartbeatInterval?: number;
}

/** A kafkajs group member committing after every batch. */
export class Member {
  assignment: number[] = [];
  memberId = "";
  joins = 0;
  crashes = 0;
  private constructor(readonly label: string, readonly consumer: Consumer) {}

  static async start(
    kafka: Kafka,
    label: string,
    groupId: string,
    topic: string,
    ledger: Ledger,
    o: MemberOptions = {},
  ): Promise<Member> {
    const consumer = kafka.consumer({
      groupId,
      sessionTimeout: o.sessionTimeout ?? 10_000,
      rebalanceTimeout: o.rebalanceTimeout ?? 20_000,
      heartbeatInterval: o.heartbeatInterval ?? 300,
      maxWaitTimeInMs: 100,
      retry: { retries: 10, initialRetryTime: 100, maxRetryTime: 1000 },
    });
    const m = new Member(label, consumer);
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      m.joins++;
      m.memberId = e.payload.memberId;
      m.assignment = [...(e.payload.memberAssignment[topic] ?? [])].sort((a, b) => a - b);
    });
    consumer.on(consumer.events.CRASH, () => m.crashes++);
    await bounded(`${label} connect`, consumer.connect());
    await bounded(`${label} subscribe`, consumer.subscribe({ topic, fromBeginning: true }));
    await bounded(
      `${label} run`,
      consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
          const p = batch.partition;
          const other = ledger.inFlight.get(p);
          if (other !== undefined && other !== label) {
            ledger.violations.push(`${label} and ${other} both processing partition ${p}`);
          }
          ledger.inFlight.set(p, label);
          try {
            let last: number | undefined;
            for (const msg of batch.messages) {
              if (!isRunning() || isStale()) break;
              ledger.record(p, Number(msg.offset), label);
              resolveOffset(msg.offset);
              last = Number(msg.offset);
            }
            if (last !== undefined) {
              await consumer.commitOffsets([{ topic, partition: p, offset: String(last + 1) }]);
            }
          } finally {
            if (ledger.inFlight.get(p) === label) ledger.inFlight.delete(p);
          }
          await heartbeat();
        },
      }),
    );
    return m;
  }

  async stop(): Promise<void> {
    await bounded(`${this.label} disconnect`, this.consumer.disconnect(), 30_000);
  }
}

/** Sends `perTick` messages round-robin over the partitions every `everyMs` until stopped. */
export class BackgroundProducer {
  sent = 0;
  errors = 0;
  private running = true;
  private loop: Promise<void>;

  constructor(
    readonly producer: Producer,
    readonly topic: string,
    readonly partitions: number,
    perTick: number,
    everyMs: number,
  ) {
    this.loop = (async () => {
      let seq = 0;
      while (this.running) {
        const messages = Array.from({ length: perTick }, () => {
          const i = seq++;
          return { value: `m${i}`, partition: i % this.partitions };
        });
        try {
          await bounded("produce", producer.send({ topic, acks: -1, messages }));
          this.sent += messages.length;
        } catch {
          this.errors++;
        }
        await sleep(everyMs);
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}

/** The decoded assignment of each member of a described group, or null when not Stable. */
async function describedAssignments(
  admin: ReturnType<Kafka["admin"]>,
  groupId: string,
  topic: string,
): Promise<Map<string, number[]> | null> {
  const d = await bounded("describeGroups", admin.describeGroups([groupId]));
  const g = d.groups[0];
  if (!g || g.state !== "Stable") return null;
  const out = new Map<string, number[]>();
  for (const m of g.members) {
    const a = AssignerProtocol.MemberAssignment.decode(m.memberAssignment);
    out.set(m.memberId, [...(a?.assignment[topic] ?? [])].sort((x, y) => x - y));
  }
  return out;
}

/**
 * Waits until the group is Stable with exactly `members`, whose assignments
 * (as the broker stored them and as each member received them) are disjoint
 * and cover every partition. Returns the assignment by member label.
 */
export async function settled(
  admin: ReturnType<Kafka["admin"]>,
  groupId: string,
  topic: string,
  partitions: number,
  members: Member[],
  timeoutMs = 40_000,
): Promise<Record<string, number[]>> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    const described = await describedAssignments(admin, groupId, topic);
    if (described && described.size === members.length) {
      const all = [...described.values()].flat();
      const disjoint = new Set(all).size === all.length;
      const complete = all.length === partitions;
      const agree = members.every((m) =>
        described.has(m.memberId) && described.get(m.memberId)!.join() === m.assignment.join()
      );
      if (disjoint && complete && agree) {
        return Object.fromEntries(members.map((m) => [m.label, m.assignment]));
      }
      last = `described ${JSON.stringify([...described])}, members ${
        JSON.stringify(members.map((m) => [m.label, m.memberId, m.assignment]))
      }`;
    } else {
      last = described ? `${described.size} members described` : "not Stable";
    }
    await sleep(100);
  }
  throw new Error(`group ${groupId} did not settle with ${members.length} members: ${last}`);
}

/** Waits until every offset below the partitions' ends was processed. */
export async function drained(ledger: Ledger, ends: number[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (ledger.missing(ends).length > 0) {
    if (Date.now() > deadline) {
      const miss = ledger.missing(ends);
      throw new Error(
        `${miss.length} messages never consumed, e.g. ${miss.slice(0, 10).join(" ")}`,
      );
    }
    await sleep(100);
  }
}

/** Log end offsets (high watermarks) of every partition of a topic. */
export async function endOffsets(
  admin: ReturnType<Kafka["admin"]>,
  topic: string,
): Promise<number[]> {
  const offs = await bounded("fetchTopicOffsets", admin.fetchTopicOffsets(topic));
  const out: number[] = [];
  for (const o of offs) out[o.partition] = Number(o.high);
  return out;
}

/** Committed offsets of a group for a topic, by partition (-1 where none). */
export async function committed(
  admin: ReturnType<Kafka["admin"]>,
  groupId: string,
  topic: string,
): Promise<number[]> {
  const r = await bounded("fetchOffsets", admin.fetchOffsets({ groupId, topics: [topic] }));
  const out: number[] = [];
  for (const p of r[0].partitions) out[p.partition] = Number(p.offset);
  return out;
}

/**
 * Every offset commit the group stored, in log order, read from its
 * `__consumer_offsets` partition: [topic-partition, committed offset].
 */
export async function storedCommits(
  c: KafkaClient,
  groupId: string,
  partitions = 50,
): Promise<{ tp: string; offset: number }[]> {
  const p = partitionForGroup(groupId, partitions);
  const out: { tp: string; offset: number }[] = [];
  let next = 0;
  for (;;) {
    const r = await fetchPartition(c, { topic: "__consumer_offsets", partition: p, offset: next }, {
      maxBytes: 4 * 1024 * 1024,
    });
    assert(r.errorCode === 0, `fetch __consumer_offsets-${p}: error ${r.errorCode}`);
    const recs = fetchedRecords(r).filter((x) => x.offset >= next);
    if (recs.length === 0) break;
    for (const rec of recs) {
      next = rec.offset + 1;
      const k = decodeKey(rec.key!);
      if (k?.type !== "offset" || k.group !== groupId || rec.value === null) continue;
      out.push({ tp: `${k.topic}-${k.partition}`, offset: decodeOffsetValue(rec.value).offset });
    }
    if (next >= r.highWatermark) break;
  }
  return out;
}

/** Stored commits that went backwards for their partition. */
export function regressions(commits: { tp: string; offset: number }[]): string[] {
  const last = new Map<string, number>();
  const out: string[] = [];
  for (const c of commits) {
    const prev = last.get(c.tp);
    if (prev !== undefined && c.offset < prev) out.push(`${c.tp}: ${prev} -> ${c.offset}`);
    last.set(c.tp, c.offset);
  }
  return out;
}
