import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { DIST_ROOT } from '../support/processes';

/**
 * What a process loads at start-up stays in its heap for good and is marked by every full garbage
 * collection. The chart library and the OpenTelemetry SDK are loaded when first used: charts on
 * the first chart request, the SDK only when an OTLP endpoint is configured.
 */
function loadedBy(entry: string, then = ''): string[] {
  // `then` runs with the entry's exports as `m`.
  const script = `const m = require(${JSON.stringify(path.join(DIST_ROOT, entry))});${then}
    console.log(JSON.stringify(Object.keys(require.cache).filter((f) => f.includes('node_modules')).map((f) => { const p = f.split('node_modules/').pop().split('/'); return p.slice(0, p[0].startsWith('@') ? 2 : 1).join('/'); })));`;
  // Tracing off, whatever the environment running the tests says.
  const env = { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: '', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '' };
  const out = execFileSync(process.execPath, ['-e', script], { env, encoding: 'utf8' });
  return [...new Set(JSON.parse(out.trim().split('\n').pop()!) as string[])];
}

describe('start-up footprint', () => {
  it('the API and the worker load neither ECharts nor the OpenTelemetry SDK at start-up', () => {
    for (const entry of ['apps/api/src/api.factory.js', 'apps/worker/src/worker.module.js']) {
      const loaded = loadedBy(entry);
      // The module graph really was loaded (a wrong path would pass vacuously).
      expect(loaded).toEqual(expect.arrayContaining(['@nestjs/core', 'typeorm']));
      expect(loaded.filter((m) => m.startsWith('echarts') || m.startsWith('zrender'))).toEqual([]);
      expect(loaded.filter((m) => /^@opentelemetry\/(sdk-|exporter-|resources)/.test(m))).toEqual([]);
    }
  });

  // Charts still draw (the reports tests fetch every chart); the SDK still loads when configured:
  it('loads the OpenTelemetry SDK once an OTLP endpoint is configured', () => {
    const tracing = `m.startTracing('labgate-api', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' });`;
    expect(loadedBy('libs/core/src/index.js', tracing)).toEqual(expect.arrayContaining(['@opentelemetry/sdk-trace-node', '@opentelemetry/exporter-trace-otlp-http']));
  });
});
