import { randomBytes } from 'node:crypto';
import type { Role } from '@labgate/domain';
import { pilotBody } from '../../support/bodies';
import { createLabGateClient, ok, type LabGateClient, type Schemas } from '@labgate/client';
import type { TestApi } from './api';

export { ok, pilotBody, type Schemas };

/**
 * The generated, typed client (@labgate/client) acting with `token` against the test's API: the
 * fixtures arrange through it; the tests themselves mostly speak HTTP through supertest, to see
 * status codes and headers as any client would.
 */
export function client(api: TestApi, token: string): LabGateClient {
  return createLabGateClient(api.url, token);
}

export interface TestUser {
  id: string;
  token: string;
  agency: string;
  roles: Role[];
  auth: { Authorization: string };
}

const unique = () => randomBytes(4).toString('hex');

export async function createUser(api: TestApi, agency: string, roles: Role[], name?: string): Promise<TestUser> {
  const body = { name: name ?? `${roles.join('+')} at ${agency}`, email: `${roles.join('.')}.${unique()}@${agency.toLowerCase()}.europa.eu`, agency, roles };
  const user = await ok(client(api, api.adminToken).POST('/v1/users', { body }), 'createUser');
  return { id: user.id, token: user.token, agency, roles, auth: { Authorization: `Bearer ${user.token}` } };
}

export async function createProgramme(api: TestApi, funder: TestUser, envelopeCents = 500_000_000): Promise<string> {
  return (await ok(client(api, funder.token).POST('/v1/programmes', { body: { name: `ISF envelope ${unique()}`, envelopeCents } }), 'createProgramme')).id;
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
