/**
 * LabGate's benchmark suite: the DESIGN §7 targets for reads, writes, the queue and memory,
 * measured against the built API and worker running as processes on a throwaway database and
 * Redis prefix. Every throughput is a ratio to a reference measured in the same run on the same
 * machine (a bare NestJS app and a bare Fastify server, pgbench), because app, databases and load generator share two
 * cores and absolute numbers would say more about the machine than about LabGate. LabGate and the
 * HTTP references it is compared with run in alternating rounds, so that the host's drift from one
 * minute to the next falls on both sides of a ratio.
 *
 *   npm run build && node dist/test/bench/run.js
 *
 * BENCH_SECONDS (10) per measured run, BENCH_QUICK=1 for 3 s runs, BENCH_CONNECTIONS (32),
 * BENCH_REPORT_PILOTS (100,000; 10 votes each) and BENCH_REPORT_SAMPLES (20) for the reports,
 * BENCH_DATABASE_SERVER, BENCH_REDIS_URL, BENCH_KEEP_DATABASE=1 to keep the databases.
 *
 * The report goes to stdout, progress to stderr. It exits 0 whatever the figures are (it is a
 * report, not a test) and non-zero only when the bench itself fails.
 */
import { ok, type LabGateClient } from '@labgate/client';
import { performance } from 'node:perf_hooks';
import { JobName } from '@labgate/queue';
import { ApiClient, mapLimit } from './api';
import { closedLoop, highest, LoadResult, openLoopApart, OpenLoopResult, percentile, PreparedRequest } from './load';
import { BenchOptions, machineFacts, readOptions } from './options';
import { initPgbench, runPgbench } from './pgbench';
import { assertRunning, cpuSeconds, HttpProcess, pollFor, residentMemory, sleep, withSteal } from '../support/processes';
import { fmt, Report } from './report';
import {
  Cast,
  createCast,
  createPilotRequests,
  FUNDERS,
  LEADS,
  openReviews,
  ProposedPilot,
  proposePilots,
  readRequests,
  REVIEWERS,
  SeatedReview,
  send,
  voteRequest,
  voteSequence,
} from './seed';
import { BenchStack } from './stack';
import { alternatingOrder, combineRounds, type Measured } from './rounds';
import { reportBench } from './reports';

const started = performance.now();
function progress(message: string): void {
  console.error(`[bench ${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s] ${message}`);
}

/** Pilots in the read tables before the reads: a full list page and then some. */
const READ_PILOTS = 200;
/** Upper bound of prepared votes, so set-up stays within minutes even on a fast machine. */
const MAX_VOTES = 8_000;

interface Context {
  options: BenchOptions;
  stack: BenchStack;
  api: ApiClient;
  cast: Cast;
  report: Report;
  /** The API's resident set once started and idle, to tell its baseline from what the load added. */
  idleRss: number;
}

async function main(): Promise<void> {
  const options = readOptions();
  const stack = BenchStack.create(options);
  const report = new Report();
  console.log(header(options, stack));

  // Whatever ends the run, the databases, Redis keys and processes go with it.
  let interrupted = false;
  let completed = false;
  const abort = (why: string, exitCode: number) => {
    if (interrupted) return;
    interrupted = true;
    progress(`${why}: cleaning up`);
    void stack.dispose().finally(() => process.exit(exitCode));
  };
  process.once('SIGINT', () => abort('SIGINT', 130));
  process.once('SIGTERM', () => abort('SIGTERM', 143));
  process.on('uncaughtException', (err) => {
    console.error(`bench failed: ${err.stack ?? err.message}`);
    abort('uncaught exception', 1);
  });

  try {
    progress('creating the databases, filling pgbench tables, starting the API and the worker');
    await stack.migrate();
    await stack.createPgbenchDatabase();
    const api = await Promise.all([initPgbench(stack.pgbenchUrl, options.pgbenchScale), stack.startApi()]).then(
      ([, app]) => new ApiClient(app.url, stack.adminToken),
    );
    stack.startWorker();
    const cast = await createCast(api);
    const ctx: Context = { options, stack, api, cast, report, idleRss: residentMemory(stack.api!.pid).rss };

    await reads(ctx);
    const queueSet = await writes(ctx);
    await queue(ctx, queueSet);
    await outboxDrain(ctx, queueSet[0]!.id);
    memory(ctx);
    await reportBench(stack, stack.adminToken, report, { pilots: options.reportPilots, votes: options.reportPilots * 10, samples: options.reportSamples }, progress);
    completed = true;
  } finally {
    if (!interrupted) {
      progress('stopping the processes, dropping the databases and the Redis keys');
      await stack.dispose();
    }
    // What was measured before a failure is still worth reading.
    if (!report.empty) {
      if (!completed) report.note('INCOMPLETE: the bench failed before the end (see stderr); the figures above are what it measured.');
      console.log(report.render());
    }
  }
}

function header(options: BenchOptions, stack: BenchStack): string {
  return [
    'LabGate benchmark (DESIGN §7)',
    ...machineFacts().map((f) => `  ${f}`),
    `  ${options.quick ? 'QUICK mode: ' : ''}${options.seconds} s per measured run after ${options.warmupSeconds} s of warm-up, ` +
      `${options.connections} connections (pgbench: ${options.connections} clients, 2 threads, scale ${options.pgbenchScale})`,
    `  LabGate and its references in alternating rounds (A B C, C B A …): ${ROUNDS} rounds of ${options.seconds / ROUNDS} s per side, ` +
      `p99 the highest round's`,
    `  callers: ${LEADS} leads (reads, proposals), ${REVIEWERS} reviewers and ${FUNDERS} funders (votes); the per-caller rate limit is off`,
    `  open loop at ${options.openLoopShare * 100} % of the maximum measured just before it, its first ${options.warmupSeconds} s left out; queue: ${options.queueReviews} reviews at ` +
      `${options.queueReviewsPerSecond}/s; outbox drain: ${fmt.count(options.drainRows)} rows`,
    `  database ${new URL(stack.databaseUrl).pathname.slice(1)}, Redis prefix ${stack.queuePrefix}, logs in test/.logs/bench-${stack.run}-*.log`,
    '',
  ].join('\n');
}

/** ", steal 12 %" when the hypervisor took a noticeable share of the machine during a run. */
function stealNote(steal: number): string {
  return steal >= 0.01 ? `, host steal ${fmt.pct(steal)}` : '';
}

function describe(r: Measured): string {
  const codes = Object.entries(r.statusCodes)
    .filter(([code]) => !code.startsWith('2'))
    .map(([code, n]) => `${fmt.count(n)} × ${code}`);
  const failures = r.non2xx + r.errors > 0 ? `, ${codes.join(', ') || `${fmt.count(r.non2xx)} non-2xx`}, ${fmt.count(r.errors)} errors` : '';
  return `${fmt.rate(r.rps)}, p99 ${fmt.ms(r.p99)}, server CPU ${fmt.pct(r.cpu)}, machine busy ${fmt.pct(r.busy)}${stealNote(r.steal)}${failures}`;
}

/**
 * A closed-loop run against a server process, with the CPU that process used during it: Node
 * runs JavaScript on one thread, so a server near 100 % is bound by its own event loop.
 */
async function withCpu(server: HttpProcess, run: () => Promise<LoadResult>): Promise<Measured> {
  assertRunning(server);
  const cpuBefore = cpuSeconds(server.pid);
  const { result, steal, busy } = await withSteal(run);
  // A server that died mid-run leaves only connection errors behind; say so instead.
  assertRunning(server);
  return { ...result, cpu: (cpuSeconds(server.pid) - cpuBefore) / result.seconds, steal, busy };
}

/** Warm-up, then the measured run, of the same requests for BENCH_SECONDS. */
async function measure(ctx: Context, server: HttpProcess, requests: PreparedRequest[]): Promise<Measured> {
  const { connections, seconds, warmupSeconds } = ctx.options;
  await closedLoop({ url: server.url, connections, requests, seconds: warmupSeconds });
  return withCpu(server, () => closedLoop({ url: server.url, connections, requests, seconds }));
}

/**
 * A closed loop for the server's maximum right now, then an open loop at the bench's share of it.
 * The maximum is measured just before: on two shared cores it drifts by a third from one minute to
 * the next, and a share of a faster minute's maximum overloads a slower one from its first second.
 */
async function openLoopAtShare(
  ctx: Context,
  server: HttpProcess,
  requests: PreparedRequest[],
  name: string,
): Promise<OpenLoopResult & { maxRps: number; maxSteal: number; steal: number }> {
  const { options } = ctx;
  const max = await measure(ctx, server, requests);
  const rate = Math.max(1, Math.round(max.rps * options.openLoopShare));
  progress(`reads: ${name} open loop at ${rate} req/s`);
  const { result, steal } = await withSteal(() =>
    openLoopApart({ url: server.url, requests, rate, seconds: options.seconds, warmupSeconds: options.warmupSeconds, connections: options.connections }),
  );
  return { ...result, maxRps: max.rps, maxSteal: max.steal, steal };
}

/** An open loop's p99 over its whole schedule, the warm-up left out of its figures included. */
function wholeP99(o: OpenLoopResult): number {
  return percentile(Array.from(o.latencies).filter((ms) => !Number.isNaN(ms)), 0.99);
}

/**
 * Rounds per side of a comparison (measureAlternately): 2.5 s each in a full run. Even, so that
 * every side's mean place in the order is the same.
 */
const ROUNDS = 4;

/**
 * A comparison: each side (a server and its requests) warmed up, then BENCH_SECONDS of closed
 * loop each, in ROUNDS alternating rounds (alternatingOrder) rather than one side after the other.
 * On two shared cores the host's speed drifts by a third from one minute to the next; run one
 * after the other, a ratio measured whichever side had the slower minute.
 */
async function measureAlternately(ctx: Context, sides: ReadonlyArray<{ server: HttpProcess; requests: PreparedRequest[] }>): Promise<Measured[]> {
  const { connections, seconds, warmupSeconds } = ctx.options;
  const roundSeconds = seconds / ROUNDS;
  for (const { server, requests } of sides) await closedLoop({ url: server.url, connections, requests, seconds: warmupSeconds });
  const measured: Measured[][] = sides.map(() => []);
  for (const i of alternatingOrder(sides.length, ROUNDS)) {
    const { server, requests } = sides[i]!;
    measured[i]!.push(await withCpu(server, () => closedLoop({ url: server.url, connections, requests, seconds: roundSeconds })));
  }
  return measured.map(combineRounds);
}

/**
 * 1. The framework, then reads: LabGate's liveness against a bare NestJS-on-Fastify app's constant
 * route; the reads against the same bare NestJS app serving the same JSON (the target), a bare
 * Fastify server serving it (reported), and pgbench -S.
 */
async function reads(ctx: Context): Promise<void> {
  const { options, stack, api, cast, report } = ctx;
  progress(`reads: proposing ${READ_PILOTS} pilots`);
  const pilots = await proposePilots(api, cast, READ_PILOTS);
  const readId = pilots[READ_PILOTS / 2]!.id;
  const endpoints = [
    { name: 'GET /v1/pilots/:id', path: `/v1/pilots/${readId}`, read: (c: LabGateClient) => ok(c.GET('/v1/pilots/{id}', { params: { path: { id: readId } } })) },
    { name: 'GET /v1/pilots?limit=20', path: '/v1/pilots?limit=20', read: (c: LabGateClient) => ok(c.GET('/v1/pilots', { params: { query: { limit: 20 } } })) },
  ].map((e) => ({ ...e, requests: readRequests(cast, e.path) }));
  // Every lead of the agency sees the same pilot and page, so one JSON serves as the reference's.
  const [pilot, page] = await Promise.all(
    endpoints.map(async (e) => {
      const [first, other] = await Promise.all([cast.leads[0]!, cast.leads[cast.leads.length - 1]!].map((lead): Promise<unknown> => e.read(api.as(lead.token))));
      if (JSON.stringify(first) !== JSON.stringify(other)) throw new Error(`${e.name} answers differently to two leads of the agency`);
      return first;
    }),
  );
  const items = (page as { items?: unknown[] }).items?.length;
  if (items !== 20) throw new Error(`the list page has ${items} items, expected 20`);
  const reference = await stack.startReference({ pilot, page });
  const nest = await stack.startNestReference({ pilot, page });
  const obliged = await stack.startObligedNestReference({ pilot, page });

  progress('framework: GET /health/live, LabGate, bare NestJS, bare Fastify and NestJS with the obligations in alternating rounds');
  const liveness = readRequests(cast, '/health/live');
  const [frameworkApp, frameworkNest, frameworkFastify, frameworkObliged] = await measureAlternately(ctx, [
    { server: stack.api!, requests: liveness },
    { server: nest, requests: liveness },
    { server: reference, requests: readRequests(cast, '/health') },
    { server: obliged, requests: liveness },
  ]);
  const framework = { app: frameworkApp!, nest: frameworkNest!, fastify: frameworkFastify!, obliged: frameworkObliged! };
  await obliged.stop();

  const measured = [];
  for (const e of endpoints) {
    progress(`reads: ${e.name}, LabGate, bare NestJS and bare Fastify in alternating rounds`);
    const [app, bareNest, bare] = await measureAlternately(ctx, [
      { server: stack.api!, requests: e.requests },
      { server: nest, requests: e.requests },
      { server: reference, requests: e.requests },
    ]);
    measured.push({ ...e, app: app!, bareNest: bareNest!, bare: bare! });
  }
  await reference.stop();
  progress('reads: pgbench -S');
  const { result: pgS, steal: pgSSteal } = await withSteal(() => runPgbench(stack.pgbenchUrl, 'select-only', options.connections, options.seconds));

  // The open loop's rate is a share of the maximum measured just before it, not of the closed
  // loop a minute earlier: on two shared cores the maximum drifts by a third from one minute to
  // the next, and 70 % of a faster minute's maximum overloads a slower one from its first second.
  const open: Array<OpenLoopResult & { maxRps: number; maxSteal: number; steal: number }> = [];
  // The same measure of bare NestJS answering the JSON from memory: a control for what this
  // minute of the host, with LabGate, its worker and Postgres idle beside it, does to a tail.
  const control: Array<OpenLoopResult & { maxRps: number }> = [];
  for (const m of measured) {
    progress(`reads: ${m.name} closed loop again, for the open loop's rate`);
    open.push(await openLoopAtShare(ctx, stack.api!, m.requests, m.name));
    progress(`reads: ${m.name}, the same on bare NestJS`);
    control.push(await openLoopAtShare(ctx, nest, m.requests, `${m.name} on bare NestJS`));
  }
  await nest.stop();

  report.section(`Framework: closed loop, ${options.connections} connections, ${options.seconds} s`);
  report.info('GET /health/live (LabGate)', describe(framework.app));
  report.info('  bare NestJS on Fastify, one constant route', describe(framework.nest));
  report.info('  bare Fastify, one constant route', describe(framework.fastify));
  report.info('  bare NestJS with what LabGate owes every request', describe(framework.obliged));
  report.check('  LabGate liveness / bare NestJS', fmt.pct(framework.app.rps / framework.nest.rps), '>= 90 %', framework.app.rps / framework.nest.rps >= 0.9);
  report.info('  bare NestJS / bare Fastify', fmt.pct(framework.nest.rps / framework.fastify.rps));
  report.info('  NestJS with the obligations / bare NestJS', fmt.pct(framework.obliged.rps / framework.nest.rps));
  report.info('  LabGate liveness / NestJS with the obligations', fmt.pct(framework.app.rps / framework.obliged.rps));

  report.section(`Reads: closed loop, ${options.connections} connections, ${options.seconds} s`);
  report.info('pgbench -S (select-only)', `${fmt.rate(pgS.tps, 'tps')}${stealNote(pgSSteal)}`);
  measured.forEach((m, i) => {
    const o = open[i]!;
    report.info(`${m.name}`, describe(m.app));
    report.info(`  bare NestJS, same JSON from memory`, describe(m.bareNest));
    report.info(`  bare Fastify, same JSON from memory`, describe(m.bare));
    report.check(`  ${m.name} / bare NestJS`, fmt.pct(m.app.rps / m.bareNest.rps), '>= 50 %', m.app.rps / m.bareNest.rps >= 0.5);
    report.info(`  ${m.name} / bare Fastify`, fmt.pct(m.app.rps / m.bare.rps));
    report.check(`  ${m.name} / pgbench -S`, fmt.pct(m.app.rps / pgS.tps), '>= 25 %', m.app.rps / pgS.tps >= 0.25);
    const clean = o.non2xx === 0 && o.errors === 0;
    report.info('  closed loop again, just before the open loop', `${fmt.rate(o.maxRps)}${stealNote(o.maxSteal)}`);
    report.check(
      `  p99 open loop at ${fmt.rate(o.rate)} (${options.openLoopShare * 100} % of that)`,
      fmt.ms(o.p99),
      '< 25 ms, all 2xx',
      o.p99 < 25 && clean,
    );
    report.info(
      `    p50, max; generator lag p99${clean ? '' : '; failures'}`,
      `${fmt.ms(o.p50)}, ${fmt.ms(o.max)}; ${fmt.ms(o.lagP99)}${stealNote(o.steal)}${clean ? '' : `; ${o.non2xx} non-2xx, ${o.errors} errors`}`,
    );
    report.info(`    p99 with the ${options.warmupSeconds} s of warm-up before it`, fmt.ms(wholeP99(o)));
    const c = control[i]!;
    report.info(
      `  bare NestJS from memory, p99 open loop at ${options.openLoopShare * 100} % of its ${fmt.rate(c.maxRps)}`,
      `${fmt.ms(c.p99)} (p50 ${fmt.ms(c.p50)}, max ${fmt.ms(c.max)}; generator lag p99 ${fmt.ms(c.lagP99)})${c.non2xx + c.errors === 0 ? '' : `; ${c.non2xx} non-2xx, ${c.errors} errors`}`,
    );
  });
  report.note(
    'Host steal: the share of the machine\'s CPU time (both cores, /proc/stat) the hypervisor gave to other guests during a run, ' +
      'shown from 1 %. A run with a high share measured the neighbours as much as the server; compare ratios from runs without it.',
  );
  report.note(
    'Machine busy: the share of both cores that the server, the load generator, Postgres and everything else on this guest used during ' +
      'a side\'s rounds. A side far below 100 % waited (round trips, wake-ups) rather than ran out of CPU: its rate is bound by latency ' +
      'at this many connections, not by what a request costs.',
  );
  report.note(
    'NestJS with the obligations: the bare NestJS app doing, with LabGate\'s own code, what the API owes every request whatever ' +
      'its route (security headers, X-Request-Id, the hostile-input check, the HTTP server\'s timeouts): the floor of any API bound by that contract.',
  );
  report.note(
    `Open loop: requests on a fixed schedule over ${options.connections} pre-opened connections (wrk2-style), latency counted from ` +
      "the scheduled send time. autocannon's overallRate is bursty per second and closed loop within it, so it is not used for this figure. " +
      `The first ${options.warmupSeconds} s of the schedule are sent and left out, as wrk2 leaves out its first 10 s: the generator is a ` +
      'fresh process whose code V8 has not yet optimised, and the compiler threads that do it take the cores the server shares ' +
      '(tail.js shows those seconds before 0 s). The p99 of the whole schedule is printed beside.',
  );
}

/** 2. Writes against pgbench's TPC-B-like script. Returns the reviews kept for the queue measurement. */
async function writes(ctx: Context): Promise<SeatedReview[]> {
  const { options, stack, api, cast, report } = ctx;
  progress('writes: POST /v1/pilots');
  const create = await measure(ctx, stack.api!, createPilotRequests(cast));
  progress('writes: pgbench (TPC-B-like)');
  const { result: tpcb, steal: tpcbSteal } = await withSteal(() => runPgbench(stack.pgbenchUrl, 'tpcb-like', options.connections, options.seconds));

  // Votes must each be a distinct (review, seat holder), so they are prepared up front, enough
  // for about BENCH_SECONDS at the pilot-creation rate (a vote is a transaction of similar size).
  const votesWanted = Math.min(MAX_VOTES, Math.max(options.connections * 10, Math.round(create.rps * options.seconds * 1.2)));
  const warmupVotes = Math.max(options.connections * 2, Math.round((votesWanted * options.warmupSeconds) / options.seconds));
  const reviewsWanted = options.queueReviews + Math.ceil(warmupVotes / 2) + Math.ceil(votesWanted / 2);
  const pilots = await stack.query<ProposedPilot>(
    `SELECT id, lead_id AS "leadId" FROM pilots WHERE stage = 'proposal' AND lead_id = ANY($1::uuid[]) ORDER BY created_at DESC LIMIT $2`,
    [cast.leads.map((l) => l.id), reviewsWanted],
  );
  if (pilots.length < reviewsWanted) pilots.push(...(await proposePilots(api, cast, reviewsWanted - pilots.length)));
  progress(`writes: submitting ${fmt.count(reviewsWanted)} pilots to the fund gate and waiting for their seats`);
  const reviews = await openReviews(api, stack, cast, pilots);
  const queueSet = reviews.slice(0, options.queueReviews);
  const warmupSet = reviews.slice(options.queueReviews, options.queueReviews + Math.ceil(warmupVotes / 2));
  const voteSet = reviews.slice(options.queueReviews + warmupSet.length);
  await waitForOutbox(stack);

  // The worker is stopped while votes are measured: the figure is the API's write path (vote,
  // outbox row, audit append in one transaction), like pgbench's, without the tallies and
  // decisions competing for the same two cores. The queue section measures those.
  await stack.stopWorker();
  const sequence = voteSequence(voteSet);
  progress(`writes: ${fmt.count(sequence.length)} votes on ${fmt.count(voteSet.length)} reviews after a warm-up (worker stopped)`);
  const warmup = await closedLoop({ url: stack.api!.url, connections: options.connections, sequence: voteSequence(warmupSet) });
  const votes = await withCpu(stack.api!, () => closedLoop({ url: stack.api!.url, connections: options.connections, sequence }));
  const not201 = [warmup, votes].reduce(
    (sum, run) => sum + run.errors + Object.entries(run.statusCodes).reduce((n, [code, count]) => (code === '201' ? n : n + count), 0),
    0,
  );
  const [{ stored }] = await stack.query<{ stored: number }>('SELECT count(*)::int AS stored FROM votes WHERE gate_review_id = ANY($1::uuid[])', [
    voteSet.map((r) => r.id),
  ]);

  report.section(`Writes: closed loop, ${options.connections} connections`);
  report.info(`pgbench TPC-B-like, ${options.seconds} s`, `${fmt.rate(tpcb.tps, 'tps')}${tpcb.failed ? `, ${tpcb.failed} failed` : ''}${stealNote(tpcbSteal)}`);
  report.info(`POST /v1/pilots, ${options.seconds} s`, describe(create));
  report.check('  POST /v1/pilots / pgbench TPC-B', fmt.pct(create.rps / tpcb.tps), '>= 25 %', create.rps / tpcb.tps >= 0.25);
  report.info(`POST /v1/gate-reviews/:id/votes, ${fmt.count(sequence.length)} votes in ${fmt.s(votes.seconds)}`, describe(votes));
  report.check('  votes / pgbench TPC-B', fmt.pct(votes.rps / tpcb.tps), '>= 25 %', votes.rps / tpcb.tps >= 0.25);
  report.check(
    '  votes not answered 201 (warm-up too); votes stored',
    `${fmt.count(not201)}; ${fmt.count(stored)}`,
    `0; ${fmt.count(sequence.length)}`,
    not201 === 0 && stored === sequence.length,
  );
  if (not201 > 0) {
    report.note(`Vote status codes: warm-up ${JSON.stringify(warmup.statusCodes)}, measured ${JSON.stringify(votes.statusCodes)}; connection errors ${warmup.errors + votes.errors}.`);
  }
  report.note('Votes are measured with the worker stopped (tallies and decisions run afterwards, see Queue).');
  return queueSet;
}

/** 3a. From the last vote of a review to its decision, with the worker running. */
async function queue(ctx: Context, reviews: SeatedReview[]): Promise<void> {
  const { options, stack, report } = ctx;
  progress('queue: starting a worker on the backlog of tallies left by the vote run');
  const [{ backlog }] = await stack.query<{ backlog: number }>(
    `SELECT count(*)::int AS backlog FROM gate_reviews r WHERE r.status = 'open' AND (SELECT count(*) FROM votes v WHERE v.gate_review_id = r.id) >= 2`,
  );
  const backlogStart = performance.now();
  stack.startWorker();
  await pollFor('the backlog of fully voted reviews to be decided', 600_000, async () => {
    const [{ left }] = await stack.query<{ left: number }>(
      `SELECT count(*)::int AS left FROM gate_reviews r WHERE r.status = 'open' AND (SELECT count(*) FROM votes v WHERE v.gate_review_id = r.id) >= 2`,
    );
    return left === 0;
  });
  const backlogSeconds = (performance.now() - backlogStart) / 1000;
  // The measurement starts on an idle worker: the decisions' follow-up jobs (timers to close,
  // notifications) would otherwise sit ahead of its tallies in the queue.
  await waitForOutbox(stack);
  await pollFor('the queues to empty', 120_000, async () => (await stack.queuedJobs()) === 0);

  progress(`queue: voting on ${reviews.length} reviews, ${options.queueReviewsPerSecond} reviews/s, both seats one after the other`);
  const ids = reviews.map((r) => r.id);
  const lastVoteAnswered = new Map<string, number>();
  const decisionSeen = new Map<string, number>();
  let voting = true;
  let watching = true;
  // Client-side cross-check of the SQL figure: from the last vote's 201 to the first poll
  // (every 5 ms) that finds the review no longer open. An upper bound, by up to a poll.
  const watcher = (async () => {
    while (watching && (voting || decisionSeen.size < lastVoteAnswered.size)) {
      const pending = [...lastVoteAnswered.keys()].filter((id) => !decisionSeen.has(id));
      if (pending.length > 0) {
        const closed = await stack.query<{ id: string }>(`SELECT id FROM gate_reviews WHERE id = ANY($1::uuid[]) AND status <> 'open'`, [pending]);
        const now = performance.now();
        for (const { id } of closed) decisionSeen.set(id, now);
      }
      await sleep(5);
    }
  })();
  const intervalMs = 1000 / options.queueReviewsPerSecond;
  const t0 = performance.now();
  let rejected = 0;
  try {
    await mapLimit(reviews, reviews.length, async (review, i) => {
      await sleep(Math.max(0, t0 + i * intervalMs - performance.now()));
      for (const seat of review.seats) if ((await send(stack.api!.url, voteRequest(review.id, seat))) !== 201) rejected++;
      lastVoteAnswered.set(review.id, performance.now());
    });
  } finally {
    voting = false;
  }
  try {
    if (rejected > 0) throw new Error(`${rejected} votes of the queue measurement were refused`);
    await withTimeout(watcher, 60_000, 'the queue measurement reviews to be decided');
  } finally {
    watching = false;
  }

  const rows = await stack.query<{ ms: number }>(
    `SELECT (extract(epoch FROM r.decided_at - max(v.created_at)) * 1000)::float8 AS ms
       FROM gate_reviews r JOIN votes v ON v.gate_review_id = r.id
      WHERE r.id = ANY($1::uuid[]) AND r.status = 'decided'
      GROUP BY r.id, r.decided_at`,
    [ids],
  );
  const sql = rows.map((r) => r.ms);
  const client = ids.map((id) => decisionSeen.get(id)! - lastVoteAnswered.get(id)!);
  const p95 = percentile(sql, 0.95);

  report.section('Queue');
  report.info(`worker start to ${fmt.count(backlog)} vote-run reviews decided`, `${fmt.s(backlogSeconds)} (${fmt.rate(backlog / backlogSeconds, 'reviews/s')})`);
  report.check(
    `last vote to decision p95 (SQL), ${sql.length} of ${reviews.length} decided`,
    fmt.ms(p95),
    '< 500 ms, >= 100 decided',
    p95 < 500 && sql.length >= 100,
  );
  report.info('  p50, max (SQL)', `${fmt.ms(percentile(sql, 0.5))}, ${fmt.ms(highest(sql))}`);
  report.info('  last 201 to decision visible: p50, p95, max', `${fmt.ms(percentile(client, 0.5))}, ${fmt.ms(percentile(client, 0.95))}, ${fmt.ms(highest(client))}`);
  report.note(
    'Last vote to decision (SQL) is gate_reviews.decided_at minus the latest votes.created_at of the review. Both are now(), i.e. ' +
      'transaction start times: a tally that waited on the review lock while the last vote committed is dated before that commit, ' +
      'so low values are flattered. The client-side row (last vote answered to decision seen by a 5 ms poll) bounds it from above.',
  );
}

/** 3b. The outbox relay draining rows that piled up while no worker ran. */
async function outboxDrain(ctx: Context, anyReviewId: string): Promise<void> {
  const { options, stack, report } = ctx;
  await waitForOutbox(stack);
  await stack.stopWorker();
  progress(`queue: ${fmt.count(options.drainRows)} pending outbox rows, then a fresh worker`);
  // review.close-timers with no timer ids is a no-op job: the relay's cost, not a handler's, is measured.
  const inserted = await stack.query<{ id: string }>(
    `INSERT INTO outbox (job_name, payload)
     SELECT $1, jsonb_build_object('gateReviewId', $2::text, 'jobIds', '[]'::jsonb) FROM generate_series(1, $3)
     RETURNING id`,
    [JobName.CloseReviewTimers, anyReviewId, options.drainRows],
  );
  const ids = inserted.map((r) => r.id);

  const spawnedAt = performance.now();
  stack.startWorker();
  let drainedAt = Number.NaN;
  let drainedDbTime = new Date(Number.NaN);
  await pollFor('the outbox to drain', 120_000, async () => {
    // Counts every pending row (cheap, on the partial index); nothing else was pending before.
    const [row] = await stack.query<{ pending: number; at: Date }>('SELECT count(*)::int AS pending, clock_timestamp() AS at FROM outbox WHERE sent_at IS NULL');
    if (row!.pending > 0) return false;
    drainedAt = performance.now();
    drainedDbTime = row!.at;
    return true;
  }, 20);
  const [mine] = await stack.query<{ pending: number; first: Date }>(
    'SELECT count(*) FILTER (WHERE sent_at IS NULL)::int AS pending, min(sent_at) AS first FROM outbox WHERE id = ANY($1::uuid[])',
    [ids],
  );
  const totalS = (drainedAt - spawnedAt) / 1000;
  const relayS = (drainedDbTime.getTime() - mine!.first.getTime()) / 1000;

  report.check(`outbox relay: ${fmt.count(options.drainRows)} rows, from worker start`, fmt.s(totalS), '< 10 s', totalS < 10 && mine!.pending === 0);
  report.info('  from the first relay transaction (boot excluded)', `${fmt.s(relayS)} (${fmt.rate(options.drainRows / relayS, 'rows/s')})`);
}

/** 4. The API's resident memory once all the load has run. */
function memory(ctx: Context): void {
  assertRunning(ctx.stack.api!);
  const { rss, peak } = residentMemory(ctx.stack.api!.pid);
  ctx.report.section('Memory');
  ctx.report.check('API resident set (VmRSS) after the load', fmt.mb(rss), '< 200 MB', rss < 200e6);
  ctx.report.info('  API resident set once started, before any load', fmt.mb(ctx.idleRss));
  ctx.report.info('  API peak resident set (VmHWM)', fmt.mb(peak));
}

/** Waits until no outbox row is pending, so one phase's follow-up work does not leak into the next. */
async function waitForOutbox(stack: BenchStack): Promise<void> {
  await pollFor('the outbox to be relayed', 120_000, async () => {
    const [{ pending }] = await stack.query<{ pending: number }>('SELECT count(*)::int AS pending FROM outbox WHERE sent_at IS NULL');
    return pending === 0;
  });
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms / 1000} s waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);
