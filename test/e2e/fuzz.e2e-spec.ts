import fc from 'fast-check';
import type { Response } from 'supertest';
import { startApi, TestApi } from './support/api';
import { createPilot, createProgramme, createUser, pilotBody, TestUser } from './support/fixtures';

/**
 * 10,000 generated requests — real routes with mangled ids, bodies, headers and tokens — must
 * never produce a 5xx, and every error must be an RFC 9457 problem.
 */
describe('fuzzing the HTTP interface', () => {
  let api: TestApi;
  let lead: TestUser;
  let ids: { pilot: string; programme: string };

  beforeAll(async () => {
    api = await startApi();
    lead = await createUser(api, 'ENISA', ['lead', 'reviewer', 'chair']);
    const programme = await createProgramme(api, await createUser(api, 'ENISA', ['funder']));
    ids = { programme, pilot: (await createPilot(api, lead, programme, { partnerAgencies: [] })).id };
  });
  afterAll(() => api.close());

  const ROUTES: Array<[string, string]> = [
    ['GET', '/v1/me'],
    ['GET', '/v1/agencies'],
    ['POST', '/v1/agencies'],
    ['GET', '/v1/users'],
    ['POST', '/v1/users'],
    ['GET', '/v1/programmes'],
    ['POST', '/v1/programmes'],
    ['GET', '/v1/programmes/:programme'],
    ['GET', '/v1/pilots'],
    ['POST', '/v1/pilots'],
    ['GET', '/v1/pilots/:pilot'],
    ['PATCH', '/v1/pilots/:pilot'],
    ['POST', '/v1/pilots/:pilot/submissions'],
    ['POST', '/v1/pilots/:pilot/withdrawal'],
    ['POST', '/v1/pilots/:pilot/expenditures'],
    ['GET', '/v1/pilots/:pilot/expenditures'],
    ['GET', '/v1/pilots/:pilot/audit'],
    ['GET', '/v1/pilots/:pilot/audit/verify'],
    ['GET', '/v1/pilots/:pilot/gate-reviews'],
    ['GET', '/v1/gate-reviews/:any'],
    ['POST', '/v1/gate-reviews/:any/votes'],
    ['POST', '/v1/gate-reviews/:any/decision'],
    ['POST', '/v1/assignments/:any/decline'],
    ['POST', '/v1/assignments/:any/reassign'],
    ['GET', '/v1/gate-policies/fund'],
    ['PUT', '/v1/gate-policies/:any'],
    ['GET', '/v1/me/assignments'],
    ['GET', '/v1/me/notifications'],
    ['GET', '/v1/webhooks'],
    ['POST', '/v1/webhooks'],
    ['GET', '/health/live'],
    ['DELETE', '/v1/pilots/:pilot'],
    ['GET', '/v1/../etc/passwd'],
  ];

  const idArb = fc.oneof(
    fc.constant('PILOT'),
    fc.constant('PROGRAMME'),
    fc.uuid(),
    fc.string({ maxLength: 40 }),
    fc.constantFrom('0', '-1', '%00', '..%2F..', 'null', "' OR 1=1 --", '9'.repeat(400)),
  );

  // Mangled versions of real bodies: fields dropped, retyped, or extra ones added.
  const bodyArb = fc.oneof(
    fc.anything({ maxDepth: 3 }),
    fc.record({ key: fc.constantFrom(...Object.keys(pilotBody('x'))), value: fc.anything({ maxDepth: 2 }) }).map(({ key, value }) => ({ ...pilotBody('PROGRAMME'), [key]: value })),
    fc.dictionary(fc.constantFrom('recommendation', 'scores', 'rationale', 'trancheCents', 'trl', 'examResults', 'report', 'amountCents', 'spentOn', 'description', 'lessonsLearned', 'outcome', 'reviewerId', 'reason', 'url', 'events', 'secret', 'slaHours', 'quorum', 'rule', 'thresholds', 'maxRounds', 'name', 'email', 'agency', 'roles', 'code', 'envelopeCents', 'stage', '__proto__', 'constructor'), fc.anything({ maxDepth: 2 })),
  );

  const queryArb = fc.dictionary(fc.constantFrom('limit', 'cursor', 'stage', 'domain', 'agency', 'programmeId', 'q', 'status', 'x'), fc.oneof(fc.string({ maxLength: 20 }), fc.integer().map(String)), { maxKeys: 3 });

  const requestArb = fc.record({
    route: fc.constantFrom(...ROUTES),
    id: idArb,
    query: queryArb,
    body: fc.option(bodyArb, { nil: undefined }),
    rawBody: fc.option(fc.string({ maxLength: 200 }), { nil: undefined }),
    contentType: fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', ''),
    auth: fc.constantFrom('lead', 'admin', 'none', 'garbage'),
    ifMatch: fc.option(fc.constantFrom('"1"', '*', 'W/"1"', '"', ''), { nil: undefined }),
    idempotencyKey: fc.option(fc.string({ maxLength: 300 }), { nil: undefined }),
  });

  it('never answers 5xx, and every error is application/problem+json', async () => {
    const failures: string[] = [];
    let count = 0;
    await fc.assert(
      fc.asyncProperty(requestArb, async (r) => {
        count++;
        const id = r.id === 'PILOT' ? ids.pilot : r.id === 'PROGRAMME' ? ids.programme : encodeURIComponent(r.id);
        const path = r.route[1].replace(':pilot', ids.pilot).replace(':programme', ids.programme).replace(':any', id);
        let req = api.http[r.route[0].toLowerCase() as 'get'](path).query(r.query);
        if (r.auth === 'lead') req = req.set(lead.auth);
        if (r.auth === 'admin') req = req.set('Authorization', `Bearer ${api.adminToken}`);
        if (r.auth === 'garbage') req = req.set('Authorization', 'Bearer lg_garbage-token');
        if (r.ifMatch !== undefined) req = req.set('If-Match', r.ifMatch);
        if (r.idempotencyKey !== undefined && /^[\x20-\x7e]*$/.test(r.idempotencyKey)) req = req.set('Idempotency-Key', r.idempotencyKey);
        let res: Response;
        try {
          if (r.route[0] !== 'GET' && (r.body !== undefined || r.rawBody !== undefined)) {
            const payload = r.rawBody ?? JSON.stringify(r.body) ?? 'null';
            res = await (r.contentType ? req.set('Content-Type', r.contentType) : req).send(payload.replace('PROGRAMME', ids.programme));
          } else {
            res = await req;
          }
        } catch (err) {
          failures.push(`${r.route[0]} ${path}: transport error ${(err as Error).message}`);
          return;
        }
        if (res.status >= 500) failures.push(`${r.route[0]} ${path} → ${res.status} ${res.text.slice(0, 200)}`);
        if (res.status >= 400) {
          const ok =
            /^application\/problem\+json/.test(res.headers['content-type'] ?? '') &&
            typeof res.body?.type === 'string' &&
            typeof res.body?.title === 'string' &&
            res.body?.status === res.status &&
            typeof res.body?.detail === 'string';
          if (!ok) failures.push(`${r.route[0]} ${path} → ${res.status} not a problem: ${res.text.slice(0, 200)}`);
        }
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 10_000), seed: Number(process.env.FUZZ_SEED ?? 20261122), endOnFailure: false },
    );
    expect(count).toBeGreaterThanOrEqual(Number(process.env.FUZZ_RUNS ?? 10_000));
    expect(failures.length === 0 ? [] : [`${failures.length} failures`, ...failures.slice(0, 20)]).toEqual([]);
  }, 300000);
});
