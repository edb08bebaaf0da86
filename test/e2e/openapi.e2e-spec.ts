import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startApi, TestApi } from './support/api';
import { stableJson } from '../../scripts/openapi';

const ROOT = path.resolve(__dirname, '..', '..');

/**
 * The committed contract (openapi.json, linted by Redocly in `npm run lint`) is the one the
 * running API serves, and is complete enough for a generator: problems, headers, operation ids.
 */
describe('the OpenAPI contract', () => {
  let api: TestApi;
  let served: {
    paths: Record<string, Record<string, { operationId: string; summary?: string; parameters?: Array<{ name: string; in: string }>; responses: Record<string, { $ref?: string; headers?: Record<string, unknown> }> }>>;
    components: { schemas: Record<string, { properties?: Record<string, { enum?: string[] }> }>; responses: Record<string, { headers: Record<string, unknown> }> };
  };

  beforeAll(async () => {
    api = await startApi();
    served = (await api.http.get('/docs-json')).body;
  });
  afterAll(() => api.close());

  it('is what openapi.json says, and its plugin metadata is what the DTOs generate (else: npm run openapi)', () => {
    expect(stableJson(served)).toBe(readFileSync(path.join(ROOT, 'openapi.json'), 'utf8'));
    const check = spawnSync(process.execPath, [path.join(ROOT, 'dist/scripts/openapi.js'), 'check'], { cwd: ROOT, encoding: 'utf8' });
    expect({ status: check.status, drift: check.stderr.split('\n').filter((line) => /npm run openapi|Error/.test(line)) }).toEqual({ status: 0, drift: [] });
  }, 60_000);

  it('gives every operation an id, a summary, its problem responses and the correlation header', () => {
    const operations = Object.values(served.paths).flatMap((item) => Object.values(item));
    expect(operations.length).toBeGreaterThanOrEqual(45);
    for (const op of operations) {
      expect(op.operationId).toMatch(/^[a-z][A-Za-z]+$/);
      expect(op.summary).toBeTruthy();
      const statuses = Object.keys(op.responses);
      expect(statuses).toEqual(expect.arrayContaining(['400', '429', '500']));
      for (const status of statuses.filter((s) => Number(s) >= 400)) expect(op.responses[status]!.$ref).toBe(`#/components/responses/Problem${status}`);
      for (const status of statuses.filter((s) => Number(s) < 400)) expect(op.responses[status]!.headers).toHaveProperty('X-Request-Id');
    }
    expect(served.components.schemas.Problem!.properties!.code!.enum).toEqual(expect.arrayContaining(['PILOT.STALE', 'REQUEST.RATE_LIMITED', 'COMPLIANCE.PROHIBITED']));
    expect(served.components.responses.Problem429!.headers).toHaveProperty('Retry-After');
  });

  it('names the headers a client must send: Idempotency-Key on creations, If-Match on edits', () => {
    const header = (p: string, m: string, name: string) => served.paths[p]![m]!.parameters?.some((x) => x.in === 'header' && x.name === name);
    expect(header('/v1/pilots', 'post', 'Idempotency-Key')).toBe(true);
    expect(header('/v1/gate-reviews/{id}/votes', 'post', 'Idempotency-Key')).toBe(true);
    expect(header('/v1/pilots/{id}', 'patch', 'If-Match')).toBe(true);
    expect(Object.keys(served.paths['/v1/pilots/{id}']!.patch!.responses)).toEqual(expect.arrayContaining(['412', '428']));
    expect(served.paths['/v1/pilots/{id}']!.get!.responses['200']!.headers).toHaveProperty('ETag');
  });

  it('carries the validators’ constraints', () => {
    const props = served.components.schemas.CreateUserRequestDto!.properties as Record<string, Record<string, unknown>>;
    expect(props.name).toMatchObject({ minLength: 1, maxLength: 200 });
    expect(props.agency).toMatchObject({ pattern: '^[A-Z][A-Z0-9-]{1,15}$' });
  });
});
