import request from 'supertest';
import { Queue } from 'bullmq';
import { createLabGateClient, ok } from '@labgate/client';
import { QueueName, redisOptions } from '@labgate/queue';
import type { TestApi } from './support/api';
import { TestStack } from './support/stack';
import { createCast, proposePilot, seated, settled, waitFor, type Cast, type ReviewBody } from './support/workflow';
import { AppProcess, freePort, HttpProcess, startApiProcess, startWorkerProcess } from '../support/processes';

const REVIEWS = 50;
const TRANCHE = 1_000_000;

/**
 * Two API processes and two workers on one Postgres and one Redis, as replicas run. Fifty reviews
 * go to decision through both APIs; halfway, one API and one worker are SIGKILLed. Every
 * decision must be applied exactly once, the ledger must equal the pilots' sums, and no job may
 * be lost. Then the metrics: with no worker left, the outbox backs up and /metrics says so.
 */
describe('replicas: 2 APIs and 2 workers, one of each killed midway', () => {
  let stack: TestStack;
  let apiB: HttpProcess;
  let workerB: AppProcess;
  let workerC: AppProcess | undefined;
  let metricsPort = 0;
  let a: TestApi;
  let b: TestApi;
  let cast: Cast;

  beforeAll(async () => {
    stack = await TestStack.start('replicas', { env: { RECONCILE_INTERVAL_MS: '2000', RECONCILE_STRANDED_AFTER_MS: '3000' } });
    apiB = await startApiProcess('replicas-api-b', stack.env);
    workerB = startWorkerProcess('replicas-worker-b', stack.env);
    a = stack.testApi();
    b = { ...a, http: request(apiB.url), url: apiB.url };
    cast = await createCast(a);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([apiB?.stop(), workerB?.stop(), workerC?.stop()]);
    await stack?.stop();
  });

  const via = (i: number) => (i % 2 === 0 ? a : b);

  it('applies every decision exactly once and keeps the ledger whole', async () => {
    // Proposals and submissions alternate between the two APIs.
    const pilots: string[] = [];
    for (let i = 0; i < REVIEWS; i++) pilots.push((await proposePilot(via(i), cast, { title: `Replica pilot ${i}` })).id);
    // Submissions and votes go through the generated, typed client (@labgate/client).
    const reviewIds: string[] = [];
    for (let i = 0; i < REVIEWS; i++) {
      const lead = createLabGateClient(via(i).url, cast.lead.token);
      const body = { trancheCents: TRANCHE, trl: 5, examResults: [{ exam: 'mid-term', actual: 'met', passed: true }], report: 'Evidence for the fund gate.' };
      reviewIds.push((await ok(lead.POST('/v1/pilots/{id}/submissions', { params: { path: { id: pilots[i]! } }, body }), 'submit')).gateReviewId);
    }
    const reviews: ReviewBody[] = [];
    for (const id of reviewIds) reviews.push(await seated(a, cast, id));

    // Every seat votes fund, through either API; halfway one API and one worker die by SIGKILL.
    const votingStarted = Date.now();
    let alive = [a, b];
    for (let i = 0; i < REVIEWS; i++) {
      if (i === REVIEWS / 2) {
        await Promise.all([apiB.stop('SIGKILL'), workerB.stop('SIGKILL')]);
        alive = [a];
      }
      for (const [k, seat] of reviews[i]!.seats.filter((s) => s.status === 'pending').entries()) {
        const voter = cast.byId.get(seat.reviewerId!)!;
        const client = createLabGateClient(alive[(i + k) % alive.length]!.url, voter.token);
        const { response, error } = await client.POST('/v1/gate-reviews/{id}/votes', {
          params: { path: { id: reviews[i]!.id } },
          body: { recommendation: 'fund', scores: { excellence: 4, impact: 4, implementation: 4 }, rationale: `Seat ${seat.seat}: fund.` },
        });
        expect([response.status, error]).toEqual([201, undefined]);
      }
    }

    // The surviving worker finishes everything, the killed one's jobs included.
    for (const id of reviewIds) expect((await settled(a, cast, id, 60_000)).decision!.outcome).toBe('fund');
    await waitFor('outbox drained', async () => (await a.db.query(`SELECT count(*)::int AS n FROM outbox WHERE sent_at IS NULL`))[0].n === 0, 30_000);

    const [{ n: decisions }] = await a.db.query(`SELECT count(*)::int AS n FROM audit_events WHERE action = 'gate.decided' AND pilot_id = ANY($1)`, [pilots]);
    expect(decisions).toBe(REVIEWS);
    const [{ n: twice }] = await a.db.query(
      `SELECT count(*)::int AS n FROM (SELECT pilot_id FROM audit_events WHERE action = 'gate.decided' AND pilot_id = ANY($1) GROUP BY 1 HAVING count(*) > 1) d`,
      [pilots],
    );
    expect(twice).toBe(0);
    expect(await a.db.duplicateNotifications(pilots)).toBe(0);
    expect(await a.db.ledger(cast.programmeId)).toEqual({ programme: String(REVIEWS * TRANCHE), pilots: String(REVIEWS * TRANCHE), movements: String(REVIEWS * TRANCHE) });
    // The audit seal ran once per interval (AUDIT_SEAL_INTERVAL_MS, 2 s here), not once per worker,
    // and runs on after the kill. A worker killed between taking a seal job and scheduling the
    // next one (BullMQ schedules it in a call of its own) leaves the schedule to resume when that
    // job's lock expires and the survivor takes it over (lockDuration 15 s, checked every 5 s):
    // hence the wait, not an immediate count.
    const maintenance = new Queue(QueueName.Maintenance, { connection: redisOptions(stack.env.REDIS_URL!), prefix: stack.env.QUEUE_PREFIX });
    try {
      const sealsSince = async () => (await maintenance.getJobs(['completed'], 0, 200)).filter((j) => j.name === 'audit.seal' && (j.finishedOn ?? 0) >= votingStarted);
      await waitFor('an audit seal after the voting began', async () => (await sealsSince()).length >= 1, 30_000);
      const window = Date.now() - votingStarted;
      const seals = await sealsSince();
      expect(seals.length).toBeGreaterThanOrEqual(1);
      expect(seals.length).toBeLessThanOrEqual(Math.floor(window / 2000) + 2);
    } finally {
      await maintenance.close();
    }
    // Every audit chain still verifies.
    for (const pilot of pilots.slice(0, 5)) expect((await a.http.get(`/v1/pilots/${pilot}/audit/verify`).set(cast.lead.auth)).body.valid).toBe(true);
  }, 300_000);

  it('shows the outbox backing up in /metrics while no worker runs, then the queues while they are paused', async () => {
    const metrics = async () => {
      const text = (await a.http.get('/metrics').set('Authorization', `Bearer ${a.adminToken}`)).text;
      const value = (name: string) => Number(new RegExp(`^${name} ([\\d.e+-]+)$`, 'm').exec(text)![1]);
      const waiting = Object.values(QueueName).reduce((sum, q) => sum + value(`labgate_queue_jobs\\{queue="${q}",state="waiting"\\}`), 0);
      return { pending: value('labgate_outbox_pending'), oldest: value('labgate_outbox_oldest_pending_seconds'), waiting };
    };
    const waiting: string[] = [];
    for (let i = 0; i < 3; i++) waiting.push((await proposePilot(a, cast, { title: `Submitted while the workers are down ${i}` })).id);
    await stack.worker.stop();
    const opened: string[] = [];
    for (const pilot of waiting) {
      const res = await a.http.post(`/v1/pilots/${pilot}/submissions`).set(cast.lead.auth).send({
        trancheCents: TRANCHE,
        trl: 5,
        examResults: [{ exam: 'mid-term', actual: 'met', passed: true }],
        report: 'Evidence for the fund gate.',
      });
      expect(res.status).toBe(202);
      opened.push(res.body.gateReviewId);
    }
    await new Promise((r) => setTimeout(r, 1500));
    const backedUp = await metrics();
    expect(backedUp.pending).toBeGreaterThanOrEqual(3);
    expect(backedUp.oldest).toBeGreaterThanOrEqual(1);

    // An operator pauses the queues, then a worker returns: the outbox drains into the queues,
    // where the jobs wait.
    const queues = Object.values(QueueName).map((name) => new Queue(name, { connection: redisOptions(stack.env.REDIS_URL!), prefix: stack.env.QUEUE_PREFIX }));
    try {
      await Promise.all(queues.map((q) => q.pause()));
      // This worker also serves its own metrics on a port of its own.
      metricsPort = await freePort();
      workerC = startWorkerProcess('replicas-worker-c', { ...stack.env, WORKER_METRICS_PORT: String(metricsPort) });
      const drained = await waitFor('outbox drained into the paused queues', async () => {
        const m = await metrics();
        return m.pending === 0 && m.waiting >= 3 && m;
      }, 30_000);
      expect(drained.oldest).toBe(0);

      await Promise.all(queues.map((q) => q.resume()));
      // What waited was done: the reviews opened while no worker ran have their seats.
      for (const id of opened) expect((await seated(a, cast, id)).status).toBe('open');
      await waitFor('queues empty', async () => (await metrics()).waiting === 0, 30_000);
      const own = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      expect(own).toMatch(/^labgate_worker_jobs\{queue="reviews",name="[a-z.-]+",outcome="success"\} [1-9]\d*$/m);
      expect(own).toMatch(/^labgate_worker_job_duration_seconds_count\{queue="reviews",name="[a-z.-]+"\} [1-9]\d*$/m);
      expect(own).toMatch(/^labgate_worker_process_resident_memory_bytes \d+/m);
    } finally {
      await Promise.all(queues.map((q) => q.close()));
    }
  }, 120_000);
});
