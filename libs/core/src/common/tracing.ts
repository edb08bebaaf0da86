import { context, propagation, SpanKind, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';

/**
 * OpenTelemetry tracing, off unless an OTLP endpoint is configured (`startTracing`): HTTP
 * request → the outbox rows it writes (their `traceparent`) → the jobs those rows become → the
 * rows those jobs write, one trace, each span carrying the correlation id. While no SDK is
 * registered every call here is the API's no-op and costs nothing.
 */
const tracer = () => trace.getTracer('labgate');

export const TRACEPARENT_FORMAT = /^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

let enabled = false;

/** Set by startTracing once an SDK is registered. */
export function markTracingEnabled(): void {
  enabled = true;
}

export function tracingEnabled(): boolean {
  return enabled;
}

/** The W3C traceparent of the active span, to store with work that continues elsewhere. */
export function currentTraceparent(): string | undefined {
  if (!enabled) return undefined;
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent;
}

/** Starts a server span for an HTTP request, child of the caller's traceparent if it sent one. */
export function startRequestSpan(name: string, traceparent: string | undefined, attributes: Attributes): Span {
  const parent = traceparent ? propagation.extract(context.active(), { traceparent }) : context.active();
  return tracer().startSpan(name, { kind: SpanKind.SERVER, attributes }, parent);
}

/** Runs `fn` with `span` active, so what it writes (outbox rows) carries it. */
export function withSpan<T>(span: Span, fn: () => T): T {
  return context.with(trace.setSpan(context.active(), span), fn);
}

export function endSpan(span: Span, status: number): void {
  span.setAttribute('http.response.status_code', status);
  if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  span.end();
}

/** Runs a job under a consumer span, child of the span that wrote its outbox row. */
export async function inJobSpan<T>(name: string, traceparent: string | undefined, attributes: Attributes, fn: () => Promise<T>): Promise<T> {
  if (!enabled) return fn();
  const parent = traceparent && TRACEPARENT_FORMAT.test(traceparent) ? propagation.extract(context.active(), { traceparent }) : context.active();
  const span = tracer().startSpan(`job ${name}`, { kind: SpanKind.CONSUMER, attributes }, parent);
  try {
    return await context.with(trace.setSpan(parent, span), fn);
  } catch (err) {
    span.recordException(err as Error);
    span.setStatus({ code: SpanStatusCode.ERROR });
    throw err;
  } finally {
    span.end();
  }
}
