import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { dropDatabase } from '@labgate/persistence';
import { MIGRATIONS } from '@labgate/migrations';
import { API_NODE_FLAGS } from '../../scripts/node-flags';
import { DIST_ROOT, freePort, pollFor, procStat, waitForHttp } from '../support/processes';

/** The command lines (argv) of a process's children, from /proc. */
function childCommandLines(pid: number): string[][] {
  const lines: string[][] = [];
  for (const entry of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (Number(procStat(entry).fields[1]) !== pid) continue;
      lines.push(readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean));
    } catch {
      // gone meanwhile
    }
  }
  return lines;
}

/** `npm start`'s entry point, as an operator runs it. */
function start(env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, [path.join(DIST_ROOT, 'scripts/start.js')], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

describe('npm start', () => {
  it('creates a missing database, migrates, serves, and drains to exit 0 on SIGTERM', async () => {
    const url = new URL(process.env.DATABASE_URL!);
    url.pathname = `${url.pathname}_start_${randomBytes(2).toString('hex')}`;
    const port = await freePort();
    const run = start({ DATABASE_URL: url.toString(), PORT: String(port), LOG_LEVEL: 'info', QUEUE_PREFIX: `labgate-start-${port}` });
    try {
      await waitForHttp(`http://127.0.0.1:${port}/health/ready`, 30000);
      // The API and the worker start side by side: the API can be ready a moment before the worker.
      await pollFor('the worker to start', 30000, async () => run.output().includes('LabGate worker ready'));
      expect(run.output()).toContain('created the database');
      expect(run.output()).toContain(`applied ${MIGRATIONS.length} migration(s)`);
      expect(run.output()).toContain('LabGate worker ready');
      expect(run.output()).toContain('LabGate API listening');
      // The API runs with its V8 flags (bounded heap, no allocation-site pretenuring), the worker without them.
      const children = childCommandLines(run.child.pid!);
      const api = children.find((argv) => argv.some((a) => a.endsWith(path.join('apps', 'api', 'src', 'main.js'))));
      const worker = children.find((argv) => argv.some((a) => a.endsWith(path.join('apps', 'worker', 'src', 'main.js'))));
      expect(api).toEqual(expect.arrayContaining(API_NODE_FLAGS));
      expect(api).toContain('--no-allocation-site-pretenuring');
      expect(worker).toBeDefined();
      expect(worker).not.toContain('--no-allocation-site-pretenuring');
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
    } finally {
      run.child.kill('SIGKILL');
      await dropDatabase(url.toString());
    }
  }, 60000);

  it('stops with one line naming a malformed variable', async () => {
    const run = start({ PORT: 'eighty', REDIS_URL: 'localhost:6379' });
    expect(await run.exited).toBe(1);
    expect(run.output()).toMatch(/Invalid configuration: PORT="eighty" must be an integer port number; REDIS_URL="localhost:6379" must look like redis:\/\/host:port/);
  });

  it('says which dependency is unreachable, where, and how to start it', async () => {
    const pgPort = await freePort();
    const noPg = start({ DATABASE_URL: `postgres://postgres@127.0.0.1:${pgPort}/labgate` });
    expect(await noPg.exited).toBe(1);
    expect(noPg.output()).toContain(`PostgreSQL is not reachable at 127.0.0.1:${pgPort}`);
    expect(noPg.output()).toContain('docker compose -f docker/compose.yml up -d postgres redis');

    const redisPort = await freePort();
    const noRedis = start({ REDIS_URL: `redis://127.0.0.1:${redisPort}` });
    expect(await noRedis.exited).toBe(1);
    expect(noRedis.output()).toContain(`Redis is not reachable at 127.0.0.1:${redisPort}`);
  }, 30000);
});
