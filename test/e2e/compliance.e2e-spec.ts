import { startApi, TestApi } from './support/api';
import { expectProblem, pilotBody } from './support/fixtures';
import { Cast, createCast, proposePilot, seated, settled, submission, submit, voteAll } from './support/workflow';

/** Compliance prerequisites at the gates and locked exams (DESIGN §4b). */
describe('compliance and locked exams', () => {
  let api: TestApi;
  let cast: Cast;

  beforeAll(async () => {
    api = await startApi();
    cast = await createCast(api);
  });
  afterAll(() => api.close());

  const patch = async (id: string, body: Record<string, unknown>) => {
    const current = await api.http.get(`/v1/pilots/${id}`).set(cast.lead.auth);
    return api.http.patch(`/v1/pilots/${id}`).set(cast.lead.auth).set('If-Match', current.headers.etag).send(body);
  };
  const passGate = async (pilotId: string, tranche: number) => {
    const review = await seated(api, cast, await submit(api, cast, pilotId, tranche));
    await voteAll(api, cast, review, () => ({ recommendation: review.gate }));
    expect((await settled(api, cast, review.id)).decision?.outcome).toBe(review.gate);
  };
  const reviewsOf = async (pilotId: string) => (await api.db.query('SELECT count(*)::int AS n FROM gate_reviews WHERE pilot_id = $1', [pilotId]))[0].n;

  it('refuses a prohibited AI practice at creation and at edit', async () => {
    const res = await api.http.post('/v1/pilots').set(cast.lead.auth).send({ ...pilotBody(cast.programmeId, { domain: 'biometrics', aiActClass: 'prohibited', partnerAgencies: [cast.partnerAgency] }) });
    expectProblem(res, 422, 'COMPLIANCE.PROHIBITED');
    expect(res.body.errors).toEqual([expect.objectContaining({ field: 'aiActClass' })]);
    const pilot = await proposePilot(api, cast, { domain: 'ai', aiActClass: 'limited' });
    expectProblem(await patch(pilot.id, { aiActClass: 'prohibited' }), 422, 'COMPLIANCE.PROHIBITED');
    expectProblem(await api.http.post('/v1/pilots').set(cast.lead.auth).send(pilotBody(cast.programmeId, { aiActClass: 'dangerous' })), 400);
  });

  it('asks an AI pilot for its class before the fund gate, naming what is missing', async () => {
    const pilot = await proposePilot(api, cast, { domain: 'ai' });
    const res = await api.http.post(`/v1/pilots/${pilot.id}/submissions`).set(cast.lead.auth).send(submission(1_000_000));
    expectProblem(res, 422, 'COMPLIANCE.PREREQUISITES_MISSING');
    expect(res.body.errors).toEqual([{ field: 'aiActClass', message: expect.stringMatching(/AI Act classification/) }]);
    expect(await reviewsOf(pilot.id)).toBe(0);
    expect((await patch(pilot.id, { aiActClass: 'minimal' })).status).toBe(200);
    expect((await api.http.post(`/v1/pilots/${pilot.id}/submissions`).set(cast.lead.auth).send(submission(1_000_000))).status).toBe(202);
  });

  it('asks a high-risk pilot for its FRIA and real-world testing plan before the test gate, and every pilot for its accreditation before accelerate', async () => {
    const pilot = await proposePilot(api, cast, { domain: 'biometrics', aiActClass: 'high-risk', testingOutsideSandbox: true });
    expect((await api.http.get(`/v1/pilots/${pilot.id}`).set(cast.lead.auth)).body).toEqual(
      expect.objectContaining({ aiActClass: 'high-risk', testingOutsideSandbox: true, friaRef: null, realWorldTestingPlanRef: null, securityAccreditationRef: null }),
    );
    await passGate(pilot.id, 2_000_000);
    const test = await api.http.post(`/v1/pilots/${pilot.id}/submissions`).set(cast.lead.auth).send(submission(0, 6));
    expectProblem(test, 422, 'COMPLIANCE.PREREQUISITES_MISSING');
    expect(test.body.errors.map((e: { field: string }) => e.field)).toEqual(['friaRef', 'realWorldTestingPlanRef']);
    expect((await patch(pilot.id, { friaRef: 'FRIA-2026-014', realWorldTestingPlanRef: 'RWT-2026-003' })).status).toBe(200);
    await passGate(pilot.id, 0);
    const accelerate = await api.http.post(`/v1/pilots/${pilot.id}/submissions`).set(cast.lead.auth).send(submission(1_000_000, 7));
    expectProblem(accelerate, 422, 'COMPLIANCE.PREREQUISITES_MISSING');
    expect(accelerate.body.errors).toEqual([expect.objectContaining({ field: 'securityAccreditationRef' })]);
    expect((await patch(pilot.id, { securityAccreditationRef: 'EU-SEC-ACC-2026-77' })).status).toBe(200);
    expect((await api.http.post(`/v1/pilots/${pilot.id}/submissions`).set(cast.lead.auth).send(submission(1_000_000, 7))).status).toBe(202);
  }, 60000);

  it('counts the pilots blocked at their next gate in the funders’ report, as of any date', async () => {
    const own = await createCast(api);
    const report = async (asOf?: string) =>
      (await api.http.get('/v1/reports/portfolio').query({ programmeId: own.programmeId, ...(asOf ? { asOf } : {}) }).set(own.chair.auth)).body.compliance;
    const lead = own.lead;
    const created = await api.http.post('/v1/pilots').set(lead.auth).send(pilotBody(own.programmeId, { domain: 'ai', partnerAgencies: [own.partnerAgency] }));
    expect(created.status).toBe(201);
    await api.http.post('/v1/pilots').set(lead.auth).send(pilotBody(own.programmeId, { domain: 'blockchain', partnerAgencies: [own.partnerAgency] }));
    expect(await report()).toEqual({ blockedPilots: 1, medianDaysBlocked: 0, byPrerequisite: { aiActClass: 1 } });
    await new Promise((r) => setTimeout(r, 20));
    const before = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 20));
    const edited = await api.http.patch(`/v1/pilots/${created.body.id}`).set(lead.auth).set('If-Match', created.headers.etag).send({ aiActClass: 'high-risk' });
    expect(edited.status).toBe(200);
    expect(await report()).toEqual({ blockedPilots: 0, medianDaysBlocked: null, byPrerequisite: {} });
    expect((await report(before)).blockedPilots).toBe(1);
  });

  it('takes its prerequisites from the gate policy, which chairs edit', async () => {
    const policy = (await api.http.get('/v1/gate-policies/test').set(cast.chair.auth)).body;
    expect(policy.prerequisites).toEqual(['aiActClass', 'friaRef', 'realWorldTestingPlanRef']);
    const { gate: _g, updatedAt: _u, updatedBy: _b, ...body } = policy;
    try {
      const put = await api.http.put('/v1/gate-policies/test').set(cast.chair.auth).send({ ...body, prerequisites: ['aiActClass'] });
      expect(put.status).toBe(200);
      expect(put.body.prerequisites).toEqual(['aiActClass']);
      expectProblem(await api.http.put('/v1/gate-policies/test').set(cast.chair.auth).send({ ...body, prerequisites: ['horoscope'] }), 400);
      const pilot = await proposePilot(api, cast, { domain: 'biometrics', aiActClass: 'high-risk' });
      await passGate(pilot.id, 1_000_000);
      // Without friaRef: this policy does not ask for it; the review snapshots the policy.
      const opened = await api.http.post(`/v1/pilots/${pilot.id}/submissions`).set(cast.lead.auth).send(submission(0, 6));
      expect(opened.status).toBe(202);
      const review = (await api.http.get(`/v1/gate-reviews/${opened.body.gateReviewId}`).set(cast.chair.auth)).body;
      expect(review.policy.prerequisites).toEqual(['aiActClass']);
    } finally {
      expect((await api.http.put('/v1/gate-policies/test').set(cast.chair.auth).send(body)).status).toBe(200);
    }
  }, 60000);

  it('locks the exams when the fund gate opens, and sends a go over a failed exam to the chair', async () => {
    const pilot = await proposePilot(api, cast);
    const exams = [{ name: 'mid-term', metric: 'items traced', target: '≥ 95 %', dueBy: '2027-05-31' }];
    expect((await patch(pilot.id, { heilmeier: { exams } })).status).toBe(200);
    const failed = { ...submission(1_000_000), examResults: [{ exam: 'mid-term', actual: '81 % of items traced', passed: false }] };
    const opened = await api.http.post(`/v1/pilots/${pilot.id}/submissions`).set(cast.lead.auth).send(failed);
    expect(opened.status).toBe(202);
    const edit = await patch(pilot.id, { heilmeier: { exams: [{ ...exams[0], target: '≥ 80 %' }] } });
    expectProblem(edit, 409, 'PILOT.EXAMS_LOCKED');
    expect((await patch(pilot.id, { summary: 'Other fields may still change.' })).status).toBe(200);

    const review = await seated(api, cast, opened.body.gateReviewId);
    await voteAll(api, cast, review, () => ({ recommendation: 'fund' }));
    const escalated = await settled(api, cast, review.id);
    expect(escalated.status).toBe('escalated');
    expect(escalated.escalationReason).toBe('failed-exam');
    const decided = await api.http.post(`/v1/gate-reviews/${review.id}/decision`).set(cast.chair.auth).send({ outcome: 'fund', rationale: 'Below target but on track; the final exam stays binding.' });
    expect(decided.status).toBe(200);
    const audit = (await api.http.get(`/v1/pilots/${pilot.id}/audit?limit=100`).set(cast.lead.auth)).body.items;
    expect(audit.find((e: { action: string }) => e.action === 'gate.decided').payload).toEqual(expect.objectContaining({ outcome: 'fund', rationale: 'Below target but on track; the final exam stays binding.' }));
  }, 60000);
});
