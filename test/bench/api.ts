import { randomBytes } from 'node:crypto';
import type { Role } from '@labgate/domain';
import { createLabGateClient, ok, type LabGateClient, type Schemas } from '@labgate/client';
import { pilotBody as sharedPilotBody, submissionBody as sharedSubmissionBody } from '../support/bodies';

/**
 * The benchmark's set-up goes through the generated, typed client (@labgate/client); the load
 * itself goes through autocannon or the open-loop generator and is never measured through it.
 */
export class ApiClient {
  readonly admin: LabGateClient;
  private readonly clients = new Map<string, LabGateClient>();

  constructor(
    readonly url: string,
    readonly adminToken: string,
  ) {
    this.admin = this.as(adminToken);
  }

  /** The typed client acting with `token`. */
  as(token: string): LabGateClient {
    let client = this.clients.get(token);
    if (!client) this.clients.set(token, (client = createLabGateClient(this.url, token)));
    return client;
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
  await ok(api.admin.POST('/v1/agencies', { body: { code, name: `Benchmark agency ${code}` } }), 'create agency');
  return code;
}

export async function createUser(api: ApiClient, agency: string, roles: Role[], name: string): Promise<BenchUser> {
  const body = { name, email: `${roles.join('.')}.${unique()}@${agency.toLowerCase()}.europa.eu`, agency, roles };
  const user = await ok(api.admin.POST('/v1/users', { body }), 'create user');
  return { id: user.id, token: user.token, agency, roles };
}

export async function createProgramme(api: ApiClient, funder: BenchUser, envelopeCents: number): Promise<string> {
  const programme = await ok(api.as(funder.token).POST('/v1/programmes', { body: { name: `Benchmark envelope ${unique()}`, envelopeCents } }), 'create programme');
  return programme.id;
}

/**
 * A proposal without personal data or partners, so its fund gate has exactly two seats: the
 * lead agency's and `funding`.
 */
export function pilotBody(programmeId: string): Schemas['CreatePilotRequestDto'] {
  return sharedPilotBody(programmeId, { partnerAgencies: [], personalData: false, dpiaRef: undefined, budgetRequestedCents: 60_000_000 }) as Schemas['CreatePilotRequestDto'];
}

/** A fund-gate submission asking for a small first tranche. */
export const submissionBody = (trancheCents: number): Schemas['SubmissionRequestDto'] => sharedSubmissionBody(trancheCents) as Schemas['SubmissionRequestDto'];

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
