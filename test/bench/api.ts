import { randomBytes } from 'node:crypto';
import type { Role } from '@labgate/domain';
import { pilotBody as sharedPilotBody, submissionBody as sharedSubmissionBody } from '../support/bodies';

/**
 * A plain HTTP client for arranging the benchmark through the public API (never measured: the
 * load itself goes through autocannon or the open-loop generator).
 */
export class ApiClient {
  constructor(
    readonly url: string,
    readonly adminToken: string,
  ) {}

  async call<T>(method: 'GET' | 'POST', path: string, token: string, body: unknown, expected: number): Promise<T> {
    const res = await fetch(`${this.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status !== expected) throw new Error(`${method} ${path}: expected ${expected}, got ${res.status} ${text.slice(0, 500)}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }
}

export interface BenchUser {
  id: string;
  token: string;
  agency: string;
  roles: Role[];
}

const unique = () => randomBytes(4).toString('hex');

/** A fresh agency, so that seat assignment (least load among its reviewers) sees only the bench's people. */
export async function createAgency(api: ApiClient, prefix: string): Promise<string> {
  const code = `${prefix}${unique().toUpperCase()}`.slice(0, 16);
  await api.call('POST', '/v1/agencies', api.adminToken, { code, name: `Benchmark agency ${code}` }, 201);
  return code;
}

export async function createUser(api: ApiClient, agency: string, roles: Role[], name: string): Promise<BenchUser> {
  const body = { name, email: `${roles.join('.')}.${unique()}@${agency.toLowerCase()}.europa.eu`, agency, roles };
  const user = await api.call<{ id: string; token: string }>('POST', '/v1/users', api.adminToken, body, 201);
  return { id: user.id, token: user.token, agency, roles };
}

export async function createProgramme(api: ApiClient, funder: BenchUser, envelopeCents: number): Promise<string> {
  const programme = await api.call<{ id: string }>('POST', '/v1/programmes', funder.token, { name: `Benchmark envelope ${unique()}`, envelopeCents }, 201);
  return programme.id;
}

/**
 * A proposal without personal data or partners, so its fund gate has exactly two seats: the
 * lead agency's and `funding`.
 */
export function pilotBody(programmeId: string): Record<string, unknown> {
  return sharedPilotBody(programmeId, { partnerAgencies: [], personalData: false, dpiaRef: undefined, budgetRequestedCents: 60_000_000 });
}

/** A fund-gate submission asking for a small first tranche. */
export const submissionBody = (trancheCents: number): Record<string, unknown> => sharedSubmissionBody(trancheCents);

/** A go vote with scores above every default threshold, so a fully voted review is decided `fund`. */
export function voteBody(seat: string): Record<string, unknown> {
  return {
    recommendation: 'fund',
    scores: { excellence: 4, impact: 4.5, implementation: 4 },
    rationale: `Seat ${seat}: the exams are met and the tranche is proportionate.`,
  };
}

/** Runs `fn` over `items` with at most `limit` in flight; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}
