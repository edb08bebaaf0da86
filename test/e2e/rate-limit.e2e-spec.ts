import request from 'supertest';
import { startApi, TestApi } from './support/api';
import { createUser, expectProblem } from './support/fixtures';
import { HttpProcess, startApiProcess } from '../support/processes';

describe('rate limiting', () => {
  let api: TestApi;
  let limited: HttpProcess;

  beforeAll(async () => {
    api = await startApi();
    limited = await startApiProcess('api-rate-limited', { RATE_LIMIT_PER_MINUTE: '5' });
  });
  afterAll(async () => {
    await limited.stop();
    await api.close();
  });

  it('answers 429 with a problem and Retry-After once a caller exceeds the limit, per caller', async () => {
    const first = await createUser(api, 'CEPOL', ['lead']);
    const second = await createUser(api, 'CEPOL', ['lead']);
    const http = request(limited.url);
    for (let i = 0; i < 5; i++) expect((await http.get('/v1/me').set(first.auth)).status).toBe(200);
    const refused = await http.get('/v1/me').set(first.auth);
    expectProblem(refused, 429, 'REQUEST.RATE_LIMITED');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    // Another caller has a budget of its own; health checks are never limited.
    expect((await http.get('/v1/me').set(second.auth)).status).toBe(200);
    for (let i = 0; i < 10; i++) expect((await http.get('/health/live')).status).toBe(200);
  });
});

describe('failed authentications per address', () => {
  let api: TestApi;
  let a: HttpProcess;
  let b: HttpProcess;

  beforeAll(async () => {
    api = await startApi();
    // Two API processes counting in the run's Redis, under a prefix of their own.
    const env = { AUTH_FAILURES_PER_MINUTE: '10', QUEUE_PREFIX: `${process.env.QUEUE_PREFIX}-authfail` };
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

  it('stops an address after 10 failures, across API processes, before any token lookup', async () => {
    const before = await lookups(a.url);
    const statuses: number[] = [];
    for (let i = 0; i < 200; i++) {
      const target = i % 2 === 0 ? a.url : b.url;
      // The guesser's address, as the proxy in front reports it (the metrics reads come from elsewhere).
      const res = await request(target).get('/v1/me').set('X-Forwarded-For', '203.0.113.7').set('Authorization', `Bearer lg_guess${i.toString().padStart(40, '0')}`);
      statuses.push(res.status);
      if (res.status === 429) {
        expectProblem(res, 429, 'REQUEST.RATE_LIMITED');
        expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      }
    }
    // Ten refusals in all (five on each process), then only 429s.
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(10).every((s) => s === 429)).toBe(true);
    // The admin's own lookup for /metrics aside, process A looked up at most its five guesses.
    expect((await lookups(a.url)) - before).toBeLessThanOrEqual(5 + 2);
    // The address stays refused, whatever it sends, until the window ends; other addresses are served.
    expectProblem(await request(b.url).get('/v1/me').set('X-Forwarded-For', '203.0.113.7'), 429);
    expect((await request(b.url).get('/v1/me').set('Authorization', `Bearer ${api.adminToken}`)).status).toBe(200);
    // A missing token counts as a failure too.
    for (let i = 0; i < 10; i++) expectProblem(await request(a.url).get('/v1/me').set('X-Forwarded-For', '198.51.100.9'), 401);
    expectProblem(await request(a.url).get('/v1/me').set('X-Forwarded-For', '198.51.100.9'), 429);
  });
});
