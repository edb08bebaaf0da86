import type { Response } from 'supertest';
import { startApi, TestApi } from './support/api';
import { createUser, expectProblem, TestUser } from './support/fixtures';

describe('programmes', () => {
  let api: TestApi;
  let funder: TestUser;
  let lead: TestUser;

  beforeAll(async () => {
    api = await startApi();
    funder = await createUser(api, 'DGHOME', ['funder']);
    lead = await createUser(api, 'EUROPOL', ['lead']);
  });
  afterAll(() => api.close());

  it('lets a funder open an envelope, with balances in cents', async () => {
    const res = await api.http.post('/v1/programmes').set(funder.auth).send({ name: 'ISF innovation 2027', envelopeCents: 250_000_000 });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.any(String),
      name: 'ISF innovation 2027',
      ownerId: funder.id,
      envelopeCents: 250_000_000,
      committedCents: 0,
      spentCents: 0,
      remainingCents: 250_000_000,
      createdAt: expect.any(String),
    });
    const read = await api.http.get(`/v1/programmes/${res.body.id}`).set(lead.auth);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(res.body);
  });

  it('lets an admin create one too, and refuses other roles', async () => {
    const byAdmin = await api.http.post('/v1/programmes').set('Authorization', `Bearer ${api.adminToken}`).send({ name: 'Admin envelope', envelopeCents: 1 });
    expect(byAdmin.status).toBe(201);
    expectProblem(await api.http.post('/v1/programmes').set(lead.auth).send({ name: 'Mine', envelopeCents: 100 }), 403);
  });

  it('refuses fractional, negative or unsafe amounts', async () => {
    for (const envelopeCents of [12.5, -1, 2 ** 60, '100', null]) {
      expectProblem(await api.http.post('/v1/programmes').set(funder.auth).send({ name: 'Bad', envelopeCents }), 400);
    }
    expectProblem(await api.http.post('/v1/programmes').set(funder.auth).send({ name: 'x', envelopeCents: 1, committedCents: 5 }), 400);
  });

  it('answers 404 for an unknown programme', async () => {
    expectProblem(await api.http.get('/v1/programmes/7d2b5d3c-9c1e-4f53-a1b0-111111111111').set(lead.auth), 404, 'PROGRAMME.NOT_FOUND');
  });

  it('lists programmes newest first with keyset pagination', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await api.http.post('/v1/programmes').set(funder.auth).send({ name: `Page test ${i}`, envelopeCents: i });
      ids.push(res.body.id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: Response = await api.http.get('/v1/programmes').query({ limit: 2, ...(cursor ? { cursor } : {}) }).set(lead.auth);
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.items.map((p: { id: string }) => p.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.slice(0, 5)).toEqual([...ids].reverse());
  });
});
