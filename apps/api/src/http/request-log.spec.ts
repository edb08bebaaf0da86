import { Writable } from 'node:stream';
import Fastify, { FastifyInstance } from 'fastify';
import pino from 'pino';
import { requestLogger } from './request-log';

type Line = { msg: string; req?: Record<string, string>; res?: { statusCode: number }; level: number };

/** A Fastify app whose first hook is the request logger, writing into `lines`, at `level`. */
function appLoggingAt(level: string): { app: FastifyInstance; lines: Line[] } {
  const lines: Line[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Line);
      done();
    },
  });
  const log = requestLogger(pino({ level }, stream));
  let next = 0;
  const app = Fastify({ genReqId: () => `req-${++next}` });
  apps.push(app);
  app.addHook('onRequest', (request, reply, done) => {
    log(request, reply);
    done();
  });
  app.get('/health/live', async () => ({ status: 'ok' }));
  app.get('/health/ready', async () => ({ status: 'ok' }));
  app.get('/v1/pilots/:id', async () => ({ id: 'p' }));
  app.get('/admin/queues', async (_request, reply) => reply.code(303).header('location', '/admin/queues/').send());
  app.get('/boom', async () => {
    throw new Error('boom');
  });
  return { app, lines };
}

/**
 * A request over a real socket (Fastify's inject needs an ES module Jest cannot load here); the
 * line is written when the response finishes, so this waits for the server side to finish too.
 */
async function send(app: FastifyInstance, url: string, headers: Record<string, string> = {}): Promise<number> {
  if (!app.server.listening) await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  const res = await fetch(`http://127.0.0.1:${port}${url}`, { headers, redirect: 'manual' });
  await res.arrayBuffer();
  await new Promise((resolve) => setTimeout(resolve, 20));
  return res.status;
}

const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

describe('request log', () => {
  it('writes one line per request at info: its id, method, URL and status, never a header', async () => {
    const { app, lines } = appLoggingAt('info');
    expect(await send(app, '/v1/pilots/42?include=x', { authorization: 'Bearer lg_secret', cookie: 'labgate_admin=s' })).toBe(200);
    expect(lines).toEqual([expect.objectContaining({ level: 30, msg: 'request completed', req: { id: 'req-1', method: 'GET', url: '/v1/pilots/42?include=x' }, res: expect.objectContaining({ statusCode: 200 }) })]);
    expect(JSON.stringify(lines)).not.toMatch(/lg_secret|labgate_admin/);
  });

  it('redacts the queue dashboard’s one-time token from the URL', async () => {
    const { app, lines } = appLoggingAt('info');
    expect(await send(app, '/admin/queues?token=lg_once&x=1')).toBe(303);
    expect(lines.map((l) => l.req?.url)).toEqual(['/admin/queues?token=[redacted]&x=1']);
  });

  it('says "request errored" for a 5xx', async () => {
    const { app, lines } = appLoggingAt('info');
    expect(await send(app, '/boom')).toBe(500);
    expect(lines.map((l) => [l.msg, l.res?.statusCode])).toEqual([['request errored', 500]]);
  });

  it('leaves out the health probes, and logs unrouted paths', async () => {
    const { app, lines } = appLoggingAt('info');
    await send(app, '/health/live');
    await send(app, '/health/ready');
    await send(app, '/nowhere');
    expect(lines.map((l) => [l.req?.url, l.res?.statusCode])).toEqual([['/nowhere', 404]]);
  });

  it('sets nothing up below info: no line, no per-request logger', async () => {
    const { app, lines } = appLoggingAt('warn');
    let attached: unknown = 'unset';
    app.addHook('preHandler', (request, _reply, done) => {
      attached = (request.raw as { log?: unknown }).log;
      done();
    });
    expect(await send(app, '/v1/pilots/42')).toBe(200);
    expect(await send(app, '/boom')).toBe(500);
    expect({ lines, attached }).toEqual({ lines: [], attached: undefined });
  });
});
