import { fork } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { DIST_ROOT } from '../support/processes';

export type Method = 'GET' | 'POST';

/** One fully specified HTTP request. */
export interface PreparedRequest {
  method: Method;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface ClosedLoopOptions {
  /** Base URL: http://127.0.0.1:port */
  url: string;
  connections: number;
  /** Either these requests, each connection going round them, for `seconds`… */
  requests?: PreparedRequest[];
  seconds?: number;
  /** …or each of these exactly once, handed out in order across all connections. */
  sequence?: PreparedRequest[];
}

export interface LoadResult {
  /** Responses received (any status). */
  responses: number;
  ok: number;
  non2xx: number;
  /** Connection errors and timeouts: requests that got no response. */
  errors: number;
  seconds: number;
  /** 2xx responses per second: failed requests are not throughput. */
  rps: number;
  p50: number;
  p99: number;
  max: number;
  statusCodes: Record<string, number>;
}

/**
 * Closed loop with autocannon: every connection sends its next request as soon as the previous
 * answer arrives, so the rate found is the maximum the server sustains at that concurrency.
 */
export async function closedLoop(options: ClosedLoopOptions): Promise<LoadResult> {
  const { sequence, requests } = options;
  let opts: autocannon.Options;
  if (sequence) {
    if (sequence.length < options.connections) throw new Error(`${sequence.length} requests cannot keep ${options.connections} connections busy`);
    // autocannon's `requests` list is replayed by every connection, so distinct requests (one
    // vote per seat) come from one shared cursor instead. autocannon builds each request just
    // before sending it and stops at `amount`, so exactly `sequence.length` are taken; should it
    // ever ask for more, repeating the last one shows up as a non-2xx answer, not a crash.
    let next = 0;
    opts = {
      url: options.url,
      connections: options.connections,
      amount: sequence.length,
      requests: [
        {
          setupRequest: (req: autocannon.Request): autocannon.Request => {
            const item = sequence[Math.min(next++, sequence.length - 1)]!;
            return { ...req, method: item.method, path: item.path, headers: item.headers, body: item.body };
          },
        },
      ],
    };
  } else if (requests?.length && options.seconds) {
    opts = {
      url: options.url,
      connections: options.connections,
      duration: options.seconds,
      requests: requests.map((r) => ({ method: r.method, path: r.path, headers: r.headers, body: r.body })),
    };
  } else {
    throw new Error('closedLoop needs requests and seconds, or a sequence');
  }

  const result = await autocannon(opts);
  const statusCodes: Record<string, number> = {};
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = stat.count ?? 0;
  const ok = result['2xx'];
  return {
    responses: ok + result.non2xx,
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    seconds: result.duration,
    rps: ok / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    statusCodes,
  };
}

export interface OpenLoopOptions {
  url: string;
  /** Sent in turn, request i being requests[i % length]. */
  requests: PreparedRequest[];
  /** Requests per second, sent on a fixed schedule whatever the server does. */
  rate: number;
  seconds: number;
  /**
   * Seconds of the same schedule sent first and left out of the figures, as wrk2 leaves out its
   * first 10 s ("calibration"): a freshly started generator runs its own code unoptimised at
   * first, and the compiler threads that optimise it take the shared cores from the server.
   * Their latencies stay in `latencies`, before `measuredFrom`.
   */
  warmupSeconds?: number;
  /**
   * Connections, all opened before the clock starts, as wrk2 does. A due request waits for a free
   * one, and that wait counts in its latency. Use the closed-loop run's concurrency: more would
   * load the server with more concurrency than its maximum rate was measured at.
   */
  connections: number;
  /** How long to wait for the last answers after the last request went out. */
  graceMs?: number;
}

export interface OpenLoopResult extends LoadResult {
  rate: number;
  /** How late the generator itself dispatched requests (p99): if this is large, the figure is partly the generator's. */
  lagP99: number;
  /** Each request's latency in ms (NaN when unanswered), request i due at i × intervalMs after the start, warm-up included. */
  latencies: Float64Array;
  /** The first request of the measured part: those before it were the warm-up. */
  measuredFrom: number;
  /** When request 0 was due (ms since the epoch), to set the loop beside other records of the same seconds. */
  startedAt: number;
  intervalMs: number;
}

/**
 * Open loop at a constant rate (as wrk2 does): request i is due at t0 + i/rate and its latency is
 * counted from that moment, so time spent queued behind a slow response is not hidden
 * (no coordinated omission).
 *
 * autocannon's `overallRate` is not used for this: it gives each connection a budget per second
 * that it spends back to back as fast as answers come (a burst at the top of every second, closed
 * loop within it), and its coordinated-omission correction takes 1/rate in seconds as the expected
 * interval in milliseconds, i.e. 1 ms for any rate, which fills the histogram with invented values.
 *
 * The client is raw keep-alive sockets with a prebuilt request and a minimal response parser, as
 * autocannon's is, so that on two shared cores it takes about as much CPU from the server as
 * autocannon does at the same rate (node:http's client costs several times more per request).
 */
export function openLoop(options: OpenLoopOptions): Promise<OpenLoopResult> {
  const target = new URL(options.url);
  const port = Number(target.port);
  const measuredFrom = Math.round(options.rate * (options.warmupSeconds ?? 0));
  const total = measuredFrom + Math.max(1, Math.round(options.rate * options.seconds));
  const intervalMs = 1000 / options.rate;
  const requestBytes = options.requests.map(({ method, path, headers, body }) => {
    const payload = body === undefined ? Buffer.alloc(0) : Buffer.from(body);
    const head = [`${method} ${path} HTTP/1.1`, `Host: ${target.host}`, 'Connection: keep-alive', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
    if (payload.length > 0) head.push(`Content-Length: ${payload.length}`);
    return Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'latin1'), payload]);
  });

  const latencies = new Float64Array(total).fill(Number.NaN);
  const lags = new Float64Array(total);
  const statusCodes: Record<string, number> = {};
  const waiting: number[] = [];
  let waitingHead = 0;
  const idle: Connection[] = [];
  const all = new Set<Connection>();
  let connecting = 0;
  let sent = 0;
  let finished = 0;
  let t0 = 0;

  return new Promise((resolve) => {
    let settled = false;
    let grace: NodeJS.Timeout | undefined;
    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(grace);
      for (const c of all) c.socket.destroy();
      const measured = Array.from(latencies.subarray(measuredFrom)).filter((v) => !Number.isNaN(v));
      const ok = Object.entries(statusCodes).reduce((n, [code, count]) => (code.startsWith('2') ? n + count : n), 0);
      const elapsedS = (performance.now() - (t0 + measuredFrom * intervalMs)) / 1000;
      resolve({
        rate: options.rate,
        responses: measured.length,
        ok,
        non2xx: measured.length - ok,
        // Requests never answered (closed connection or still out after the grace period).
        errors: total - measuredFrom - measured.length,
        seconds: elapsedS,
        rps: ok / elapsedS,
        p50: percentile(measured, 0.5),
        p99: percentile(measured, 0.99),
        max: highest(measured),
        statusCodes,
        lagP99: percentile(lags.subarray(measuredFrom, sent), 0.99),
        latencies,
        measuredFrom,
        startedAt: performance.timeOrigin + t0,
        intervalMs,
      });
    };
    const done = (i: number, status: number | null) => {
      if (status !== null) {
        latencies[i] = performance.now() - (t0 + i * intervalMs);
        if (i >= measuredFrom) statusCodes[status] = (statusCodes[status] ?? 0) + 1;
      }
      if (++finished === total) finish();
    };
    const assign = (c: Connection) => {
      if (waitingHead < waiting.length) c.send(waiting[waitingHead++]!);
      else idle.push(c);
    };
    const pump = () => {
      while (waitingHead < waiting.length && idle.length > 0) idle.pop()!.send(waiting[waitingHead++]!);
      // Replaces connections the server closed.
      for (let need = waiting.length - waitingHead - connecting; need > 0 && all.size < options.connections; need--) open();
    };
    const open = (): Promise<void> => {
      connecting++;
      const c = new Connection(target.hostname, port, requestBytes, {
        connected: () => connecting--,
        answered: done,
        free: assign,
        closed: (connected) => {
          if (!connected) connecting--;
          all.delete(c);
          const at = idle.indexOf(c);
          if (at >= 0) idle.splice(at, 1);
        },
      });
      all.add(c);
      return c.ready;
    };

    // A 1 ms timer, not a busy loop: on two shared cores a spinning generator would take a core
    // from the server. Requests that fell due during one tick go out together.
    const tick = () => {
      const now = performance.now();
      while (sent < total && t0 + sent * intervalMs <= now) {
        lags[sent] = now - (t0 + sent * intervalMs);
        waiting.push(sent++);
      }
      pump();
      if (sent < total) setTimeout(tick, 1);
      else grace = setTimeout(finish, options.graceMs ?? 10_000);
    };

    void Promise.all(Array.from({ length: options.connections }, open)).then(() => {
      t0 = performance.now();
      tick();
    });
  });
}

/**
 * The generator's own V8 flags. With its default parallel collector, a collection in the generator
 * wakes one helper thread per core, and on a machine whose cores the server shares they preempt
 * the server for a few milliseconds: seen with `perf sched` as the API waiting 4 - 9 ms for a core
 * once a second, while four of the generator's threads ran. One thread collects instead.
 */
const OPEN_LOOP_NODE_FLAGS: readonly string[] = ['--single-threaded-gc'];

/**
 * `openLoop` in a process of its own (`open-loop-child.ts`, built), with `OPEN_LOOP_NODE_FLAGS`:
 * the calling process's heap (a seeded portfolio, the closed loops' garbage) and collector stay
 * out of the measurement.
 */
export function openLoopApart(options: OpenLoopOptions): Promise<OpenLoopResult> {
  const child = fork(path.join(DIST_ROOT, 'test/bench/open-loop-child.js'), [], {
    execArgv: [...OPEN_LOOP_NODE_FLAGS],
    serialization: 'advanced',
    stdio: 'inherit',
  });
  return new Promise((resolve, reject) => {
    child.once('message', (result) => resolve(result as OpenLoopResult));
    child.once('error', reject);
    child.once('exit', (code, signal) => reject(new Error(`the open loop's process ended (${signal ?? code}) without a result`)));
    child.send(options);
  });
}

interface ConnectionEvents {
  connected(): void;
  /** Request i got an answer with this status, or none (null) because the connection closed. */
  answered(i: number, status: number | null): void;
  /** The connection can take the next request. */
  free(c: Connection): void;
  /** The socket is gone; `connected` says whether it ever was. */
  closed(connected: boolean): void;
}

const HEADER_END = Buffer.from('\r\n\r\n', 'latin1');
/** How Node's servers (Fastify, node:http) write it; any other spelling is found by the slow path. */
const CONTENT_LENGTH = Buffer.from('\r\ncontent-length:', 'latin1');
const LAST_CHUNK = Buffer.from('0\r\n\r\n', 'latin1');

/**
 * Follows one HTTP/1.1 answer at a time through the reads it arrives in, keeping only what it
 * needs: a head that came in pieces, and the last five bytes of a chunked body. `feed` gives the
 * answer's status once it is whole: its head, and a body of Content-Length bytes or chunks up to
 * the last (a head with neither, as for 204 or 304, is the whole answer). A chunked body is taken
 * as whole when a read ends with the last chunk's bytes, which a chunk's own data could also do at
 * a read's end; the routes benchmarked answer with Content-Length.
 */
export class AnswerReader {
  private head: Buffer | null = null;
  private status = 0;
  /** Body bytes still due; -1 while the head is incomplete; -2 for a chunked body. */
  private remaining = -1;
  private tail: Buffer | null = null;

  /** `chunk` may be overwritten after the call. Returns the status when the answer is whole, else null. */
  feed(chunk: Buffer): number | null {
    let body = chunk;
    if (this.remaining === -1) {
      const data = this.head === null ? chunk : Buffer.concat([this.head, chunk]);
      const headerEnd = data.indexOf(HEADER_END);
      if (headerEnd < 0) {
        // A joined head is a buffer of its own already; a first piece is a view of the reused one.
        this.head = this.head === null ? Buffer.from(chunk) : data;
        return null;
      }
      this.head = null;
      this.status = (data[9]! - 48) * 100 + (data[10]! - 48) * 10 + (data[11]! - 48);
      this.remaining = bodyLength(data, headerEnd);
      if (this.remaining === -3) return this.done();
      body = data.subarray(headerEnd + 4);
    }
    if (this.remaining >= 0) {
      this.remaining -= body.length;
      return this.remaining <= 0 ? this.done() : null;
    }
    // Chunked: whole when the stream so far ends with the last chunk.
    const last = this.tail === null || body.length >= LAST_CHUNK.length ? body : Buffer.concat([this.tail, body]);
    const end = last.subarray(Math.max(0, last.length - LAST_CHUNK.length));
    if (end.equals(LAST_CHUNK)) return this.done();
    this.tail = Buffer.from(end);
    return null;
  }

  private done(): number {
    this.remaining = -1;
    this.tail = null;
    return this.status;
  }
}

/** The body's length from the head ending at `headerEnd`: Content-Length, -2 for chunked, -3 for neither. */
function bodyLength(data: Buffer, headerEnd: number): number {
  const at = data.indexOf(CONTENT_LENGTH);
  if (at >= 0 && at < headerEnd) {
    let length = 0;
    for (let p = at + CONTENT_LENGTH.length; p < headerEnd; p++) {
      const c = data[p]!;
      if (c >= 48 && c <= 57) length = length * 10 + (c - 48);
      else if (c !== 32 || length > 0) break;
    }
    return length;
  }
  const header = data.toString('latin1', 0, headerEnd);
  const given = /\r\ncontent-length:\s*(\d+)/i.exec(header);
  if (given) return Number(given[1]);
  return /\r\ntransfer-encoding:\s*chunked/i.test(header) ? -2 : -3;
}

/**
 * One keep-alive connection with at most one request in flight.
 *
 * It reads into one buffer of its own (`onread`) and follows each answer without keeping its body
 * (`AnswerReader`), so an answer costs the generator no allocation but a view: a generator that
 * allocates per answer (a 30 kB list page in two or three reads, joined) collects several times a
 * second, and then takes a core the server needs; with V8's parallel collector, both.
 */
class Connection {
  readonly socket: net.Socket;
  readonly ready: Promise<void>;
  private current = -1;
  private connected = false;
  private readonly input = Buffer.allocUnsafe(64 * 1024);
  private readonly reader = new AnswerReader();

  constructor(
    host: string,
    port: number,
    private readonly requests: Buffer[],
    private readonly events: ConnectionEvents,
  ) {
    this.socket = net.connect({
      host,
      port,
      noDelay: true,
      onread: {
        buffer: this.input,
        callback: (length: number, buffer: Uint8Array) => {
          const status = this.reader.feed(Buffer.from(buffer.buffer, buffer.byteOffset, length));
          if (status !== null) this.answered(status);
          return true;
        },
      },
    });
    this.ready = new Promise((resolve) => {
      this.socket.once('connect', () => {
        this.connected = true;
        events.connected();
        events.free(this);
        resolve();
      });
      this.socket.once('close', () => resolve());
    });
    // A refused or reset connection shows as 'close' with the request unanswered.
    this.socket.on('error', () => undefined);
    this.socket.on('close', () => {
      events.closed(this.connected);
      if (this.current >= 0) events.answered(this.current, null);
      this.current = -1;
    });
  }

  send(i: number): void {
    this.current = i;
    this.socket.write(this.requests[i % this.requests.length]!);
  }

  private answered(status: number): void {
    const i = this.current;
    this.current = -1;
    this.events.answered(i, status);
    this.events.free(this);
  }
}

/**
 * The highest of `values`, NaN for none. Not Math.max(...values): spread into arguments, the
 * 139,000 latencies of a 10 s open loop at 13,900 req/s overflow the call stack.
 */
export function highest(values: ArrayLike<number>): number {
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) if (values[i]! > max) max = values[i]!;
  return values.length === 0 ? Number.NaN : max;
}

/** Nearest-rank percentile (q in 0..1) of unsorted values; NaN for none. */
export function percentile(values: ArrayLike<number>, q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
