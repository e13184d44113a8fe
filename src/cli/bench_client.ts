/**
 * A small pipelining Kafka client on our own codecs, for `runnel bench`:
 * requests go out back to back, responses are matched by correlation id.
 * Not a general client: no retries, no metadata refresh, one broker.
 */
import { FrameDecoder } from "../protocol/frame.ts";
import { decodeResponse, encodeAnyRequest } from "../protocol/messages.ts";

interface Pending {
  apiKey: number;
  apiVersion: number;
  resolve: (body: unknown) => void;
  reject: (e: unknown) => void;
}

export class BenchConnection {
  private nextCorrelation = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly frames = new FrameDecoder();
  private closed = false;

  private constructor(private readonly conn: Deno.TcpConn) {
    this.readLoop();
  }

  static async connect(hostname: string, port: number): Promise<BenchConnection> {
    const conn = await Deno.connect({ hostname, port });
    conn.setNoDelay(true);
    return new BenchConnection(conn);
  }

  get inFlight(): number {
    return this.pending.size;
  }

  request<T>(apiKey: number, apiVersion: number, body: unknown): Promise<T> {
    const correlationId = this.nextCorrelation++;
    const chunks = encodeAnyRequest(
      { apiKey, apiVersion, correlationId, clientId: "runnel-bench" },
      body,
    );
    const p = new Promise<T>((resolve, reject) => {
      this.pending.set(correlationId, {
        apiKey,
        apiVersion,
        resolve: resolve as (b: unknown) => void,
        reject,
      });
    });
    this.write(chunks).catch((e) => this.fail(e));
    return p;
  }

  private writing: Promise<void> = Promise.resolve();
  private write(chunks: Uint8Array[]): Promise<void> {
    this.writing = this.writing.then(async () => {
      for (const c of chunks) {
        for (let off = 0; off < c.length;) off += await this.conn.write(c.subarray(off));
      }
    });
    return this.writing;
  }

  private async readLoop(): Promise<void> {
    try {
      for (;;) {
        const buf = new Uint8Array(256 * 1024);
        const n = await this.conn.read(buf);
        if (n === null) break;
        for (const frame of this.frames.push(buf.subarray(0, n))) {
          const correlationId = new DataView(frame.buffer, frame.byteOffset).getInt32(0);
          const p = this.pending.get(correlationId);
          if (!p) throw new Error(`response with unknown correlation id ${correlationId}`);
          this.pending.delete(correlationId);
          p.resolve(decodeResponse(p.apiKey, p.apiVersion, frame).body);
        }
      }
      this.fail(new Error("connection closed by the broker"));
    } catch (e) {
      this.fail(e);
    }
  }

  private fail(e: unknown): void {
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
    this.close();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.conn.close();
    } catch {
      // already closed
    }
  }
}
