/**
 * The typed LabGate client, generated from the committed OpenAPI document: `schema.ts` is
 * written by openapi-typescript (`npm run openapi`; the tests fail while it has drifted) and
 * openapi-fetch turns it into calls whose paths, parameters, bodies and answers are checked by
 * the compiler. Used by `npm run demo`, the benchmark's set-up and the end-to-end tests.
 *
 *   const lab = createLabGateClient('https://labgate.example.eu', token);
 *   const { data, error } = await lab.POST('/v1/pilots', { body: { … } });
 *   // data: PilotResponseDto on 201; error: Problem (RFC 9457) otherwise
 */
import createClient, { type Client } from 'openapi-fetch';
import type { components, paths } from './schema';

export type { components, paths } from './schema';
export type LabGateClient = Client<paths>;
export type Schemas = components['schemas'];
export type Problem = Schemas['Problem'];

export function createLabGateClient(baseUrl: string, token?: string, headers: Record<string, string> = {}): LabGateClient {
  return createClient<paths>({ baseUrl: baseUrl.replace(/\/$/, ''), headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers } });
}

/** Thrown by `ok()` for an answer that is not a success: the problem, its status and what was asked. */
export class LabGateError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem | undefined,
    what: string,
  ) {
    super(`${what} → ${status} ${problem ? `${problem.code}: ${problem.detail}` : ''}`.trim());
  }
}

/** The data of a successful answer, or a LabGateError carrying the problem. */
export async function ok<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>, what = 'LabGate'): Promise<T> {
  const { data, error, response } = await call;
  if (error !== undefined || !response.ok) throw new LabGateError(response.status, error as Problem | undefined, `${what} (${response.url})`);
  return data as T;
}
