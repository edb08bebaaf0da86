import { randomBytes } from 'node:crypto';
import type { Role } from '@labgate/domain';
import type { TestApi } from './api';

export interface TestUser {
  id: string;
  token: string;
  agency: string;
  roles: Role[];
  auth: { Authorization: string };
}

const unique = () => randomBytes(4).toString('hex');

export async function createUser(api: TestApi, agency: string, roles: Role[], name?: string): Promise<TestUser> {
  const res = await api.http
    .post('/v1/users')
    .set('Authorization', `Bearer ${api.adminToken}`)
    .send({ name: name ?? `${roles.join('+')} at ${agency}`, email: `${roles.join('.')}.${unique()}@${agency.toLowerCase()}.europa.eu`, agency, roles });
  if (res.status !== 201) throw new Error(`createUser: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: res.body.id, token: res.body.token, agency, roles, auth: { Authorization: `Bearer ${res.body.token}` } };
}

export async function createProgramme(api: TestApi, funder: TestUser, envelopeCents = 500_000_000): Promise<string> {
  const res = await api.http.post('/v1/programmes').set(funder.auth).send({ name: `ISF envelope ${unique()}`, envelopeCents });
  if (res.status !== 201) throw new Error(`createProgramme: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id;
}

/** A realistic proposal, after the JIT blockchain pilot the Council paper describes. */
export function pilotBody(programmeId: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    title: 'Blockchain custody ledger for joint investigation teams',
    summary: 'A permissioned ledger that records the chain of custody of e-evidence exchanged inside JITs.',
    domain: 'blockchain',
    programmeId,
    partnerAgencies: ['EUROJUST'],
    trl: { current: 4, target: 7 },
    budgetRequestedCents: 45_000_000,
    personalData: true,
    dpiaRef: 'DPIA-2026-031',
    sensitivity: 'limited',
    heilmeier: {
      objective: 'Let JIT members prove who held each piece of evidence and when, across borders.',
      currentPractice: 'Custody is tracked in e-mail and spreadsheets per member state; gaps surface in court.',
      novelty: 'An append-only ledger shared by the JIT members, anchored daily, without a central operator.',
      impact: 'Admissible e-evidence in cross-border cases; fewer challenges to custody in court.',
      risks: 'Member-state IT integration; legal acceptance of ledger records.',
      cost: 'EUR 450,000 over 18 months.',
      schedule: 'Prototype in 6 months, JIT field test in 12, evaluation in 18.',
      exams: [
        { name: 'mid-term', metric: 'evidence items with a verifiable custody trail', target: '≥ 95 %', dueBy: '2027-05-31' },
        { name: 'final', metric: 'custody challenges upheld in pilot cases', target: '0', dueBy: '2027-11-30' },
      ],
    },
    ...overrides,
  };
}

export async function createPilot(api: TestApi, lead: TestUser, programmeId: string, overrides: Record<string, unknown> = {}) {
  const res = await api.http.post('/v1/pilots').set(lead.auth).send(pilotBody(programmeId, overrides));
  if (res.status !== 201) throw new Error(`createPilot: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: string; code: string; version: number; [k: string]: unknown };
}

export function expectProblem(res: { status: number; headers: Record<string, string>; body: Record<string, unknown> }, status: number, code?: string): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toEqual(expect.objectContaining({ type: expect.any(String), title: expect.any(String), status, detail: expect.any(String) }));
  if (code) expect(res.body.code).toBe(code);
}
