import { randomBytes } from 'node:crypto';
import type { Role } from '@labgate/domain';
import { pilotBody } from '../../support/bodies';
import type { TestApi } from './api';

export { pilotBody };

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
