import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startApi } from './support/api';
import { TestStack } from './support/stack';
import { createCast, proposePilot, seated, submission, waitFor } from './support/workflow';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: Array<{ key: string; value: { stringValue?: string; intValue?: number | string } }>;
}

/**
 * OpenTelemetry, on when an OTLP endpoint is configured: an HTTP request, the outbox rows it
 * writes and the jobs they become make one trace, every span carrying the correlation id. A
 * collector of the test's own receives what the API and the worker export (OTLP/HTTP JSON).
 */
describe('tracing', () => {
  let collector: Server;
  const spans: OtlpSpan[] = [];
  let stack: TestStack;

  beforeAll(async () => {
    collector = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { resourceSpans: Array<{ scopeSpans: Array<{ spans: OtlpSpan[] }> }> };
        for (const rs of body.resourceSpans) for (const ss of rs.scopeSpans) spans.push(...ss.spans);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
    stack = await TestStack.start('tracing', { env: { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_BSP_SCHEDULE_DELAY: '100' } });
  }, 60_000);

  afterAll(async () => {
    await stack?.stop();
    await new Promise((resolve) => collector.close(resolve));
  });

  const attribute = (span: OtlpSpan, key: string) => span.attributes.find((a) => a.key === key)?.value.stringValue;

  it('follows a submission from its request through the outbox into the worker’s jobs, under its correlation id', async () => {
    const api = stack.testApi();
    const cast = await createCast(api);
    const pilot = await proposePilot(api, cast);
    const res = await api.http.post(`/v1/pilots/${pilot.id}/submissions`).set(cast.lead.auth).set('X-Request-Id', 'trace-me-1').send(submission(1_000_000));
    expect(res.status).toBe(202);
    await seated(api, cast, res.body.gateReviewId);

    const request = await waitFor('the request span', async () => spans.find((s) => attribute(s, 'labgate.correlation_id') === 'trace-me-1' && s.name === 'POST /v1/pilots/:id/submissions'));
    const jobs = await waitFor('job spans in the same trace', async () => {
      const found = spans.filter((s) => s.traceId === request.traceId && s.name.startsWith('job '));
      return found.length > 0 && found;
    });
    // The first job is the request's child; every job carries the request's correlation id.
    expect(jobs.some((j) => j.parentSpanId === request.spanId)).toBe(true);
    for (const job of jobs) expect(attribute(job, 'labgate.correlation_id')).toBe('trace-me-1');
    // The outbox rows hold the trace, so the worker can continue it.
    const rows = await stack.db.query(`SELECT payload->>'traceparent' AS tp FROM outbox WHERE payload->>'correlationId' = 'trace-me-1'`);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row.tp).toMatch(new RegExp(`^00-${request.traceId}-[0-9a-f]{16}-01$`));
  });

  it('is off by default: the run’s own API writes no trace context', async () => {
    const plain = await startApi();
    try {
      const cast = await createCast(plain);
      const pilot = await proposePilot(plain, cast);
      const res = await plain.http.post(`/v1/pilots/${pilot.id}/submissions`).set(cast.lead.auth).set('X-Request-Id', 'untraced-1').send(submission(1_000_000));
      expect(res.status).toBe(202);
      const rows = await plain.db.query(`SELECT payload FROM outbox WHERE payload->>'correlationId' = 'untraced-1'`);
      expect(rows.length).toBeGreaterThan(0);
      for (const row of rows) expect(row.payload).not.toHaveProperty('traceparent');
    } finally {
      await plain.close();
    }
  });
});
