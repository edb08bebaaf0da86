import fc from 'fast-check';
import { formatPilotCode, parsePilotCode } from './pilot-code';

describe('formatPilotCode', () => {
  it.each([
    [2026, 7, 'JIL-2026-0007'],
    [2026, 1, 'JIL-2026-0001'],
    [2027, 123, 'JIL-2027-0123'],
    [2026, 9999, 'JIL-2026-9999'],
    [2026, 10000, 'JIL-2026-10000'],
    [2030, 123456, 'JIL-2030-123456'],
  ])('(%p, %p) → %s', (year, n, code) => {
    expect(formatPilotCode(year, n)).toBe(code);
  });

  it.each([
    [999, 1],
    [10000, 1],
    [2026.5, 1],
    [2026, 0],
    [2026, -3],
    [2026, 1.5],
    [2026, Number.NaN],
  ])('refuses year %p number %p', (year, n) => {
    expect(() => formatPilotCode(year, n)).toThrow(RangeError);
  });
});

describe('parsePilotCode', () => {
  it.each([
    ['JIL-2026-0007', { year: 2026, n: 7 }],
    ['JIL-2027-9999', { year: 2027, n: 9999 }],
    ['JIL-2026-10000', { year: 2026, n: 10000 }],
  ])('parses %s', (code, parts) => {
    expect(parsePilotCode(code)).toEqual(parts);
  });

  it.each([
    'JIL-2026-7',
    'JIL-2026-007',
    'JIL-2026-00007',
    'JIL-2026-0000',
    'jil-2026-0007',
    'JIL-26-0007',
    'ABC-2026-0007',
    ' JIL-2026-0007',
    'JIL-2026-0007 ',
    'JIL-2026-0007\n',
    'JIL-2026--007',
    'JIL-0999-0001',
    '',
  ])('refuses the non-canonical %j', (code) => {
    expect(parsePilotCode(code)).toBeNull();
  });

  it('refuses a value that is not a string', () => {
    expect(parsePilotCode(7 as unknown as string)).toBeNull();
  });

  it('inverts formatPilotCode (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1000, max: 9999 }), fc.integer({ min: 1, max: 10_000_000 }), (year, n) => {
        expect(parsePilotCode(formatPilotCode(year, n))).toEqual({ year, n });
      }),
    );
  });
});
