import { spawn } from 'node:child_process';
import path from 'node:path';
import { startApi, TestApi } from './support/api';
import { DIST_ROOT } from '../support/processes';

describe('npm run demo', () => {
  let api: TestApi;

  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(() => api.close());

  it('fills a running LabGate with the demo portfolio through the public API', async () => {
    const child = spawn(process.execPath, [path.join(DIST_ROOT, 'scripts/demo.js')], {
      env: { ...process.env, LABGATE_URL: api.url, LABGATE_ADMIN_TOKEN: api.adminToken },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(output).not.toMatch(/^demo:/m);
    expect(code).toBe(0);
    const codes = output.match(/^JIL-\d{4}-\d{4,}/gm) ?? [];
    expect(codes).toHaveLength(6);
    const [{ n }] = await api.db.query('SELECT count(*)::int AS n FROM pilots WHERE code = ANY($1)', [codes]);
    expect(n).toBe(6);
    expect(output).toMatch(/Counter-drone detection at the external land border .*→ fund gate: voted abandon/);
  }, 60000);
});
