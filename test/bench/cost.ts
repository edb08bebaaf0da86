/**
 * What one request costs, route by route: the API's CPU (user and system, from /proc), the
 * database server's CPU, the SQL round trips the API made and the memory it allocated, each per
 * request, and the share of the time it stood paused for garbage collection, under a closed
 * loop of BENCH_CONNECTIONS (32). The measure the issue 12 work was decided on: throughput on two
 * shared cores swings with the neighbours, CPU per request much less.
 *
 *   npm run build && node dist/test/bench/cost.js
 *
 * BENCH_SECONDS (5) per route, BENCH_CONNECTIONS (32), COST_ONLY=<part of a route name> to
 * measure one route, COST_CPU_PROFILE=<dir> for a V8 CPU profile of the API (written when it
 * stops), COST_NODE_FLAGS=<V8 flags> added to the API's own (scripts/node-flags.ts); see
 * ablations() for the database-side switches. Ends with a table on stdout.
 */
import { readdirSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApiClient } from './api';
import { closedLoop, PreparedRequest } from './load';
import { readOptions } from './options';
import { DIST_ROOT, HttpProcess, LOG_DIR, procStat, sleep, withSteal } from '../support/processes';
import { createCast, createPilotRequests, openReviews, proposePilots, readRequests, voteSequence } from './seed';
import { BenchStack } from './stack';

/**
 * CPU seconds (user + system) of the database server: its client backends (the API's
 * connections among them), and everything else (WAL writer, checkpointer, autovacuum; workers that
 * exited meanwhile are counted in the postmaster's reaped-children times).
 */
function postgresCpu(): { backends: number; background: number } {
  let backends = 0;
  let background = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const { name, fields } = procStat(pid);
      if (name !== 'postgres') continue;
      const own = (Number(fields[11]) + Number(fields[12])) / 100;
      const reaped = (Number(fields[13]) + Number(fields[14])) / 100;
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      // Backends name their client address: "postgres: 15/main: user db 127.0.0.1(port) state".
      if (/\(\d+\)/.test(cmdline) || cmdline.includes('[local]')) backends += own;
      else background += own + reaped;
    } catch {
      // gone meanwhile
    }
  }
  return { backends, background };
}

function processCpu(pid: number): { user: number; system: number } {
  const { fields } = procStat(pid);
  return { user: Number(fields[11]) / 100, system: Number(fields[12]) / 100 };
}

/** CPU seconds (user + system) of the other processes a request sets to work: the worker, Redis and this load generator. */
function sideCpu(worker: number | undefined): { worker: number; redis: number; load: number } {
  const total = (pid: number | string) => {
    const { user, system } = processCpu(Number(pid));
    return user + system;
  };
  let redis = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (procStat(pid).name === 'redis-server') redis += total(pid);
    } catch {
      // gone meanwhile
    }
  }
  let workerCpu = 0;
  try {
    if (worker !== undefined) workerCpu = total(worker);
  } catch {
    // stopped meanwhile
  }
  return { worker: workerCpu, redis, load: total(process.pid) };
}

interface Cost {
  route: string;
  rps: number;
  apiUser: number;
  apiSystem: number;
  dbCpu: number;
  dbBackground: number;
  /** CPU of the worker, Redis and the load generator (this process) while the route ran. */
  worker: number;
  redis: number;
  load: number;
  roundTrips: number;
  statementCount: number;
  /**
   * Bytes the API allocated per request, bytes its scavenges promoted to the old generation per
   * request, mark-compacts per 10,000 requests, and the share of the run's wall time its GC paused it.
   */
  allocated: number;
  promoted: number;
  markCompacts: number;
  gcShare: number;
  /** Share of the machine's CPU time the hypervisor gave to other guests meanwhile. */
  steal: number;
  failures: number;
  statements: Array<{ text: string; perRequest: number }>;
}

type QueryCounts = { total: number; roundTrips: number; byText: Record<string, number> };

async function queriesSoFar(api: HttpProcess, file: string): Promise<QueryCounts> {
  rmSync(file, { force: true });
  api.child.kill('SIGWINCH');
  for (let i = 0; i < 100; i++) {
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as QueryCounts;
    } catch {
      await sleep(20);
    }
  }
  throw new Error('the API did not write its query count');
}

/**
 * The API's garbage collections so far, from the `--trace-gc-nvp` lines in its log: bytes
 * allocated (each line counts those since the previous collection), bytes promoted to the old
 * generation, mark-compacts and milliseconds paused.
 */
function collectionsSoFar(api: HttpProcess): { allocated: number; promoted: number; markCompacts: number; pausedMs: number } {
  let allocated = 0;
  let promoted = 0;
  let markCompacts = 0;
  let pausedMs = 0;
  for (const line of readFileSync(path.join(LOG_DIR, `${api.name}.log`), 'utf8').split('\n')) {
    if (!line.includes(' gc=')) continue;
    allocated += Number(/ allocated=(\d+)/.exec(line)?.[1] ?? 0);
    promoted += Number(/ promoted=(\d+)/.exec(line)?.[1] ?? 0);
    if (line.includes(' gc=mc ')) markCompacts++;
    pausedMs += Number(/ pause=([\d.]+)/.exec(line)?.[1] ?? 0);
  }
  return { allocated, promoted, markCompacts, pausedMs };
}

type Run = () => Promise<{ responses: number; ok: number; seconds: number }>;

/** Runs `warmUp` (not counted), then `run`, counting what `run` cost. */
async function cost(route: string, api: HttpProcess, countFile: string, run: Run, warmUp?: Run, worker?: number): Promise<Cost> {
  await warmUp?.();
  const sideBefore = sideCpu(worker);
  const queriesBefore = await queriesSoFar(api, countFile);
  const apiBefore = processCpu(api.pid);
  const dbBefore = postgresCpu();
  const gcBefore = collectionsSoFar(api);
  const { result, steal } = await withSteal(run);
  const apiAfter = processCpu(api.pid);
  const dbAfter = postgresCpu();
  const sideAfter = sideCpu(worker);
  const queriesAfter = await queriesSoFar(api, countFile);
  // Read after the query count's round trip to the API, so that the log (piped through this
  // process) has had a moment to catch up with the run's last collections.
  const gcAfter = collectionsSoFar(api);
  const queries = queriesAfter.total - queriesBefore.total;
  const roundTrips = queriesAfter.roundTrips - queriesBefore.roundTrips;
  const n = result.responses;
  const statements = Object.entries(queriesAfter.byText)
    .map(([text, count]) => ({ text, perRequest: (count - (queriesBefore.byText[text] ?? 0)) / n }))
    .filter((s) => s.perRequest >= 0.05)
    .sort((a, b) => b.perRequest - a.perRequest);
  const us = (seconds: number) => (seconds * 1e6) / n;
  return {
    route,
    rps: result.ok / result.seconds,
    apiUser: us(apiAfter.user - apiBefore.user),
    apiSystem: us(apiAfter.system - apiBefore.system),
    dbCpu: us(dbAfter.backends - dbBefore.backends),
    dbBackground: us(dbAfter.background - dbBefore.background),
    worker: us(sideAfter.worker - sideBefore.worker),
    redis: us(sideAfter.redis - sideBefore.redis),
    load: us(sideAfter.load - sideBefore.load),
    roundTrips: roundTrips / n,
    statementCount: queries / n,
    allocated: (gcAfter.allocated - gcBefore.allocated) / n,
    promoted: (gcAfter.promoted - gcBefore.promoted) / n,
    markCompacts: ((gcAfter.markCompacts - gcBefore.markCompacts) * 10_000) / n,
    gcShare: (gcAfter.pausedMs - gcBefore.pausedMs) / (result.seconds * 1000),
    steal,
    failures: n - result.ok,
    statements,
  };
}

/**
 * Database settings for the run, from the environment: COST_TRACK_FUNCTIONS=1 (per-function
 * times, printed at the end), COST_EXPLAIN=1 (auto_explain of every statement over 1 ms, nested
 * ones included, with actual rows, into the server's log), COST_NO_REPORT_REFRESH=1 (the report
 * facts' commit trigger off: what the aggregates cost the writes).
 */
function ablations(): string[] {
  const settings: string[] = [];
  if (process.env.COST_TRACK_FUNCTIONS === '1') settings.push(`track_functions = 'pl'`);
  if (process.env.COST_EXPLAIN === '1') {
    settings.push(`session_preload_libraries = 'auto_explain'`, `auto_explain.log_min_duration = '1ms'`, 'auto_explain.log_analyze = on', 'auto_explain.log_nested_statements = on');
  }
  if (process.env.COST_NO_REPORT_REFRESH === '1') settings.push('labgate.report_refresh = off');
  return settings;
}

async function main(): Promise<void> {
  const options = readOptions();
  const seconds = Number(process.env.BENCH_SECONDS ?? 5);
  const stack = BenchStack.create(options);
  const scratch = mkdtempSync(path.join(tmpdir(), 'labgate-cost-'));
  const countFile = path.join(scratch, 'queries');
  try {
    await stack.migrate();
    const db = new URL(stack.databaseUrl).pathname.slice(1);
    for (const setting of ablations()) await stack.query(`ALTER DATABASE ${db} SET ${setting}`);
    const profile = process.env.COST_CPU_PROFILE ? ['--cpu-prof', '--cpu-prof-interval', '200', '--cpu-prof-dir', path.resolve(process.env.COST_CPU_PROFILE)] : [];
    // --trace-gc-nvp: one line per collection in the API's log, for the allocation and GC columns.
    const app = await stack.startApi({ NODE_OPTIONS: `--require ${path.join(DIST_ROOT, 'test/bench/count-queries.js')}`, LABGATE_QUERY_COUNT_FILE: countFile }, ['--trace-gc-nvp', ...profile, ...(process.env.COST_NODE_FLAGS ?? '').split(' ').filter(Boolean)]);
    stack.startWorker();
    const api = new ApiClient(app.url, stack.adminToken);
    const cast = await createCast(api);
    const pilots = await proposePilots(api, cast, 400);
    const only = process.env.COST_ONLY;
    const wanted = (route: string) => !only || route.includes(only);
    const costs: Cost[] = [];
    const closed = async (route: string, requests: PreparedRequest[]) => {
      if (!wanted(route)) return;
      costs.push(
        await cost(
          route,
          app,
          countFile,
          () => closedLoop({ url: app.url, connections: options.connections, requests, seconds }),
          () => closedLoop({ url: app.url, connections: options.connections, requests, seconds: 2 }),
          stack.worker?.pid,
        ),
      );
    };
    await closed('GET /health/live', readRequests(cast, '/health/live'));
    await closed('GET /v1/me', readRequests(cast, '/v1/me'));
    await closed('GET /v1/pilots/:id', readRequests(cast, `/v1/pilots/${pilots[200]!.id}`));
    await closed('GET /v1/pilots?limit=20', readRequests(cast, '/v1/pilots?limit=20'));
    await closed('POST /v1/pilots', createPilotRequests(cast));
    const votes = 'POST /v1/gate-reviews/:id/votes';
    if (wanted(votes)) {
      // Each vote needs its own seat: 300 reviews of two seats, the first 60 for the warm-up.
      const reviews = await openReviews(api, stack, cast, pilots.slice(0, 360));
      await stack.stopWorker();
      const sequence = (set: typeof reviews) => () => closedLoop({ url: app.url, connections: options.connections, sequence: voteSequence(set) });
      costs.push(await cost(`${votes} (worker stopped)`, app, countFile, sequence(reviews.slice(60)), sequence(reviews.slice(0, 60))));
    }

    if (process.env.COST_TRACK_FUNCTIONS === '1') console.table(await stack.query('SELECT funcname, calls, total_time, self_time FROM pg_stat_user_functions'));
    const pad = (s: string, n: number) => s.padEnd(n);
    const num = (x: number, d = 0) => x.toFixed(d).padStart(9);
    console.log(
      `${pad('route', 32)}${'req/s'.padStart(9)}${'API usr'.padStart(9)}${'API sys'.padStart(9)}${'DB cpu'.padStart(9)}${'DB bg'.padStart(9)}${'worker'.padStart(9)}${'Redis'.padStart(9)}${'load'.padStart(9)}${'SQL rt'.padStart(9)}${'SQL st'.padStart(9)}${'alloc kB'.padStart(9)}${'prom kB'.padStart(9)}${'MC/10k'.padStart(9)}${'GC %'.padStart(9)}${'steal %'.padStart(9)}` +
        "  (µs per request, CPU of the API, the database's backends and background, the worker, Redis and the load generator; SQL round trips, statements, kB allocated and kB promoted to the old generation by the API per request; mark-compacts per 10,000 requests; share of wall time the API paused for GC; share of the machine's CPU time the hypervisor took)",
    );
    for (const c of costs) {
      console.log(
        `${pad(c.route, 32)}${num(c.rps)}${num(c.apiUser)}${num(c.apiSystem)}${num(c.dbCpu)}${num(c.dbBackground)}${num(c.worker)}${num(c.redis)}${num(c.load)}${num(c.roundTrips, 2)}${num(c.statementCount, 2)}${num(c.allocated / 1024, 1)}${num(c.promoted / 1024, 2)}${num(c.markCompacts, 1)}${num(c.gcShare * 100, 1)}${num(c.steal * 100, 1)}${c.failures ? `  ${c.failures} failed` : ''}`,
      );
    }
    console.log('\nStatements per request (0.05 and more):');
    for (const c of costs) {
      console.log(`  ${c.route}`);
      for (const s of c.statements) console.log(`    ${s.perRequest.toFixed(2)}  ${s.text}`);
    }
  } finally {
    await stack.dispose();
    rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
