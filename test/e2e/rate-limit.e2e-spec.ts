import request from 'supertest';
import { startApi, TestApi } from './support/api';
import { TestRedis } from './support/stack';
import { createUser, expectProblem } from './support/fixtures';
import { freePort, HttpProcess, startApiProcess } from '../support/processes';

const uniquePrefix = (name: string) => `${process.env.QUEUE_PREFIX}-${name}-${Date.now().toString(36)}`;

describe('rate limiting per caller, counted in Redis', () => {
  let api: TestApi;
  let a: HttpProcess;
  let b: HttpProcess;

  beforeAll(async () => {
    api = await startApi();
    // Two API processes on one Redis: one budget per caller, whichever process answers.
    const env = { RATE_LIMIT_PER_MINUTE: '6', QUEUE_PREFIX: uniquePrefix('ratelimit') };
    [a, b] = await Promise.all([startApiProcess('api-rate-limited-a', env), startApiProcess('api-rate-limited-b', env)]);
  }, 60000);
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await api.close();
  });

  it('answers 429 with a problem and Retry-After once a caller exceeds the limit on either process', async () => {
    const first = await createUser(api, 'CEPOL', ['lead']);
    const second = await createUser(api, 'CEPOL', ['lead']);
    for (let i = 0; i < 6; i++) expect((await request(i % 2 ? a.url : b.url).get('/v1/me').set(first.auth)).status).toBe(200);
    for (const url of [a.url, b.url]) {
      const refused = await request(url).get('/v1/me').set(first.auth);
      expectProblem(refused, 429, 'REQUEST.RATE_LIMITED');
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      expect(refused.body.detail).toBe('Too many requests from this caller: wait the seconds Retry-After gives, then try again');
    }
    // Another caller has a budget of its own; health checks are never limited.
    expect((await request(a.url).get('/v1/me').set(second.auth)).status).toBe(200);
    for (let i = 0; i < 10; i++) expect((await request(b.url).get('/health/live')).status).toBe(200);
  });
});

describe('failed authentications per address', () => {
  let api: TestApi;
  let a: HttpProcess;
  let b: HttpProcess;

  beforeAll(async () => {
    api = await startApi();
    // Two API processes counting in the run's Redis, under a prefix of their own, behind a
    // proxy on loopback whose X-Forwarded-For they believe (TRUST_PROXY=loopback, as in every e2e).
    const env = { AUTH_FAILURES_PER_MINUTE: '10', QUEUE_PREFIX: uniquePrefix('authfail') };
    [a, b] = await Promise.all([startApiProcess('api-authfail-a', env), startApiProcess('api-authfail-b', env)]);
  }, 60000);
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await api.close();
  });

  const lookups = async (url: string) => {
    const text = (await request(url).get('/metrics').set('Authorization', `Bearer ${api.adminToken}`)).text;
    return Number(/^labgate_auth_token_lookups (\d+)$/m.exec(text)![1]);
  };

  it('stops an address after 10 failures, across API processes, with a bounded number of token lookups', async () => {
    const before = (await lookups(a.url)) + (await lookups(b.url));
    const statuses: number[] = [];
    for (let i = 0; i < 200; i++) {
      const target = i % 2 === 0 ? a.url : b.url;
      // The guesser's address, as the proxy in front reports it (the metrics reads come from elsewhere).
      const res = await request(target).get('/v1/me').set('X-Forwarded-For', '203.0.113.7').set('Authorization', `Bearer lg_guess${i.toString().padStart(40, '0')}`);
      statuses.push(res.status);
      if (res.status === 429) {
        expectProblem(res, 429, 'REQUEST.RATE_LIMITED');
        expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      } else {
        expectProblem(res, 401, 'AUTH.UNAUTHENTICATED');
      }
    }
    // Ten refusals, then the process that did not count the tenth learns of the limit at its
    // next failure (one more lookup), then only 429s from both.
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(12).every((s) => s === 429)).toBe(true);
    const lookedUp = (await lookups(a.url)) + (await lookups(b.url)) - before;
    // 11 guesses at most, plus the admin's own lookups for /metrics on each process.
    expect(lookedUp).toBeLessThanOrEqual(11 + 4);
    // The address stays refused, whatever it sends, until the window ends; other addresses are served.
    expectProblem(await request(b.url).get('/v1/me').set('X-Forwarded-For', '203.0.113.7'), 429);
    expect((await request(b.url).get('/v1/me').set('Authorization', `Bearer ${api.adminToken}`)).status).toBe(200);
    // A missing token counts as a failure too.
    for (let i = 0; i < 10; i++) expectProblem(await request(a.url).get('/v1/me').set('X-Forwarded-For', '198.51.100.9'), 401);
    expectProblem(await request(a.url).get('/v1/me').set('X-Forwarded-For', '198.51.100.9'), 429);
  });

  it('counts bad token logins at the queue dashboard in the same budget', async () => {
    for (let i = 0; i < 10; i++) {
      expectProblem(await request(b.url).get(`/admin/queues?token=lg_bad${i}`).set('X-Forwarded-For', '192.0.2.50'), 401);
    }
    expectProblem(await request(b.url).get('/admin/queues?token=lg_bad').set('X-Forwarded-For', '192.0.2.50'), 429);
    expectProblem(await request(b.url).get('/v1/me').set('X-Forwarded-For', '192.0.2.50').set('Authorization', 'Bearer lg_x'), 429);
  });
});

describe('X-Forwarded-For without TRUST_PROXY', () => {
  let api: TestApi;
  let proc: HttpProcess;

  beforeAll(async () => {
    api = await startApi();
    proc = await startApiProcess('api-noproxy', { AUTH_FAILURES_PER_MINUTE: '3', QUEUE_PREFIX: uniquePrefix('noproxy'), TRUST_PROXY: '' });
  }, 60000);
  afterAll(async () => {
    await proc?.stop();
    await api.close();
  });

  it('is not believed: a guesser cannot dodge the per-address limit by inventing addresses', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await request(proc.url).get('/v1/me').set('X-Forwarded-For', `198.51.100.${i}`).set('Authorization', 'Bearer lg_nobody');
      statuses.push(res.status);
    }
    expect(statuses).toEqual([401, 401, 401, 429, 429, 429]);
  });
});

describe('rate limits while Redis is away', () => {
  let api: TestApi;
  let redis: TestRedis;
  let proc: HttpProcess;

  beforeAll(async () => {
    api = await startApi();
    redis = new TestRedis(await freePort(), false);
    await redis.start();
    proc = await startApiProcess('api-limits-no-redis', {
      REDIS_URL: redis.url,
      RATE_LIMIT_PER_MINUTE: '5',
      AUTH_FAILURES_PER_MINUTE: '5',
      QUEUE_PREFIX: uniquePrefix('noredis'),
    });
  }, 60000);
  afterAll(async () => {
    await proc?.stop();
    await redis?.stop();
    await api.close();
  });

  it('fail open: requests are served promptly, never a 5xx, and counting resumes when Redis returns', async () => {
    const caller = await createUser(api, 'EUAA', ['lead']);
    await redis.kill();
    const started = Date.now();
    for (let i = 0; i < 20; i++) expect((await request(proc.url).get('/v1/me').set(caller.auth)).status).toBe(200);
    for (let i = 0; i < 10; i++) expectProblem(await request(proc.url).get('/v1/me').set('Authorization', 'Bearer lg_nobody'), 401);
    // Thirty requests without Redis: no request waited for it.
    expect(Date.now() - started).toBeLessThan(10_000);

    await redis.start();
    const other = await createUser(api, 'EUAA', ['lead']);
    // The client reconnects on its own; then the limit holds again.
    const deadline = Date.now() + 20_000;
    let limited = false;
    while (!limited && Date.now() < deadline) {
      const res = await request(proc.url).get('/v1/me').set(other.auth);
      expect([200, 429]).toContain(res.status);
      limited = res.status === 429;
    }
    expect(limited).toBe(true);
  });
});
