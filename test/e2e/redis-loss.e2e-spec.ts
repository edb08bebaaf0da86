import { createServer, IncomingMessage, Server } from 'node:http';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { QueueName, redisOptions } from '@labgate/queue';
import { TestApi } from './support/api';
import { TestStack } from './support/stack';
import { Cast, createCast, GOOD, getReview, proposePilot, ReviewBody, seated, settled, submit, waitFor } from './support/workflow';

/**
 * Postgres is the source of truth: a Redis without persistence restarted empty (as on most
 * installs) while reviews are mid-vote, one is past its deadline and one decision's webhook is
 * waiting; the worker's reconciler puts the work back and everything happens exactly once.
 */
describe('a Redis without persistence loses everything', () => {
  let stack: TestStack;
  let api: TestApi;
  let cast: Cast;
  let hook: { server: Server; received: Array<{ headers: IncomingMessage['headers']; body: { event: string; data: { gateReviewId?: string } } }>; url: string };

  beforeAll(async () => {
    stack = await TestStack.start('redisloss', {
      persistentRedis: false,
      env: { RECONCILE_INTERVAL_MS: '1000', RECONCILE_STRANDED_AFTER_MS: '3000' },
    });
    api = stack.testApi();
    cast = await createCast(api);
    const received: typeof hook.received = [];
    const server = createServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
      req.on('end', () => {
        received.push({ headers: req.headers, body: JSON.parse(raw) });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    hook = { server, received, url: `http://127.0.0.1:${(server.address() as { port: number }).port}/hook` };
  }, 60000);
  afterAll(async () => {
    hook?.server.close();
    await stack?.stop();
  }, 60000);

  const vote = async (review: ReviewBody, seat: ReviewBody['seats'][number]) => {
    const res = await api.http
      .post(`/v1/gate-reviews/${review.id}/votes`)
      .set(cast.byId.get(seat.reviewerId!)!.auth)
      .send({ recommendation: 'fund', scores: GOOD, rationale: `Seat ${seat.seat}: fund.` });
    expect(res.status).toBe(201);
  };
  const pendingSeats = (r: ReviewBody) => r.seats.filter((s) => s.status === 'pending');

  it('re-derives every lost job from Postgres: tallies, a due deadline, timers, a webhook delivery; each happens once', async () => {
    const admin = { Authorization: `Bearer ${api.adminToken}` };
    expect((await api.http.post('/v1/webhooks').set(admin).send({ url: hook.url, events: ['gate.decided'], agency: cast.leadAgency })).status).toBe(201);

    // Ten reviews mid-vote: one vote each.
    const midVote: Array<{ pilotId: string; review: ReviewBody }> = [];
    for (let i = 0; i < 10; i++) {
      const pilot = await proposePilot(api, cast, { title: `Mid-vote pilot ${i}` });
      const review = await seated(api, cast, await submit(api, cast, pilot.id, 1_000_000));
      await vote(review, pendingSeats(review)[0]!);
      midVote.push({ pilotId: pilot.id, review: await getReview(api, cast, review.id) });
    }
    // One past its deadline, one still running its timers, one escalated for the chair.
    const overdue = await proposePilot(api, cast, { title: 'Deadline passes while Redis is empty' });
    const overdueReview = await seated(api, cast, await submit(api, cast, overdue.id, 1_000_000));
    await vote(overdueReview, pendingSeats(overdueReview)[0]!);
    const waiting = await proposePilot(api, cast, { title: 'Still within its time' });
    const waitingReview = await seated(api, cast, await submit(api, cast, waiting.id, 1_000_000));
    // Its policy reminds a fraction of an hour before the deadline (DESIGN §2 allows fractions): a
    // reconciler that read the hours as an integer failed every round, for every review.
    await api.db.query(`UPDATE gate_reviews SET policy = jsonb_set(policy, '{reminderHoursBeforeDue}', '0.005') WHERE id = $1`, [waitingReview.id]);
    const chaired = await proposePilot(api, cast, { title: 'Decided by the chair, webhook pending' });
    const chairedReview = await seated(api, cast, await submit(api, cast, chaired.id, 2_000_000));
    await api.db.query(`UPDATE gate_reviews SET due_at = now() - interval '1 minute' WHERE id = $1`, [chairedReview.id]);
    // The deadline has passed. A reconciler round that ran since the review opened planned its
    // deadline job from the old due date (a delayed job that a later round's same id does not
    // replace): had the time really passed, that job would be due now, so it is made due.
    const reviewsQueue = new Queue(QueueName.Reviews, { connection: redisOptions(stack.env.REDIS_URL!), prefix: stack.env.QUEUE_PREFIX });
    try {
      await waitFor('the reconciler to fire the deadline', async () => {
        const planned = await reviewsQueue.getJob(`rc-deadline-${chairedReview.id}`);
        if (planned && (await planned.isDelayed())) await planned.promote();
        return (await getReview(api, cast, chairedReview.id)).status !== 'open';
      }, 20000);
    } finally {
      await reviewsQueue.close();
    }
    expect((await settled(api, cast, chairedReview.id, 20000)).status).toBe('escalated'); // the reconciler fired its deadline

    // The worker goes; meanwhile the API takes votes and a chair's decision (outbox rows wait).
    await stack.worker.stop();
    const [lost, later] = [midVote.slice(0, 5), midVote.slice(5)];
    for (const { review } of lost) for (const seat of pendingSeats(review)) await vote(review, seat);
    const decided = await api.http.post(`/v1/gate-reviews/${chairedReview.id}/decision`).set(cast.chair.auth).send({ outcome: 'fund', rationale: 'Strategic.' });
    expect(decided.status).toBe(200);
    await api.db.query(`UPDATE gate_reviews SET due_at = now() - interval '1 minute' WHERE id = $1`, [overdueReview.id]);
    // As if the relay had moved those rows to Redis just before it lost them.
    const [{ n: marked }] = await api.db.query(`WITH m AS (UPDATE outbox SET sent_at = now() WHERE sent_at IS NULL RETURNING 1) SELECT count(*)::int AS n FROM m`);
    expect(marked).toBeGreaterThanOrEqual(lost.length + 1);

    // Redis restarts with nothing in it.
    await stack.redis.kill();
    await stack.redis.start();
    const redis = new Redis(stack.redis.url);
    try {
      expect(await redis.dbsize()).toBe(0);
      stack.startWorker();
      for (const { review } of later) for (const seat of pendingSeats(review)) await vote(review, seat);

      for (const { review } of midVote) expect((await settled(api, cast, review.id, 30000)).decision?.outcome).toBe('fund');
      const overdueAfter = await settled(api, cast, overdueReview.id, 30000);
      expect(overdueAfter.status).toBe('escalated');
      expect(overdueAfter.escalationReason).toBe('no-quorum');
      await waitFor('the chair’s decision delivered', async () => hook.received.some((r) => r.body.data.gateReviewId === chairedReview.id), 30000);
      // The open review's timers are back, as delayed jobs under the reconciler's ids.
      await waitFor('timers re-derived', async () => (await redis.exists(`${stack.env.QUEUE_PREFIX}:reviews:rc-deadline-${waitingReview.id}`)) === 1);
      expect((await getReview(api, cast, waitingReview.id)).status).toBe('open');

      // Exactly once: one decision per review, one delivery per decision, one inbox row per person and event.
      await new Promise((r) => setTimeout(r, 2500)); // a few more reconciler rounds
      const pilotIds = [...midVote.map((m) => m.pilotId), chaired.id];
      const [{ n: decisions }] = await api.db.query(`SELECT count(*)::int AS n FROM audit_events WHERE action = 'gate.decided' AND pilot_id = ANY($1)`, [pilotIds]);
      expect(decisions).toBe(11);
      const perReview = new Map<string, number>();
      for (const r of hook.received.filter((x) => x.body.event === 'gate.decided')) perReview.set(r.body.data.gateReviewId!, (perReview.get(r.body.data.gateReviewId!) ?? 0) + 1);
      expect(perReview.size).toBe(11);
      expect([...perReview.values()].every((n) => n === 1)).toBe(true);
      expect(await api.db.duplicateNotifications(pilotIds, 'gate.decided')).toBe(0);
      const ledger = await api.db.ledger(cast.programmeId);
      expect(ledger.programme).toBe(ledger.pilots);
      expect(ledger.programme).toBe(ledger.movements);
      expect(Number(ledger.programme)).toBe(10 * 1_000_000 + 2_000_000);
    } finally {
      redis.disconnect();
    }
  }, 180000);
});
