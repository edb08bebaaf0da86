import fc from 'fast-check';
import { inputProblems, MAX_DEPTH } from './input-guard';

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
