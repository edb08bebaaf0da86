/**
 * What LabGate's pipeline costs on top of NestJS, per request: the API and the bare NestJS
 * reference (test/bench/reference-nest.ts) answer the same route in alternating closed loops
 * (BENCH_CONNECTIONS, BENCH_SECONDS each, FRAMEWORK_ROUNDS rounds), and for each loop the table
 * gives the requests per second and the server's CPU per request (user + system, from /proc).
 * Alternating rounds keep a neighbour's burst from landing on one side only; CPU per request
 * moves much less with the host than throughput does.
 *
 *   npm run build && node dist/test/bench/framework.js
 *
 * FRAMEWORK_PATH (/health/live) picks the route; it must answer the same on both sides.
 * FRAMEWORK_PATH=pilot or page measures `GET /v1/pilots/:id` or `GET /v1/pilots?limit=20`: 40 pilots
 * are proposed, and the reference serves the JSON the API answered for them from memory (as in
 * run.js, where the reads' target is that reference).
 * FRAMEWORK_OBLIGED=1 adds a third side: bare NestJS doing what LabGate owes every request
 * (reference-nest.ts, REFERENCE_OBLIGED), the floor of any API bound by the same contract.
 * FRAMEWORK_AT_ONCE=1 measures every side in the same seconds instead of in turn: each round runs
 * all the closed loops at once, the connections split between them, every server's threads pinned
 * to CPU 0 and the load generator (this process) to CPU 1 (`taskset`). The host's speed, which
 * drifts by a third from one minute to the next on these shared cores, is then the same for every
 * side; the servers share one core, so each one's CPU per request is the figure to read (req/s
 * only says how the scheduler split the core). The first two rounds are warm-up, not counted. For
 * the reads, Postgres is not pinned: it runs beside the generator.
 * FRAMEWORK_FRESH=1 adds a side: a second LabGate API that has answered nothing but the measured
 * route (the first one served the set-up's requests, the cast and the pilots, as in run.js).
 * FRAMEWORK_NODE_FLAGS adds V8 flags to every side. FRAMEWORK_PERF=<dir>: every side starts with
 * `--perf-basic-prof`, `perf record -g` samples each through its first round, and the run ends
 * with LabGate compared per request with bare NestJS, or with the obliged reference when it ran
 * (docs/profiles/perf-compare.js; the scripts stay in <dir>).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { ok } from '@labgate/client';
import { ApiClient } from './api';
import { closedLoop, PreparedRequest } from './load';
import { readOptions } from './options';
import { comparePerf, recordPerf } from './perf';
import { cpuSeconds, HttpProcess, withSteal } from '../support/processes';
import { Cast, createCast, proposePilots, readRequests } from './seed';
import { BenchStack } from './stack';

/** The third side's name (FRAMEWORK_OBLIGED). */
const OBLIGED = 'NestJS + obligations';
/** The side FRAMEWORK_FRESH adds. */
const FRESH = 'LabGate, fresh';
/** Rounds of FRAMEWORK_AT_ONCE that warm the JIT at the pinned, shared rate, not counted. */
const AT_ONCE_WARM_UP = 2;

/** Every thread of `pid` onto CPU `cpu` (util-linux's taskset). */
function pin(pid: number, cpu: number): void {
  execFileSync('taskset', ['--all-tasks', '--pid', '--cpu-list', String(cpu), String(pid)], { stdio: 'ignore' });
}

/** The server's CPU per answer over a closed loop, from its CPU seconds before it; every answer must be 2xx. */
function cpuPerRequest(side: string, proc: HttpProcess, cpuBefore: number, result: { ok: number; responses: number }): number {
  if (result.ok !== result.responses) throw new Error(`${side}: ${result.responses - result.ok} of ${result.responses} answers were not 2xx`);
  return ((cpuSeconds(proc.pid) - cpuBefore) * 1e6) / result.responses;
}

/** The middle value, or the mean of the two middle ones (load.ts's percentile is nearest-rank). */
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

interface Round {
  side: string;
  rps: number;
  usPerRequest: number;
  /** The round (FRAMEWORK_AT_ONCE: every side's loop of a round ran in the same seconds). */
  round: number;
}

/**
 * The route both sides answer, and the JSON the reference serves for the reads: what the API
 * answered a lead for the same path (every lead of the cast's agency sees the same pilots).
 */
async function routeToMeasure(requested: string, api: ApiClient, cast: Cast): Promise<{ route: string; bodies: { pilot: unknown; page: unknown } }> {
  if (requested !== 'pilot' && requested !== 'page') return { route: requested, bodies: { pilot: {}, page: {} } };
  const pilots = await proposePilots(api, cast, 40);
  const lead = api.as(cast.leads[0]!.token);
  if (requested === 'pilot') {
    const id = pilots[20]!.id;
    return { route: `/v1/pilots/${id}`, bodies: { pilot: await ok(lead.GET('/v1/pilots/{id}', { params: { path: { id } } })), page: {} } };
  }
  return { route: '/v1/pilots?limit=20', bodies: { pilot: {}, page: await ok(lead.GET('/v1/pilots', { params: { query: { limit: 20 } } })) } };
}

async function main(): Promise<void> {
  const options = readOptions();
  const seconds = Number(process.env.BENCH_SECONDS ?? 5);
  const rounds = Number(process.env.FRAMEWORK_ROUNDS ?? 6);
  const requested = process.env.FRAMEWORK_PATH ?? '/health/live';
  const stack = BenchStack.create(options);
  try {
    await stack.migrate();
    const perfDir = process.env.FRAMEWORK_PERF ? path.resolve(process.env.FRAMEWORK_PERF) : undefined;
    if (perfDir) mkdirSync(perfDir, { recursive: true });
    const nodeFlags = [...(process.env.FRAMEWORK_NODE_FLAGS ?? '').split(' ').filter(Boolean), ...(perfDir ? ['--perf-basic-prof'] : [])];
    const profiled: Array<{ side: string; script: string; usPerRequest: number }> = [];
    const app = await stack.startApi({}, nodeFlags);
    const api = new ApiClient(app.url, stack.adminToken);
    const cast = await createCast(api);
    const { route, bodies } = await routeToMeasure(requested, api, cast);
    const nest = await stack.startNestReference(bodies, nodeFlags);
    const obliged = process.env.FRAMEWORK_OBLIGED === '1' ? await stack.startObligedNestReference(bodies, nodeFlags) : undefined;
    const fresh = process.env.FRAMEWORK_FRESH === '1' ? await stack.startFreshApi(nodeFlags) : undefined;
    console.log(`LabGate pid ${app.pid}, bare NestJS pid ${nest.pid}${obliged ? `, ${OBLIGED} pid ${obliged.pid}` : ''}${fresh ? `, ${FRESH} pid ${fresh.pid}` : ''}`);
    const requests = readRequests(cast, route);
    const sides: Array<[string, HttpProcess]> = [
      ['LabGate', app],
      ['bare NestJS', nest],
      ...(obliged ? [[OBLIGED, obliged] as [string, HttpProcess]] : []),
      ...(fresh ? [[FRESH, fresh] as [string, HttpProcess]] : []),
    ];
    const results: Round[] = [];
    const atOnce = process.env.FRAMEWORK_AT_ONCE === '1';
    if (atOnce) {
      if (perfDir) throw new Error('FRAMEWORK_PERF samples one side at a time: not with FRAMEWORK_AT_ONCE');
      results.push(...(await measureAtOnce(sides, requests, Math.max(1, Math.floor(options.connections / sides.length)), seconds, rounds)));
    } else {
      results.push(...(await measureInTurn(sides, requests, options.connections, seconds, rounds, perfDir, profiled)));
    }
    summarise(route, options.connections, rounds, seconds, sides, results, { obliged: obliged !== undefined, atOnce });
    // LabGate against the reference closest to it: the obliged one when it ran.
    const a = profiled.find((p) => p.side === 'LabGate');
    const b = profiled.find((p) => p.side === (obliged ? OBLIGED : 'bare NestJS'));
    if (a && b) {
      const { command, table } = comparePerf(a, b, 30);
      console.log(`\nperf, first round, LabGate against ${b.side} (${command}):`);
      console.log(table);
    }
  } finally {
    await stack.dispose();
  }
}

/** The sides in alternating closed loops, each with all the connections and the whole machine. */
async function measureInTurn(
  sides: Array<[string, HttpProcess]>,
  requests: PreparedRequest[],
  connections: number,
  seconds: number,
  rounds: number,
  perfDir: string | undefined,
  profiled: Array<{ side: string; script: string; usPerRequest: number }>,
): Promise<Round[]> {
  for (const [, proc] of sides) await closedLoop({ url: proc.url, connections, requests, seconds: 2 });
  const results: Round[] = [];
  for (let round = 0; round < rounds; round++) {
    // Each round starts with the side the previous one ended with (AB BA, or ABC CBA), so none always goes first.
    const order = round % 2 === 0 ? sides : [...sides].reverse();
    for (const [side, proc] of order) {
      const perf = perfDir && round === 0 ? recordPerf(proc.pid, path.join(perfDir, `${side.replace(/\W+/g, '-')}.data`), seconds) : undefined;
      const before = cpuSeconds(proc.pid);
      const { result, busy } = await withSteal(() => closedLoop({ url: proc.url, connections, requests, seconds }));
      const usPerRequest = cpuPerRequest(side, proc, before, result);
      if (perf) profiled.push({ side, script: await perf.finished(), usPerRequest });
      results.push({ side, rps: result.rps, usPerRequest, round });
      console.log(`round ${round + 1} ${side.padEnd(OBLIGED.length)} ${result.rps.toFixed(0).padStart(7)} req/s ${usPerRequest.toFixed(1).padStart(7)} µs/request, machine busy ${(busy * 100).toFixed(0).padStart(3)} %`);
    }
  }
  return results;
}

/**
 * All sides in the same seconds (FRAMEWORK_AT_ONCE): the servers pinned to CPU 0, this process,
 * the load generator, to CPU 1, `connections` each.
 */
async function measureAtOnce(sides: Array<[string, HttpProcess]>, requests: PreparedRequest[], connections: number, seconds: number, rounds: number): Promise<Round[]> {
  for (const [, proc] of sides) pin(proc.pid, 0);
  pin(process.pid, 1);
  const results: Round[] = [];
  for (let round = -AT_ONCE_WARM_UP; round < rounds; round++) {
    const before = sides.map(([, proc]) => cpuSeconds(proc.pid));
    const loops = await Promise.all(sides.map(([, proc]) => closedLoop({ url: proc.url, connections, requests, seconds })));
    const line: string[] = [];
    sides.forEach(([side, proc], i) => {
      const result = loops[i]!;
      const usPerRequest = cpuPerRequest(side, proc, before[i]!, result);
      if (round >= 0) results.push({ side, rps: result.rps, usPerRequest, round });
      line.push(`${side} ${usPerRequest.toFixed(1)}`);
    });
    console.log(`${round < 0 ? 'warm-up' : `round ${round + 1}`}, µs/request: ${line.join(', ')}`);
  }
  return results;
}

function summarise(
  route: string,
  connections: number,
  rounds: number,
  seconds: number,
  sides: Array<[string, HttpProcess]>,
  results: Round[],
  { obliged, atOnce }: { obliged: boolean; atOnce: boolean },
): void {
  console.log(`\n${route}, ${connections} connections, ${rounds} rounds of ${seconds} s${atOnce ? ', all sides at once on one pinned core' : ''}: lowest / median`);
  const summary = (side: string) => {
    const mine = results.filter((r) => r.side === side);
    const us = mine.map((r) => r.usPerRequest);
    const rps = mine.map((r) => r.rps);
    return { us: [Math.min(...us), median(us)], rps: [Math.max(...rps), median(rps)] };
  };
  for (const [side] of sides) {
    const s = summary(side);
    console.log(`${side.padEnd(OBLIGED.length)} ${s.us[0]!.toFixed(1)} / ${s.us[1]!.toFixed(1)} µs per request; ${s.rps[0]!.toFixed(0)} / ${s.rps[1]!.toFixed(0)} req/s (highest / median)`);
  }
  const ratio = (a: string, b: string) => {
    const [x, y] = [summary(a), summary(b)];
    // At once, the two sides of a round shared its seconds: the median of the rounds' own ratios
    // leaves the host's drift between rounds out.
    const paired = atOnce
      ? `; paired by round ${(
          median(results.filter((r) => r.side === a).map((r) => results.find((o) => o.side === b && o.round === r.round)!.usPerRequest / r.usPerRequest)) * 100
        ).toFixed(1)} %`
      : '';
    console.log(`${a} / ${b}: CPU per request ${((y.us[1]! / x.us[1]!) * 100).toFixed(1)} % (medians${paired}), req/s ${((x.rps[1]! / y.rps[1]!) * 100).toFixed(1)} % (medians)`);
  };
  ratio('LabGate', 'bare NestJS');
  if (obliged) {
    ratio(OBLIGED, 'bare NestJS');
    ratio('LabGate', OBLIGED);
  }
  if (sides.some(([side]) => side === FRESH)) {
    ratio(FRESH, 'bare NestJS');
    ratio('LabGate', FRESH);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
