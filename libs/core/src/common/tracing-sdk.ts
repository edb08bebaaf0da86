import type { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { markTracingEnabled } from './tracing';

/**
 * Registers the OpenTelemetry SDK when OTEL_EXPORTER_OTLP_ENDPOINT (or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) names an OTLP/HTTP collector; otherwise does nothing and
 * tracing stays off. The exporter reads the other standard OTEL_* variables itself.
 */
let provider: NodeTracerProvider | undefined;

export function startTracing(service: 'labgate-api' | 'labgate-worker', env: NodeJS.ProcessEnv = process.env): void {
  if (!env.OTEL_EXPORTER_OTLP_ENDPOINT && !env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return;
  // The SDK is loaded only when it is used: 3 MB of heap and 17 MB of resident memory otherwise.
  /* eslint-disable @typescript-eslint/no-require-imports -- a synchronous, conditional load */
  const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http');
  const { resourceFromAttributes } = require('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
  const { BatchSpanProcessor, NodeTracerProvider } = require('@opentelemetry/sdk-trace-node') as typeof import('@opentelemetry/sdk-trace-node');
  /* eslint-enable @typescript-eslint/no-require-imports */
  provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME ?? service }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  // AsyncLocalStorage context and W3C trace-context propagation.
  provider.register();
  markTracingEnabled();
}

/** Exports the spans still buffered and stops; CoreModule calls it when the app shuts down. */
export async function stopTracing(): Promise<void> {
  await provider?.shutdown();
  provider = undefined;
}
