/**
 * `perf record -g` of a bench process (started with `--perf-basic-prof`) through one measured
 * loop, and the per-request comparison of two such recordings (docs/profiles/perf-compare.js).
 * Used by framework.ts and tail.ts.
 */
import { execFileSync, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../support/processes';

/**
 * Samples process `pid` into `data` for a loop of `seconds`: sampling starts a moment into the loop
 * and stops a second before its end, so the load runs all along. `finished()` waits for perf and
 * writes `perf script`'s output beside the data (`.script`), whose path it returns.
 */
export function recordPerf(pid: number, data: string, seconds: number): { finished(): Promise<string> } {
  const perf = spawn('perf', ['record', '-q', '-F', '2999', '-g', '-p', String(pid), '-o', data, '--', 'sleep', String(Math.max(1, seconds - 1))], { stdio: 'ignore' });
  return {
    async finished() {
      await new Promise((resolve) => (perf.exitCode === null ? perf.on('exit', resolve) : resolve(undefined)));
      const script = data.replace(/\.data$/, '.script');
      writeFileSync(script, execFileSync('perf', ['script', '-F', 'comm,tid,ip,sym', '-i', data], { maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'] }));
      return script;
    },
  };
}

/** Two recordings, each with its process's measured CPU per request, compared per request by module: the command and its table. */
export function comparePerf(a: { script: string; usPerRequest: number }, b: { script: string; usPerRequest: number }, rows: number): { command: string; table: string } {
  const args = [a, b].flatMap((p) => [p.script, p.usPerRequest.toFixed(1)]);
  const table = execFileSync(process.execPath, [path.join(REPO_ROOT, 'docs/profiles/perf-compare.js'), ...args, String(rows)], { encoding: 'utf8' });
  return { command: `node docs/profiles/perf-compare.js ${args.join(' ')}`, table };
}
