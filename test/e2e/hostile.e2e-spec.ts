import { connect } from 'node:net';
import { startApi, TestApi } from './support/api';
import { createPilot, createProgramme, createUser, expectProblem, pilotBody, TestUser } from './support/fixtures';

/** Raw bytes to the API; resolves with what came back when the server closed the connection. */
function raw(url: string, bytes: string, keepOpenMs = 0): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let answer = '';
    let timer: NodeJS.Timeout | undefined;
    const done = () => {
      clearTimeout(timer);
      resolve(answer);
    };
    socket.on('data', (d) => (answer += d.toString('utf8')));
    socket.on('end', done);
    socket.on('close', done);
    socket.on('error', reject);
    socket.write(bytes);
    if (keepOpenMs === 0) socket.end();
    else timer = setTimeout(() => socket.destroy(), keepOpenMs);
  });
}

function parseRaw(answer: string): { status: number; headers: Record<string, string>; body: Record<string, unknown> } {
  const [head, body] = answer.split('\r\n\r\n');
  const lines = head!.split('\r\n');
  const headers = Object.fromEntries(lines.slice(1).map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
  return { status: Number(lines[0]!.split(' ')[1]), headers, body: JSON.parse(body!) };
}

/**
 * Every row of the hostile-input table (issue: hostile input): each answered with a 4xx problem
 * naming what is wrong, with a correlation id, and nothing stored.
 */
describe('hostile input', () => {
  let api: TestApi;
  let admin: { Authorization: string };
  let lead: TestUser;
  let programmeId: string;
  const counts = async () => (await api.db.query(`SELECT (SELECT count(*) FROM users)::int AS users, (SELECT count(*) FROM pilots)::int AS pilots`))[0];

  beforeAll(async () => {
    api = await startApi();
    admin = { Authorization: `Bearer ${api.adminToken}` };
    lead = await createUser(api, 'EUROPOL', ['lead', 'funder']);
    programmeId = await createProgramme(api, lead);
  });
  afterAll(() => api.close());

  const user = (overrides: Record<string, unknown>) => ({ name: 'Hostile Input', email: `hostile.${Date.now()}@europol.europa.eu`, agency: 'EUROPOL', roles: ['lead'], ...overrides });

  it.each([
    ['NUL in a name', { name: 'a\u0000b' }, 'name', /NUL/],
    ['a lone surrogate in an e-mail', { email: '\ud800@e.eu' }, 'email', /lone surrogate/],
    ['a lone surrogate in other text', { name: 'Jos\udc00é' }, 'name', /lone surrogate/],
    ['a C0 control', { name: 'bell\u0007' }, 'name', /control character/],
    ['a carriage return', { name: 'two\r\nlines' }, 'name', /control character/],
  ])('refuses %s (400 naming the field), storing nothing', async (_what, overrides, field, why) => {
    const before = await counts();
    const res = await api.http.post('/v1/users').set(admin).send(user(overrides));
    expectProblem(res, 400, 'REQUEST.INVALID');
    expect(res.body.errors).toEqual([{ field, message: expect.stringMatching(why) }]);
    expect(res.headers['x-request-id']).toEqual(expect.any(String));
    expect(await counts()).toEqual(before);
  });

  it('admits tab and newline, and well-formed astral characters', async () => {
    const res = await api.http.post('/v1/users').set(admin).send(user({ name: 'Tab\tNew\nline 🛂' }));
    expect(res.status).toBe(201);
    expect(res.body.name).toBe('Tab\tNew\nline 🛂');
  });

  it('refuses required text that is only white space (400 naming the field), on create, edit and withdrawal, storing nothing', async () => {
    const before = await counts();
    const blanks: Array<[Record<string, unknown>, string]> = [
      [{ title: '   ' }, 'title'],
      [{ summary: '\n\t ' }, 'summary'],
      // A reference the compliance checks require must name something.
      [{ personalData: true, dpiaRef: ' ' }, 'dpiaRef'],
      [{ heilmeier: { ...(pilotBody(programmeId).heilmeier as Record<string, unknown>), objective: '\u00a0' } }, 'heilmeier.objective'],
    ];
    for (const [overrides, field] of blanks) {
      const res = await api.http.post('/v1/pilots').set(lead.auth).send(pilotBody(programmeId, overrides));
      expectProblem(res, 400, 'REQUEST.INVALID');
      expect(res.body.errors).toEqual([{ field, message: expect.stringMatching(/must not be blank/) }]);
    }
    const named = await api.http.post('/v1/users').set(admin).send(user({ name: ' \t ' }));
    expectProblem(named, 400);
    expect(named.body.errors).toEqual([{ field: 'name', message: expect.stringMatching(/must not be blank/) }]);
    expectProblem(await api.http.post('/v1/programmes').set(lead.auth).send({ name: '  ', envelopeCents: 100 }), 400);
    expect(await counts()).toEqual(before);

    const pilot = await createPilot(api, lead, programmeId);
    const edit = await api.http.patch(`/v1/pilots/${pilot.id}`).set(lead.auth).set('If-Match', `"${pilot.version}"`).send({ title: ' ' });
    expectProblem(edit, 400);
    expect(edit.body.errors).toEqual([{ field: 'title', message: expect.stringMatching(/must not be blank/) }]);
    expectProblem(await api.http.post(`/v1/pilots/${pilot.id}/withdrawal`).set(lead.auth).send({ lessonsLearned: '  ' }), 400);
    const after = (await api.http.get(`/v1/pilots/${pilot.id}`).set(lead.auth)).body;
    expect({ title: after.title, stage: after.stage, version: after.version }).toEqual({ title: pilot.title, stage: 'proposal', version: pilot.version });
    // Text with something to say around its white space is kept as written.
    const spaced = await api.http.post('/v1/pilots').set(lead.auth).send(pilotBody(programmeId, { title: '  Counter-drone pilot  ' }));
    expect(spaced.status).toBe(201);
    expect(spaced.body.title).toBe('  Counter-drone pilot  ');
  });

  it('refuses arrays for objects and objects for arrays, on create and on edit', async () => {
    const before = await counts();
    for (const overrides of [{ heilmeier: [] }, { heilmeier: [pilotBody(programmeId).heilmeier] }, { trl: [] }, { trl: [4, 7] }, { partnerAgencies: { a: 'EUROJUST' } }]) {
      const res = await api.http.post('/v1/pilots').set(lead.auth).send(pilotBody(programmeId, overrides));
      expectProblem(res, 400);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(Object.keys(overrides)[0]);
    }
    expect(await counts()).toEqual(before);
    const pilot = await createPilot(api, lead, programmeId);
    for (const body of [{ trl: [] }, { heilmeier: [] }]) {
      expectProblem(await api.http.patch(`/v1/pilots/${pilot.id}`).set(lead.auth).set('If-Match', `"${pilot.version}"`).send(body), 400);
    }
  });

  it('refuses cursors Postgres would refuse, before any query', async () => {
    const forge = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const id = '00000000-0000-4000-8000-000000000000';
    for (const cursor of ['0', forge(['0', id]), forge(['2024-02-30T00:00:00.000Z', id]), forge(['+275760-09-13T00:00:00.000Z', id]), forge(['2024-01-01', id]), forge(['2024-01-01T00:00:00.000Z', 'x'])]) {
      for (const path of ['/v1/pilots', '/v1/users', '/v1/programmes', '/v1/me/notifications']) {
        expectProblem(await api.http.get(path).query({ cursor }).set(path === '/v1/users' ? admin : lead.auth), 400, 'PAGINATION.INVALID_CURSOR');
      }
    }
  });

  it('refuses deep nesting and prototype keys', async () => {
    const deep = `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`;
    const res = await api.http.post('/v1/users').set(admin).set('Content-Type', 'application/json').send(deep);
    expectProblem(res, 400);
    expect(res.body.detail).toMatch(/nests deeper than 32 levels/);
    const proto = await api.http.post('/v1/users').set(admin).set('Content-Type', 'application/json').send('{"constructor":{"prototype":{"admin":true}},"name":"x"}');
    expectProblem(proto, 400);
    // Object.prototype's member names are unknown fields like any other: class-transformer used to drop them unseen.
    const before = await counts();
    const body = { name: 'Hidden member', email: 'hidden.member@europol.example', agency: 'EUROPOL', roles: ['lead'], toString: 'x' };
    const member = await api.http.post('/v1/users').set(admin).send(body);
    expectProblem(member, 400);
    expect(member.body.errors).toEqual([{ field: 'toString', message: 'is not an allowed property name' }]);
    expect(await counts()).toEqual(before);
  });

  it('refuses a body whose bytes are not UTF-8 (400), where decoding would have stored U+FFFD', async () => {
    const before = await counts();
    const json = (name: Buffer) => Buffer.concat([Buffer.from('{"name":"'), name, Buffer.from('","email":"utf8.check@europol.example","agency":"EUROPOL","roles":["lead"]}')]);
    for (const bytes of [Buffer.from([0x4d, 0xfc, 0x6c, 0x6c, 0x65, 0x72]) /* Müller in Latin-1 */, Buffer.from([0xed, 0xa0, 0x80]) /* a surrogate in UTF-8 form */, Buffer.from([0xc3])]) {
      // The bytes as they are (supertest would serialise a Buffer as JSON).
      const res = await fetch(`${api.url}/v1/users`, { method: 'POST', headers: { ...admin, 'Content-Type': 'application/json' }, body: json(bytes) });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const problem = (await res.json()) as { code: string; detail: string };
      expect(problem.code).toBe('REQUEST.INVALID');
      expect(problem.detail).toMatch(/not valid UTF-8/);
    }
    expect(await counts()).toEqual(before);
    // The same name in UTF-8 is a name like any other.
    const utf8 = await fetch(`${api.url}/v1/users`, { method: 'POST', headers: { ...admin, 'Content-Type': 'application/json' }, body: json(Buffer.from('Müller', 'utf8')) });
    expect([utf8.status, ((await utf8.json()) as { name: string }).name]).toEqual([201, 'Müller']);
  });

  it('refuses form and text bodies with 415', async () => {
    const before = await counts();
    expectProblem(await api.http.post('/v1/users').set(admin).type('form').send('name=a&email=b@c.eu&agency=EUROPOL&roles=lead'), 415, 'REQUEST.UNSUPPORTED_MEDIA_TYPE');
    expectProblem(await api.http.post('/v1/users').set(admin).set('Content-Type', 'text/plain').send('hello'), 415);
    expect(await counts()).toEqual(before);
  });

  it('answers HTTP-level errors as problem+json with a correlation id: header block too large, malformed request line, slow request', async () => {
    const big = await api.http.get('/v1/me').set(admin).set('X-Padding', 'a'.repeat(70_000));
    expectProblem(big, 431, 'REQUEST.HEADERS_TOO_LARGE');
    expect(big.headers['x-request-id']).toEqual(expect.any(String));

    const garbage = parseRaw(await raw(api.url, 'GARBAGE\r\n\r\n'));
    expect(garbage.status).toBe(400);
    expect(garbage.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(garbage.body).toEqual(expect.objectContaining({ status: 400, code: 'REQUEST.INVALID', correlationId: garbage.headers['x-request-id'] }));

    // A body a byte at a time never completes: the server answers 408 after REQUEST_TIMEOUT_MS (3 s here).
    const started = Date.now();
    const slow = parseRaw(
      await raw(api.url, `POST /v1/users HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${api.adminToken}\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"na`, 15_000),
    );
    expect(slow.status).toBe(408);
    expect(slow.body).toEqual(expect.objectContaining({ status: 408, code: 'REQUEST.TIMEOUT' }));
    expect(Date.now() - started).toBeLessThan(10_000);
  }, 30000);
});
