import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { markTracingEnabled } from './tracing';

/**
 * Registers the OpenTelemetry SDK when OTEL_EXPORTER_OTLP_ENDPOINT (or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) names an OTLP/HTTP collector; otherwise does nothing and
 * tracing stays off. The exporter reads the other standard OTEL_* variables itself.
 */
let provider: NodeTracerProvider | undefined;

export function startTracing(service: 'labgate-api' | 'labgate-worker', env: NodeJS.ProcessEnv = process.env): void {
  if (!env.OTEL_EXPORTER_OTLP_ENDPOINT && !env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return;
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
