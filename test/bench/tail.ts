/**
 * The open-loop tail of `GET /v1/pilots/:id` in isolation: the API (and the worker, unless
 * TAIL_WORKER=0) on a throwaway database, a closed loop to find the maximum rate, then three
 * 10 s open loops at 70 % of it (TAIL_SHARE=0.5 for 50 %), each printed with p50, p99, max, the
 * generator's own lag and the server's CPU and context switches per request.
 * TAIL_ROUTE=list measures the list page (`GET /v1/pilots?limit=20`) instead of the read by id.
 * TAIL_TARGET=nest runs the same loops against the bare NestJS reference (reference-nest.ts)
 * answering the API's JSON for that route from memory, with the API, its worker and Postgres
 * idle beside it: a control for what the host's scheduling alone does to a tail.
 * TAIL_OPEN_WARMUP=<s> sends that many seconds of each open loop's schedule first and leaves them
 * out of its figures, as wrk2 does with its first 10 s (default: npm run bench's warm-up, 3 s);
 * their slow windows print before 0 s.
 * TAIL_NODE_FLAGS adds V8 flags to the API (`--trace-gc` writes its collections to its log).
 * TAIL_HEAP_PROFILE=<file> writes a sampling heap profile of the API's allocations over the whole
 * run there (heap-profile.ts; summarised by docs/profiles/analyze-heapprofile.js); with
 * TAIL_HEAP_SURVIVORS=1, only of the objects that outlived a scavenge (promoted or still alive);
 * TAIL_HEAP_INTERVAL=<bytes> samples one allocation per that many bytes (16384).
 * TAIL_PERF=<dir> samples the API with `perf record -g` through the closed loop and the first open
 * loop and compares the two per request by module (docs/profiles/perf-compare.js: the open loop as
 * a, the closed loop as b), to see what a request costs more when requests do not queue.
 *
 *   npm run build && node dist/test/bench/tail.js
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ApiClient } from './api';
import { closedLoop, openLoopApart } from './load';
import { readOptions } from './options';
import { Cast, createCast, proposePilots, readRequests } from './seed';
import { comparePerf, recordPerf } from './perf';
import { BenchStack } from './stack';
import { cpuSeconds, DIST_ROOT, HttpProcess, sleep, withSteal } from '../support/processes';

/** Context switches (voluntary and not) of a process so far: each is a wake-up or a preemption. */
function contextSwitches(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/\nvoluntary_ctxt_switches:\s+(\d+)/.exec(status)?.[1]) + Number(/\nnonvoluntary_ctxt_switches:\s+(\d+)/.exec(status)?.[1]);
}

/**
 * Where in the loop its slow requests were due: per 100 ms window of the schedule that had any
 * request answered after 25 ms or more, the window's start, how many and the slowest, so one stall
 * (every request of a few windows) tells itself apart from a spread of slow answers.
 */
function slowWindows(latencies: Float64Array, intervalMs: number, measuredFrom: number): string {
  const windows = new Map<number, { count: number; max: number }>();
  latencies.forEach((latency, i) => {
    if (!(latency >= 25)) return;
    const at = Math.floor(((i - measuredFrom) * intervalMs) / 100) * 100;
    const w = windows.get(at) ?? { count: 0, max: 0 };
    w.count++;
    w.max = Math.max(w.max, latency);
    windows.set(at, w);
  });
  return [...windows].map(([at, w]) => `${(at / 1000).toFixed(1)} s: ${w.count} (≤ ${w.max.toFixed(0)} ms)`).join(', ');
}

/** The bare NestJS reference, serving what the API answered a lead for `route`. */
async function startNest(stack: BenchStack, url: string, cast: Cast, route: string, list: boolean): Promise<HttpProcess> {
  const answer = await fetch(new URL(route, url), { headers: { authorization: `Bearer ${cast.leads[0]!.token}` } });
  if (!answer.ok) throw new Error(`GET ${route}: ${answer.status}`);
  const body: unknown = await answer.json();
  return stack.startNestReference(list ? { pilot: {}, page: body } : { pilot: body, page: {} });
}

async function main(): Promise<void> {
  const options = readOptions();
  const stack = BenchStack.create(options);
  try {
    await stack.migrate();
    const heapProfile = process.env.TAIL_HEAP_PROFILE ? path.resolve(process.env.TAIL_HEAP_PROFILE) : undefined;
    const profiling = heapProfile
      ? {
          NODE_OPTIONS: `--require ${path.join(DIST_ROOT, 'test/bench/heap-profile.js')}`,
          LABGATE_HEAP_PROFILE_FILE: heapProfile,
          LABGATE_HEAP_PROFILE_SURVIVORS: process.env.TAIL_HEAP_SURVIVORS === '1' ? '1' : '0',
          LABGATE_HEAP_PROFILE_INTERVAL: process.env.TAIL_HEAP_INTERVAL ?? '16384',
        }
      : {};
    if (heapProfile) rmSync(heapProfile, { force: true });
    const perfDir = process.env.TAIL_PERF ? path.resolve(process.env.TAIL_PERF) : undefined;
    if (perfDir) mkdirSync(perfDir, { recursive: true });
    const nodeFlags = [...(process.env.TAIL_NODE_FLAGS ?? '').split(' ').filter(Boolean), ...(perfDir ? ['--perf-basic-prof'] : [])];
    const app = await stack.startApi(profiling, nodeFlags);
    if (process.env.TAIL_WORKER !== '0') stack.startWorker();
    const api = new ApiClient(app.url, stack.adminToken);
    const cast = await createCast(api);
    const pilots = await proposePilots(api, cast, 200);
    const list = process.env.TAIL_ROUTE === 'list';
    const route = list ? '/v1/pilots?limit=20' : `/v1/pilots/${pilots[100]!.id}`;
    const requests = readRequests(cast, route);
    const target = process.env.TAIL_TARGET === 'nest' ? await startNest(stack, app.url, cast, route, list) : app;
    if (target !== app) console.log(`target: the bare NestJS reference, answering ${route} from memory`);
    // What the API spent per request during a run: a process woken for every request (an open
    // loop at a low rate) spends more per request than one that finds several waiting.
    const profiled: Array<{ script: string; usPerRequest: number }> = [];
    const perRequest = async <R extends { responses: number; measuredFrom?: number }>(
      run: () => Promise<R>,
      perfName?: string,
      seconds = 0,
    ): Promise<R & { cpuUs: number; switches: number; steal: number }> => {
      const perf = perfDir && perfName ? recordPerf(target.pid, path.join(perfDir, `${perfName}.data`), seconds) : undefined;
      const cpu = cpuSeconds(target.pid);
      const switches = contextSwitches(target.pid);
      const { result, steal } = await withSteal(run);
      // The open loop's warm-up is answered in the same seconds (its answers, about measuredFrom).
      const answered = result.responses + (result.measuredFrom ?? 0);
      const cpuUs = ((cpuSeconds(target.pid) - cpu) * 1e6) / answered;
      if (perf) profiled.unshift({ script: await perf.finished(), usPerRequest: cpuUs });
      return { ...result, cpuUs, switches: (contextSwitches(target.pid) - switches) / answered, steal };
    };
    const cost = (r: { cpuUs: number; switches: number; steal: number }) =>
      `server CPU ${Math.round(r.cpuUs)} µs and ${r.switches.toFixed(2)} context switches per request; host steal ${(r.steal * 100).toFixed(1)} %`;
    await closedLoop({ url: target.url, connections: options.connections, requests, seconds: 3 });
    const max = await perRequest(() => closedLoop({ url: target.url, connections: options.connections, requests, seconds: 5 }), 'closed', 5);
    console.log(`closed loop: ${Math.round(max.rps)} req/s, ${cost(max)}`);
    const share = process.env.TAIL_SHARE ? Number(process.env.TAIL_SHARE) : options.openLoopShare;
    if (!(share > 0 && share <= 1)) throw new Error(`TAIL_SHARE must be a share of the closed loop's rate, in (0, 1]: ${process.env.TAIL_SHARE}`);
    const rate = Math.round(max.rps * share);
    const warmupSeconds = Number(process.env.TAIL_OPEN_WARMUP ?? options.warmupSeconds);
    if (!(warmupSeconds >= 0)) throw new Error(`TAIL_OPEN_WARMUP must be seconds, 0 or more: ${process.env.TAIL_OPEN_WARMUP}`);
    if (warmupSeconds > 0) console.log(`each open loop sends ${warmupSeconds} s of its schedule first, left out of its figures (windows before 0 s below; TAIL_OPEN_WARMUP=0 for none)`);
    for (let i = 0; i < 3; i++) {
      const o = await perRequest(
        () => openLoopApart({ url: target.url, requests, rate, seconds: 10, warmupSeconds, connections: options.connections }),
        i === 0 ? 'open' : undefined,
        10 + warmupSeconds,
      );
      const ms = (x: number) => `${x.toFixed(1)} ms`;
      console.log(`open loop from ${new Date(o.startedAt).toISOString()} at ${rate} req/s: p50 ${ms(o.p50)}, p99 ${ms(o.p99)}, max ${ms(o.max)}, generator lag p99 ${ms(o.lagP99)}, failures ${o.non2xx + o.errors}; ${cost(o)}`);
      const slow = slowWindows(o.latencies, o.intervalMs, o.measuredFrom);
      if (slow) console.log(`  answered after 25 ms or more, by 100 ms of schedule: ${slow}`);
    }
    if (profiled.length === 2) {
      const { command, table } = comparePerf(profiled[0]!, profiled[1]!, 40);
      console.log(`\nperf, first open loop (a) against the closed loop (b) (${command}):`);
      console.log(table);
    }
    if (heapProfile) {
      app.child.kill('SIGURG');
      for (let i = 0; i < 300 && !existsSync(heapProfile); i++) await sleep(100);
      console.log(existsSync(heapProfile) ? `heap profile: ${heapProfile}` : 'heap profile: not written');
    }
  } finally {
    await stack.dispose();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
