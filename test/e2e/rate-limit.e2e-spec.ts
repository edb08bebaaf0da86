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
