import { spawn } from 'node:child_process';

/** Runs a command to completion; rejects with its output when it fails. */
function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', (err) => reject(new Error(`${command}: ${err.message}`)));
    child.on('exit', (code) => (code === 0 ? resolve(output) : reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n${output.trim()}`))));
  });
}

/** Fills a database with pgbench's tables at `scale` (100,000 accounts per unit). */
export async function initPgbench(databaseUrl: string, scale: number): Promise<void> {
  await run('pgbench', ['-i', '-s', String(scale), '-q', databaseUrl]);
}

export interface PgbenchResult {
  tps: number;
  latencyMs: number;
  failed: number;
}

/**
 * `pgbench -S` (select-only: one primary-key read per transaction) or the default TPC-B-like
 * script (three updates, a select and an insert in one transaction), with `clients` connections
 * on two threads, as many as the machine has cores.
 */
export async function runPgbench(databaseUrl: string, script: 'select-only' | 'tpcb-like', clients: number, seconds: number): Promise<PgbenchResult> {
  const args = ['-c', String(clients), '-j', String(Math.min(2, clients)), '-T', String(seconds)];
  if (script === 'select-only') args.unshift('-S');
  const output = await run('pgbench', [...args, databaseUrl]);
  const tps = /^tps = ([\d.]+) \(without initial connection time\)/m.exec(output);
  if (!tps) throw new Error(`pgbench printed no tps:\n${output}`);
  const latency = /^latency average = ([\d.]+) ms/m.exec(output);
  const failed = /^number of failed transactions: (\d+)/m.exec(output);
  return { tps: Number(tps[1]), latencyMs: latency ? Number(latency[1]) : Number.NaN, failed: failed ? Number(failed[1]) : 0 };
}
