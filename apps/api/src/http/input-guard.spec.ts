import fc from 'fast-check';
import { inputProblems, installInputGuard, MAX_DEPTH } from './input-guard';

const BAD = ['\u0000', '\u0001', '\u0008', '\u000B', '\u000C', '\r', '\u001B', '\u001F', '\ud800', '\udfff'];

describe('inputProblems', () => {
  it('finds a NUL, a lone surrogate or a C0 control anywhere, naming its path', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.constantFrom(...BAD), (before, after, bad) => {
        const body = { title: 'ok', heilmeier: { exams: [{ name: 'fine' }, { metric: before + bad + after }] } };
        const problems = inputProblems('', body);
        expect(problems.map((p) => p.field)).toContain('heilmeier.exams[1].metric');
      }),
    );
  });

  it('admits every well-formed string without controls, tab and newline included', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (s) => {
        // eslint-disable-next-line no-control-regex -- dropping the controls the guard refuses
        const clean = s.replace(/[\u0000-\u0008\u000B-\u001F]/g, '') + '\t\n🛂';
        const key = Array.from(clean).slice(0, 5).join('') || 'k';
        expect(inputProblems('', { a: [clean], [key]: clean })).toEqual([]);
      }),
    );
  });

  it('refuses prototype keys and nesting deeper than the limit', () => {
    expect(inputProblems('', JSON.parse('{"__proto__":{"admin":true}}'))).toEqual([{ field: '__proto__', message: 'is not an allowed property name' }]);
    expect(inputProblems('', { a: { constructor: 1 } })).toEqual([{ field: 'a.constructor', message: 'is not an allowed property name' }]);
    for (const name of ['toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf', 'propertyIsEnumerable', 'toLocaleString', '__defineGetter__', '__lookupSetter__']) {
      expect(inputProblems('', JSON.parse(`{"trl":{"${name}":"x"}}`))).toEqual([{ field: `trl.${name}`, message: 'is not an allowed property name' }]);
    }
    expect(inputProblems('', { tostring: 1, value: 2, own: 3 })).toEqual([]);
    let deep: unknown = 1;
    for (let i = 0; i < MAX_DEPTH + 2; i++) deep = [deep];
    expect(inputProblems('', deep)[0]!.message).toMatch(/deeper than/);
    let ok: unknown = 1;
    for (let i = 0; i < MAX_DEPTH; i++) ok = { a: ok };
    expect(inputProblems('', ok)).toEqual([]);
  });

  it('refuses numbers JSON.parse made infinite, and admits every finite one', () => {
    expect(inputProblems('', JSON.parse('{"amountCents":1e400,"n":[-1e400]}'))).toEqual([
      { field: 'amountCents', message: 'is a number too large to represent' },
      { field: 'n[0]', message: 'is a number too large to represent' },
    ]);
    fc.assert(fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (n) => expect(inputProblems('', { n })).toEqual([])));
  });
});

describe('installInputGuard', () => {
  it('admits a request with nothing to check, and refuses a bad string in each place the walk skips when empty', async () => {
    // A real Fastify server: the hook decides from what Fastify parsed (params, query, body).
    const fastify = (await import('fastify')).default();
    installInputGuard(fastify, (_request, reply, err) => void reply.code(400).send({ refused: String((err as Error).message) }));
    fastify.get('/plain', async () => ({ ok: true }));
    fastify.get('/things/:id', async () => ({ ok: true }));
    fastify.post('/things', async () => ({ ok: true }));
    const base = await fastify.listen({ port: 0, host: '127.0.0.1' });
    const status = async (path: string, body?: unknown) =>
      (await fetch(`${base}${path}`, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).status;
    try {
      expect(await status('/plain')).toBe(200);
      expect(await status('/plain?')).toBe(200);
      expect(await status('/plain?q=%00')).toBe(400);
      expect(await status('/plain?%01=x')).toBe(400);
      expect(await status('/things/a%00b')).toBe(400);
      expect(await status('/things/ab')).toBe(200);
      expect(await status('/things', { t: 'x\u0000' })).toBe(400);
      expect(await status('/things', { t: 'x' })).toBe(200);
    } finally {
      await fastify.close();
    }
  });
});
