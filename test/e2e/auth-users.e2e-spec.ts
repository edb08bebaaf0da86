import type { Response } from 'supertest';
import { startApi, TestApi } from './support/api';
import { createUser, expectProblem } from './support/fixtures';

describe('users, tokens, agencies and /v1/me', () => {
  let api: TestApi;
  let admin: { Authorization: string };

  beforeAll(async () => {
    api = await startApi();
    admin = { Authorization: `Bearer ${api.adminToken}` };
  });
  afterAll(() => api.close());

  it('created the bootstrap admin from BOOTSTRAP_ADMIN_TOKEN', async () => {
    const res = await api.http.get('/v1/me').set(admin);
    expect(res.status).toBe(200);
    expect(res.body.roles).toContain('admin');
  });

  it('creates a user and shows its token once; the token authenticates; only its hash is stored', async () => {
    const res = await api.http
      .post('/v1/users')
      .set(admin)
      .send({ name: 'Ilse Vermeulen', email: 'ilse.vermeulen@frontex.europa.eu', agency: 'FRONTEX', roles: ['reviewer', 'lead'] });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.any(String),
      name: 'Ilse Vermeulen',
      email: 'ilse.vermeulen@frontex.europa.eu',
      agency: 'FRONTEX',
      roles: ['reviewer', 'lead'],
      createdAt: expect.any(String),
      deactivatedAt: null,
      token: expect.stringMatching(/^lg_[A-Za-z0-9_-]{43}$/),
    });
    const me = await api.http.get('/v1/me').set('Authorization', `Bearer ${res.body.token}`);
    expect(me.status).toBe(200);
    expect(me.body).toEqual({ id: res.body.id, name: 'Ilse Vermeulen', email: 'ilse.vermeulen@frontex.europa.eu', agency: 'FRONTEX', roles: ['reviewer', 'lead'] });

    const stored = await api.db.query('SELECT token_hash FROM api_tokens WHERE user_id = $1', [res.body.id]);
    expect(stored).toHaveLength(1);
    expect(stored[0].token_hash.toString('utf8')).not.toContain(res.body.token);
    const listed = await api.http.get('/v1/users?agency=FRONTEX').set(admin);
    expect(listed.body.items.find((u: { id: string }) => u.id === res.body.id)).not.toHaveProperty('token');
  });

  it('gives two users two different tokens', async () => {
    const a = await createUser(api, 'CEPOL', ['lead']);
    const b = await createUser(api, 'CEPOL', ['lead']);
    expect(a.token).not.toBe(b.token);
  });

  it('refuses a duplicate e-mail (409), an unknown agency (422), an unknown role (400)', async () => {
    const body = { name: 'Dup', email: 'Dup.Licate@europol.europa.eu', agency: 'EUROPOL', roles: ['lead'] };
    expect((await api.http.post('/v1/users').set(admin).send(body)).status).toBe(201);
    expectProblem(await api.http.post('/v1/users').set(admin).send({ ...body, email: 'dup.licate@EUROPOL.europa.eu' }), 409, 'USER.ALREADY_EXISTS');
    expectProblem(await api.http.post('/v1/users').set(admin).send({ ...body, email: 'x@y.eu', agency: 'NOPE' }), 422, 'AGENCY.UNKNOWN');
    expectProblem(await api.http.post('/v1/users').set(admin).send({ ...body, email: 'z@y.eu', roles: ['emperor'] }), 400);
    expectProblem(await api.http.post('/v1/users').set(admin).send({ ...body, email: 'w@y.eu', roles: [] }), 400);
  });

  it('lets only admins manage users and agencies', async () => {
    const lead = await createUser(api, 'EUROPOL', ['lead', 'chair', 'funder']);
    expectProblem(await api.http.get('/v1/users').set(lead.auth), 403, 'AUTH.FORBIDDEN');
    expectProblem(await api.http.post('/v1/users').set(lead.auth).send({ name: 'x', email: 'x@x.eu', agency: 'EUROPOL', roles: ['admin'] }), 403);
    expectProblem(await api.http.post('/v1/agencies').set(lead.auth).send({ code: 'EPPO', name: 'EPPO' }), 403);
  });

  it('lists the seeded agencies to any user and lets an admin add one', async () => {
    const lead = await createUser(api, 'EUROPOL', ['lead']);
    const list = await api.http.get('/v1/agencies?limit=100').set(lead.auth);
    expect(list.status).toBe(200);
    const codes = list.body.items.map((a: { code: string }) => a.code);
    expect(codes).toEqual(expect.arrayContaining(['EUROPOL', 'FRONTEX', 'EUROJUST', 'CEPOL', 'EULISA', 'EUAA', 'EUDA', 'ENISA', 'EDPS', 'DGHOME', 'JRC']));

    const created = await api.http.post('/v1/agencies').set(admin).send({ code: 'EPPO', name: 'European Public Prosecutor’s Office' });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ code: 'EPPO', name: 'European Public Prosecutor’s Office' });
    expectProblem(await api.http.post('/v1/agencies').set(admin).send({ code: 'EPPO', name: 'again' }), 409, 'AGENCY.ALREADY_EXISTS');
    expectProblem(await api.http.post('/v1/agencies').set(admin).send({ code: 'eppo', name: 'lower' }), 400);
  });

  it('pages through agencies with a cursor, without gaps or repeats', async () => {
    const lead = await createUser(api, 'EUROPOL', ['lead']);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: Response = await api.http.get('/v1/agencies').query({ limit: 4, ...(cursor ? { cursor } : {}) }).set(lead.auth);
      expect(res.status).toBe(200);
      seen.push(...res.body.items.map((a: { code: string }) => a.code));
      cursor = res.body.nextCursor;
    } while (cursor);
    const all = await api.db.query('SELECT code FROM agencies ORDER BY code');
    expect(seen).toEqual(all.map((r: { code: string }) => r.code));
  });
});
