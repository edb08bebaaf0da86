import { Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { AuthService, OperationalMetricsService } from '@labgate/core';
import { QueueHandles } from '../admin/queue-handles';
import { PROBE_ROUTES } from '../http/probes';

const JOB_STATES = ['waiting', 'active', 'delayed', 'failed'] as const;

/**
 * Prometheus figures of an API process (prom-client): request durations by route template and
 * status, observed on every response; queue depths per state, outbox rows pending and the age
 * of the oldest, decisions by outcome, webhook deliveries by result and the ledger's totals,
 * read from Redis and Postgres at scrape time (so every API process tells the same truth).
 */
@Injectable()
export class ApiMetrics {
  readonly registry = new Registry();
  private readonly duration: Histogram<'method' | 'route' | 'status_code'>;

  constructor(
    private readonly operational: OperationalMetricsService,
    auth: AuthService,
    handles: QueueHandles,
  ) {
    collectDefaultMetrics({ register: this.registry, prefix: 'labgate_api_' });
    this.duration = new Histogram({
      name: 'labgate_http_request_duration_seconds',
      help: 'HTTP request duration by route template and status',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
    new Gauge({
      name: 'labgate_auth_token_lookups',
      help: 'API tokens this process looked up in the database (cache misses)',
      registers: [this.registry],
      collect() {
        this.set(auth.tokenLookups);
      },
    });
    const queues = handles.all;
    new Gauge({
      name: 'labgate_queue_jobs',
      help: 'Jobs per queue and state (absent while Redis is away)',
      labelNames: ['queue', 'state'],
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const queue of queues) {
          try {
            const counts = await queue.getJobCounts(...JOB_STATES);
            for (const state of JOB_STATES) this.set({ queue: queue.name, state }, counts[state] ?? 0);
          } catch {
            // Redis away: the figure is missing rather than wrong.
          }
        }
      },
    });
    let figures: ReturnType<OperationalMetricsService['figures']> | undefined;
    // One database read per scrape, shared by the gauges below.
    const read = () => (figures ??= this.operational.figures().finally(() => setTimeout(() => (figures = undefined), 0)));
    const gauge = (name: string, help: string, labelNames: string[], fill: (g: Gauge<string>, f: Awaited<ReturnType<OperationalMetricsService['figures']>>) => void) =>
      new Gauge({
        name,
        help,
        labelNames,
        registers: [this.registry],
        async collect() {
          this.reset();
          fill(this, await read());
        },
      });
    gauge('labgate_outbox_pending', 'Outbox rows not yet relayed to the queues', [], (g, f) => g.set(f.outbox_pending));
    gauge('labgate_outbox_oldest_pending_seconds', 'Age of the oldest outbox row not yet relayed (0 when none)', [], (g, f) => g.set(f.outbox_oldest_seconds ?? 0));
    gauge('labgate_decisions', 'Gate decisions applied, by outcome', ['outcome'], (g, f) => f.decisions.forEach((d) => g.set({ outcome: d.outcome }, d.n)));
    gauge('labgate_webhook_deliveries', 'Webhook deliveries by result', ['result'], (g, f) => f.deliveries.forEach((d) => g.set({ result: d.status }, d.n)));
    gauge('labgate_ledger_cents', 'Money committed and spent over all programmes, in cents', ['kind'], (g, f) => {
      g.set({ kind: 'committed' }, Number(f.committed_cents));
      g.set({ kind: 'spent' }, Number(f.spent_cents));
    });
  }

  /** Called for every response (a Fastify onResponse hook): its duration under its method, route template and status; probes are not counted (PROBE_ROUTES). */
  observe(request: FastifyRequest, reply: FastifyReply): void {
    const route = request.routeOptions?.url ?? 'unmatched';
    if (PROBE_ROUTES.has(route)) return;
    this.duration.observe({ method: request.method, route, status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
  }
}
