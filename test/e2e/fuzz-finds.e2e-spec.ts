import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'pg';
import { dropDatabase, ensureDatabase } from '@labgate/persistence';
import { operationsOf, runFuzzer, type OpenApiDocument } from '../fuzz/openapi-fuzzer';

/**
 * The fuzzer is only worth its green run if it would have caught the defects it exists for.
 * Here it meets a server that has them — a 5xx on NUL, a lone surrogate stored, an error that is
 * not a problem, a refusal that writes anyway — and must name every one.
 */
describe('the OpenAPI fuzzer against a server with known defects', () => {
  const databaseUrl = (() => {
    const url = new URL(process.env.DATABASE_URL!);
    url.pathname = `${url.pathname}_fuzzcheck`;
    return url.toString();
  })();
  let db: Pool;
  let server: Server;
  let url: string;

  const document: OpenApiDocument = {
    paths: {
      '/things': {
        post: {
          operationId: 'createThing',
          requestBody: {
            content: {
              'application/json': {
                schema: { $ref: '#/components/schemas/Thing' },
              },
            },
          },
        },
        get: { operationId: 'listThings', parameters: [{ name: 'cursor', in: 'query', schema: { type: 'string' } }] },
      },
      '/things/{id}': { get: { operationId: 'getThing', parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }] } },
    },
    components: { schemas: { Thing: { type: 'object', properties: { name: { type: 'string' }, size: { type: 'number' }, tags: { type: 'array', items: { type: 'string' } } } } } },
  };

  beforeAll(async () => {
    await ensureDatabase(databaseUrl);
    db = new Pool({ connectionString: databaseUrl, max: 2 });
    await db.query('create table if not exists things (body text)');
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const problem = (status: number) => {
          res.writeHead(status, { 'content-type': 'application/problem+json', 'x-request-id': 'r1' });
          res.end(JSON.stringify({ type: 'about:blank', title: 'Bad', status, detail: 'bad', code: 'X', correlationId: 'r1' }));
        };
        if (body.includes('\\u0000')) {
          res.writeHead(500).end('invalid byte sequence for encoding "UTF8": 0x00');
        } else if (/\\ud[89ab]/i.test(body)) {
          res.writeHead(201, { 'content-type': 'application/json' }).end('{}');
        } else if ((req.url ?? '').includes('%zz')) {
          res.writeHead(400, { 'content-type': 'application/json' }).end('{"message":"bad url"}');
        } else if (body.includes('1e400')) {
          void db.query('insert into things values ($1)', [body.slice(0, 100)]).then(() => problem(400));
        } else {
          problem(400);
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await db.end();
    await dropDatabase(databaseUrl);
  });

  it('reports the 5xx, the accepted lone surrogate, the error that is not a problem and the refusal that wrote', async () => {
    const fixtures = { pilot: 'p', programme: 'g', review: 'r', assignment: 'a', webhook: 'w', delivery: 'd', user: 'u', agency: 'EUROPOL' };
    const report = await runFuzzer({ url, db, tokens: {}, fixtures }, operationsOf(document), { requests: 600, seed: 7 });
    const kinds = {
      serverError: report.failures.some((f) => f.includes('→ 500')),
      acceptedSurrogate: report.failures.some((f) => f.includes('was accepted')),
      notAProblem: report.failures.some((f) => f.includes('not a proper problem: content-type application/json')),
      wroteOnRefusal: report.failures.some((f) => f.includes('but the database changed')),
    };
    expect(kinds).toEqual({ serverError: true, acceptedSurrogate: true, notAProblem: true, wroteOnRefusal: true });
    // The same seed sends the same requests: the report is reproducible.
    await db.query('truncate things');
    const again = await runFuzzer({ url, db, tokens: {}, fixtures }, operationsOf(document), { requests: 600, seed: 7 });
    expect(again.byOperation).toEqual(report.byOperation);
  });
});
