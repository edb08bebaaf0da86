import os from 'node:os';

/** What one run measures with: read once from the environment, printed at the top of the report. */
export interface BenchOptions {
  /** Length of every measured load run, in seconds. */
  seconds: number;
  /** Unmeasured load before each closed-loop run, so the JIT and the pools are warm. */
  warmupSeconds: number;
  /** Concurrency of every closed-loop run and of pgbench (clients). */
  connections: number;
  quick: boolean;
  /** A URL to the server's maintenance database; the bench creates and drops its own databases beside it. */
  databaseServer: string;
  redisUrl: string;
  /** Share of the measured maximum rate used for the open-loop latency run. */
  openLoopShare: number;
  /** Reviews whose last-vote-to-decision time is measured (DESIGN asks for at least 100). */
  queueReviews: number;
  /** Reviews started per second in that measurement: light, steady traffic, not a flood. */
  queueReviewsPerSecond: number;
  /** Outbox rows the relay must drain (the DESIGN target is for 10,000). */
  drainRows: number;
  pgbenchScale: number;
  keepDatabase: boolean;
  /** The apps' LOG_LEVEL (BENCH_LOG_LEVEL): warn keeps the per-request lines, written at info, out of the measurement. */
  logLevel: string;
  /** The report section's synthetic portfolio (votes: ten per pilot) and requests per figure. */
  reportPilots: number;
  reportSamples: number;
}

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name}=${JSON.stringify(raw)} must be a positive integer`);
  return value;
}

export function readOptions(): BenchOptions {
  const quick = process.env.BENCH_QUICK === '1';
  const seconds = positiveInt('BENCH_SECONDS', quick ? 3 : 10);
  return {
    seconds,
    warmupSeconds: Math.min(3, Math.max(1, Math.round(seconds / 3))),
    connections: positiveInt('BENCH_CONNECTIONS', 32),
    quick,
    databaseServer: process.env.BENCH_DATABASE_SERVER ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    redisUrl: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
    openLoopShare: 0.7,
    queueReviews: 120,
    queueReviewsPerSecond: 20,
    drainRows: 10_000,
    pgbenchScale: 10,
    keepDatabase: process.env.BENCH_KEEP_DATABASE === '1',
    logLevel: process.env.BENCH_LOG_LEVEL || 'warn',
    reportPilots: positiveInt('BENCH_REPORT_PILOTS', quick ? 10_000 : 100_000),
    reportSamples: positiveInt('BENCH_REPORT_SAMPLES', quick ? 5 : 20),
  };
}

export function machineFacts(): string[] {
  const cpus = os.cpus();
  return [
    `node ${process.version} on ${os.platform()} ${os.release()} (${os.arch()})`,
    `${cpus.length} cores (${cpus[0]?.model.trim() ?? 'unknown CPU'}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB memory, load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  ];
}
