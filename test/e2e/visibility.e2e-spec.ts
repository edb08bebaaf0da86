import { canSeePilot, ROLES, Role, SENSITIVITIES, Sensitivity } from '@labgate/domain';
import { startApi, TestApi } from './support/api';
import { createPilot, createProgramme, createUser, TestUser } from './support/fixtures';

/**
 * The whole agency × role × sensitivity matrix, on every pilot route: a pilot the caller may not
 * see answers 404 everywhere (never 403, never a leak in a list); one it may see but does not
 * lead answers 403 to writes. The expectation comes from the domain's canSeePilot, so the SQL
 * visibility filter and the pure rule are held together.
 */
describe('visibility across agencies', () => {
  const LEAD_AGENCY = 'EUROPOL';
  const PARTNER = 'EUROJUST';
  const OUTSIDER = 'FRONTEX';

  let api: TestApi;
  let owner: TestUser;
  const pilots = new Map<Sensitivity, { id: string; code: string }>();
  const viewers: Array<{ user: TestUser; agency: string; role: Role }> = [];

  beforeAll(async () => {
    api = await startApi();
    owner = await createUser(api, LEAD_AGENCY, ['lead'], 'Pilot owner');
    const funder = await createUser(api, 'DGHOME', ['funder']);
    const programmeId = await createProgramme(api, funder);
    for (const sensitivity of SENSITIVITIES) {
      pilots.set(sensitivity, await createPilot(api, owner, programmeId, { sensitivity, partnerAgencies: [PARTNER], title: `Visibility ${sensitivity}` }));
    }
    for (const agency of [LEAD_AGENCY, PARTNER, OUTSIDER]) {
      for (const role of ROLES) viewers.push({ user: await createUser(api, agency, [role]), agency, role });
    }
  });
  afterAll(() => api.close());

  const cases = () =>
    viewers.flatMap((v) => SENSITIVITIES.map((sensitivity) => ({ ...v, sensitivity, pilot: pilots.get(sensitivity)! })));

  it('covers 3 agencies × 6 roles × 3 sensitivities', () => {
    expect(cases()).toHaveLength(54);
  });

  it('reads, lists and sub-routes agree with canSeePilot for every viewer', async () => {
    const mismatches: string[] = [];
    for (const c of cases()) {
      const visible = canSeePilot(
        { agency: c.agency, roles: [c.role], assignedToPilot: false },
        { sensitivity: c.sensitivity, leadAgency: LEAD_AGENCY, partnerAgencies: [PARTNER] },
      );
      const label = `${c.role}@${c.agency} on ${c.sensitivity}`;
      const want = visible ? 200 : 404;
      const auth = c.user.auth;
      const got = {
        read: (await api.http.get(`/v1/pilots/${c.pilot.id}`).set(auth)).status,
        audit: (await api.http.get(`/v1/pilots/${c.pilot.id}/audit`).set(auth)).status,
        verify: (await api.http.get(`/v1/pilots/${c.pilot.id}/audit/verify`).set(auth)).status,
        spend: (await api.http.get(`/v1/pilots/${c.pilot.id}/expenditures`).set(auth)).status,
      };
      for (const [route, status] of Object.entries(got)) if (status !== want) mismatches.push(`${label}: ${route} ${status}, wanted ${want}`);

      const listed = (await api.http.get('/v1/pilots').query({ q: c.pilot.code }).set(auth)).body.items as Array<{ id: string }>;
      if (listed.some((p) => p.id === c.pilot.id) !== visible) mismatches.push(`${label}: list ${visible ? 'misses' : 'leaks'} it`);

      // Writes: nobody here is the pilot's lead, so a visible pilot answers 403 and an invisible one 404.
      const write = visible ? 403 : 404;
      const patch = await api.http.patch(`/v1/pilots/${c.pilot.id}`).set(auth).set('If-Match', '"1"').send({ title: 'hijack' });
      const withdraw = await api.http.post(`/v1/pilots/${c.pilot.id}/withdrawal`).set(auth).send({ lessonsLearned: 'hijack' });
      const spend = await api.http.post(`/v1/pilots/${c.pilot.id}/expenditures`).set(auth).send({ amountCents: 1, description: 'x', spentOn: '2026-11-01' });
      for (const [route, res] of Object.entries({ patch, withdraw, spend })) {
        if (res.status !== write) mismatches.push(`${label}: ${route} ${res.status}, wanted ${write}`);
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('agrees with canSeePilot when every viewer reads at once (reads of one turn share statements)', async () => {
    const all = cases();
    const statuses = await Promise.all(all.map((c) => api.http.get(`/v1/pilots/${c.pilot.id}`).set(c.user.auth).then((res) => res.status)));
    const mismatches = all.flatMap((c, i) => {
      const visible = canSeePilot(
        { agency: c.agency, roles: [c.role], assignedToPilot: false },
        { sensitivity: c.sensitivity, leadAgency: LEAD_AGENCY, partnerAgencies: [PARTNER] },
      );
      return statuses[i] === (visible ? 200 : 404) ? [] : [`${c.role}@${c.agency} on ${c.sensitivity}: ${statuses[i]}`];
    });
    expect(mismatches).toEqual([]);
  });

  it('leaves the pilots untouched by all those attempts', async () => {
    const rows = await api.db.query(`SELECT title, stage, version, spent_cents::int AS spent FROM pilots WHERE id = ANY($1)`, [[...pilots.values()].map((p) => p.id)]);
    for (const row of rows) expect(row).toEqual({ title: expect.stringMatching(/^Visibility /), stage: 'proposal', version: 1, spent: 0 });
  });

  it('matches the design: restricted is hidden from funders and outsiders, shown to chairs and involved agencies', () => {
    const see = (agency: string, role: Role, sensitivity: Sensitivity) =>
      canSeePilot({ agency, roles: [role], assignedToPilot: false }, { sensitivity, leadAgency: LEAD_AGENCY, partnerAgencies: [PARTNER] });
    expect(see(OUTSIDER, 'funder', 'limited')).toBe(true);
    expect(see(OUTSIDER, 'funder', 'restricted')).toBe(false);
    expect(see(OUTSIDER, 'chair', 'restricted')).toBe(true);
    expect(see(OUTSIDER, 'admin', 'limited')).toBe(false);
    expect(see(PARTNER, 'reviewer', 'restricted')).toBe(true);
    expect(see(OUTSIDER, 'lead', 'public')).toBe(true);
  });
});
