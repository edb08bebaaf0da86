import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { API_NODE_FLAGS } from '../../scripts/node-flags';

/**
 * The repository: the first folder above this file with a package.json. Found the same way
 * whether this runs from source (the end-to-end tests) or compiled under dist/ (the benchmark).
 */
export const REPO_ROOT = (() => {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${__dirname}`);
  }
})();

/** The built apps, as `npm run build` leaves them. */
export const DIST_ROOT = path.join(REPO_ROOT, 'dist');

/** Where spawned apps write their output, for post-mortems; git-ignored. */
export const LOG_DIR = path.join(REPO_ROOT, 'test', '.logs');

export type Exit = { code: number | null; signal: NodeJS.Signals | null };

export interface AppProcess {
  name: string;
  child: ChildProcess;
  pid: number;
  exited: Promise<Exit>;
  /** `signal` (SIGTERM: the apps drain on it), then SIGKILL if it is still there after `graceMs`. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<Exit>;
}

export interface HttpProcess extends AppProcess {
  url: string;
}

/** A port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Runs a compiled entry point (relative to the dist root) as its own node process, as `npm start`
 * and the end-to-end tests do, with its output in test/.logs/<name>.log for post-mortems.
 */
export function spawnBuilt(entry: string, name: string, env: NodeJS.ProcessEnv, args: string[] = [], nodeFlags: readonly string[] = []): AppProcess {
  mkdirSync(LOG_DIR, { recursive: true });
  const log = createWriteStream(path.join(LOG_DIR, `${name}.log`), { flags: 'a' });
  const child = spawn(process.execPath, [...nodeFlags, path.join(DIST_ROOT, entry), ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Two streams into one file: neither may end it while the other still writes.
  child.stdout!.pipe(log, { end: false });
  child.stderr!.pipe(log, { end: false });
  child.on('close', () => log.end());
  const exited = new Promise<Exit>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  if (child.pid === undefined) throw new Error(`could not start ${entry}`);
  return {
    name,
    child,
    pid: child.pid,
    exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** Throws, pointing at its log, if a process the bench relies on has died. */
export function assertRunning(proc: AppProcess): void {
  const { exitCode, signalCode } = proc.child;
  if (exitCode !== null || signalCode !== null) {
    throw new Error(`${proc.name} exited (${exitCode ?? signalCode}); see ${path.join(LOG_DIR, `${proc.name}.log`)}`);
  }
}

export async function waitForHttp(url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not come up within ${timeoutMs} ms`);
    await sleep(100);
  }
}

/** Starts an HTTP process on a free port and resolves once `healthPath` answers 2xx. */
export async function startHttpProcess(
  entry: string,
  name: string,
  healthPath: string,
  env: NodeJS.ProcessEnv,
  args: (port: number) => string[] = () => [],
  nodeFlags: readonly string[] = [],
): Promise<HttpProcess> {
  const port = await freePort();
  const proc = spawnBuilt(entry, name, { ...env, PORT: String(port) }, args(port), nodeFlags);
  const url = `http://127.0.0.1:${port}`;
  await Promise.race([
    waitForHttp(`${url}${healthPath}`),
    proc.exited.then(({ code, signal }) => {
      throw new Error(`${name} exited (${code ?? signal}) before listening; see ${path.join(LOG_DIR, `${name}.log`)}`);
    }),
  ]);
  return { ...proc, url };
}

/** Resident and peak resident set size of a process, in bytes, from /proc (Linux). */
export function residentMemory(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string): number => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status);
    if (!match) throw new Error(`/proc/${pid}/status has no ${field}`);
    return Number(match[1]) * 1024;
  };
  return { rss: kib('VmRSS'), peak: kib('VmHWM') };
}

/** Clock ticks per second of /proc's CPU times: USER_HZ, 100 on every mainstream Linux build. */
const USER_HZ = 100;

/**
 * A process's `/proc/<pid>/stat` (Linux): its command name and the fields after it, numbered from
 * the state (fields[0]): fields[1] is the parent's pid, [11] and [12] the user and system time and
 * [13] and [14] those of its reaped children, in ticks (USER_HZ).
 */
export function procStat(pid: number | string): { name: string; fields: string[] } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) is in parentheses and may contain spaces; the fields after it are space-separated.
  const close = stat.lastIndexOf(')');
  return { name: stat.slice(stat.indexOf('(') + 1, close), fields: stat.slice(close + 2).split(' ') };
}

/** CPU time (user + system) a process has used so far, in seconds, from /proc (Linux). */
export function cpuSeconds(pid: number): number {
  const { fields } = procStat(pid);
  return (Number(fields[11]) + Number(fields[12])) / USER_HZ;
}

/**
 * The machine's CPU time so far, all cores, in ticks: the time the hypervisor gave to other guests
 * while this one wanted to run (steal), the time no process wanted a core (idle and I/O wait), and
 * the total. On a shared host a run whose steal share is high measured the neighbours as much as
 * the server; a closed loop that leaves the machine idle is bound by waiting, not by CPU.
 */
function machineTicks(): { steal: number; idle: number; total: number } {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
  // "cpu  user nice system idle iowait irq softirq steal guest guest_nice"; guest time is already in user.
  const fields = cpu.trim().split(/\s+/).slice(1, 9).map(Number);
  return { steal: fields[7] ?? 0, idle: (fields[3] ?? 0) + (fields[4] ?? 0), total: fields.reduce((a, b) => a + b, 0) };
}

/**
 * Runs `run` and says what share of the machine's CPU time (both cores) the hypervisor stole
 * meanwhile and what share this guest's processes kept busy (neither idle nor stolen).
 */
export async function withSteal<R>(run: () => Promise<R>): Promise<{ result: R; steal: number; busy: number }> {
  const before = machineTicks();
  const result = await run();
  const after = machineTicks();
  const total = after.total - before.total;
  if (total <= 0) return { result, steal: 0, busy: 0 };
  const steal = (after.steal - before.steal) / total;
  return { result, steal, busy: 1 - steal - (after.idle - before.idle) / total };
}

/** Polls `probe` every `pollMs` until it gives a value (anything but undefined or false); throws after `timeoutMs`. */
export async function pollFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined | false>, pollMs = 200): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(pollMs);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export const API_ENTRY = 'apps/api/src/main.js';
export const WORKER_ENTRY = 'apps/worker/src/main.js';

/** The built API on a free port, with the V8 limits `npm start` gives it, once it answers /health/live. */
export function startApiProcess(name: string, env: NodeJS.ProcessEnv = {}, extraNodeFlags: readonly string[] = []): Promise<HttpProcess> {
  return startHttpProcess(API_ENTRY, name, '/health/live', env, () => [], [...API_NODE_FLAGS, ...extraNodeFlags]);
}

export function startWorkerProcess(name: string, env: NodeJS.ProcessEnv = {}): AppProcess {
  return spawnBuilt(WORKER_ENTRY, name, env);
}
