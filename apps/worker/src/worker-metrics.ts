import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { createServer, type Server } from 'node:http';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { APP_CONFIG, AppConfig } from '@labgate/config';

/**
 * The worker's own Prometheus metrics — jobs run by queue, name and outcome, their durations, and
 * the Node process figures — served as text on WORKER_METRICS_PORT (off when 0), a port of its
 * own since the worker serves no HTTP otherwise; keep it inside the cluster. Queue depths, the
 * outbox and the ledger are the API's /metrics, read from Redis and Postgres.
 */
@Injectable()
export class WorkerMetrics implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WorkerMetrics.name);
  readonly registry = new Registry();
  private readonly jobs = new Counter({ name: 'labgate_worker_jobs', help: 'Jobs run by this worker, by queue, job name and outcome', labelNames: ['queue', 'name', 'outcome'] as const, registers: [this.registry] });
  private readonly duration = new Histogram({
    name: 'labgate_worker_job_duration_seconds',
    help: 'How long a job ran in this worker',
    labelNames: ['queue', 'name'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  private server?: Server;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    collectDefaultMetrics({ register: this.registry, prefix: 'labgate_worker_' });
  }

  /** Counts one job; `outcome` is the handler's answer, or `failed` when it threw. */
  observe(queue: string, name: string, outcome: string, seconds: number): void {
    this.jobs.inc({ queue, name, outcome });
    this.duration.observe({ queue, name }, seconds);
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.workerMetricsPort === 0) return;
    this.server = createServer((req, res) => {
      if (req.method !== 'GET' || req.url !== '/metrics') return void res.writeHead(404).end();
      this.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(text),
        () => res.writeHead(500).end(),
      );
    });
    await new Promise<void>((resolve, reject) => this.server!.once('error', reject).listen(this.config.workerMetricsPort, resolve));
    this.logger.log(`metrics on :${this.config.workerMetricsPort}/metrics`);
  }

  async onApplicationShutdown(): Promise<void> {
    await new Promise((resolve) => (this.server ? this.server.close(resolve) : resolve(undefined)));
  }
}
