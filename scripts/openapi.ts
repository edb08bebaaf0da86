/**
 * `npm run openapi`: brings the committed contract up to date with the code, in two steps.
 *
 *   node dist/scripts/openapi.js metadata [outDir]  → apps/api/src/metadata.ts: what the
 *     @nestjs/swagger CLI plugin reads from the DTOs and controllers (types, optionality, the
 *     class-validator constraints, doc comments), generated rather than written twice.
 *   node dist/scripts/openapi.js document [file]    → openapi.json: the document the built API
 *     serves, written with sorted keys so that a diff shows what changed.
 *     Also regenerates the typed client's types (libs/client/src/schema.ts, openapi-typescript).
 *   node dist/scripts/openapi.js check              → exits 1 when apps/api/src/metadata.ts is
 *     not what the sources generate, or libs/client/src/schema.ts not what openapi.json does.
 *
 * `npm test` checks both for drift and lints the document with Redocly.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** npm runs scripts from the repository's root. */
const ROOT = process.cwd();
export const METADATA_FILE = path.join(ROOT, 'apps/api/src/metadata.ts');
export const DOCUMENT_FILE = path.join(ROOT, 'openapi.json');
export const CLIENT_SCHEMA_FILE = path.join(ROOT, 'libs/client/src/schema.ts');

/** The typed client's schema, as openapi-typescript writes it from `document`. */
export function generateClientSchema(document: string, outFile: string): string {
  const cli = path.join(ROOT, 'node_modules/openapi-typescript/bin/cli.js');
  const run = spawnSync(process.execPath, [cli, document, '-o', outFile], { cwd: ROOT, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`openapi-typescript failed: ${run.stderr}`);
  return readFileSync(outFile, 'utf8');
}

/** Generates the plugin metadata for apps/api into `outDir` and returns the file's text. */
export async function generateMetadata(outDir: string): Promise<string> {
  // Development tools, loaded only when this runs.
  const { PluginMetadataGenerator } = await import('@nestjs/cli/lib/compiler/plugins/plugin-metadata-generator.js');
  const { ReadonlyVisitor } = await import('@nestjs/swagger/plugin');
  new PluginMetadataGenerator().generate({
    visitors: [
      new ReadonlyVisitor({
        introspectComments: true,
        classValidatorShim: true,
        pathToSource: path.join(ROOT, 'apps/api/src'),
        dtoFileNameSuffix: ['.dto.ts'],
        controllerFileNameSuffix: ['.controller.ts'],
      }),
    ],
    outputDir: outDir,
    tsconfigPath: 'tsconfig.json',
    filename: 'metadata.ts',
    printDiagnostics: false,
  });
  return readFileSync(path.join(outDir, 'metadata.ts'), 'utf8');
}

/** JSON with every object's keys sorted: stable across runs, readable in a diff. */
export function stableJson(value: unknown): string {
  const sort = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(sort) : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sort((v as Record<string, unknown>)[k])])) : v;
  return `${JSON.stringify(sort(value), null, 2)}\n`;
}

async function main(): Promise<void> {
  const [step, target] = process.argv.slice(2);
  if (step === 'metadata') {
    // The imports it writes are relative to apps/api/src, wherever the file goes.
    await generateMetadata(target ?? path.dirname(METADATA_FILE));
    console.log(`wrote ${path.join(target ?? path.dirname(METADATA_FILE), 'metadata.ts')}`);
  } else if (step === 'check') {
    const temp = mkdtempSync(path.join(tmpdir(), 'labgate-metadata-'));
    try {
      if ((await generateMetadata(temp)) !== readFileSync(METADATA_FILE, 'utf8')) {
        console.error(`${METADATA_FILE} is not what the DTOs and controllers generate: run npm run openapi`);
        process.exitCode = 1;
      }
      if (generateClientSchema(DOCUMENT_FILE, path.join(temp, 'schema.ts')) !== readFileSync(CLIENT_SCHEMA_FILE, 'utf8')) {
        console.error(`${CLIENT_SCHEMA_FILE} is not what openapi.json generates: run npm run openapi`);
        process.exitCode = 1;
      }
    } finally {
      rmSync(temp, { recursive: true, force: true });
    }
  } else if (step === 'document') {
    const { createApiApp } = await import('../apps/api/src/api.factory.js');
    const app = await createApiApp();
    await app.init();
    const res = await app.getHttpAdapter().getInstance().inject({ method: 'GET', url: '/docs-json' });
    await app.close();
    writeFileSync(target ?? DOCUMENT_FILE, stableJson(JSON.parse(res.body)));
    console.log(`wrote ${target ?? DOCUMENT_FILE}`);
    if (!target) {
      generateClientSchema(DOCUMENT_FILE, CLIENT_SCHEMA_FILE);
      console.log(`wrote ${CLIENT_SCHEMA_FILE}`);
    }
  } else {
    throw new Error('usage: openapi.js metadata [outDir] | document [file] | check');
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
