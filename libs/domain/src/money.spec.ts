import { DomainError, DomainErrorCode } from './errors';
import { assertCents, checkCommit, checkSpend, formatEuro, remainingCents } from './money';

function codeOf(fn: () => unknown): DomainErrorCode {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(DomainError);
  return (caught as DomainError).code;
}

const INVALID_CENTS: Array<[string, unknown]> = [
  ['negative', -1],
  ['fractional', 10.5],
  ['NaN', Number.NaN],
  ['infinite', Number.POSITIVE_INFINITY],
  ['unsafe', Number.MAX_SAFE_INTEGER + 1],
  ['a string', '100'],
  ['null', null],
];

describe('assertCents', () => {
  it.each([0, 1, 123456, Number.MAX_SAFE_INTEGER])('accepts %p and returns it', (value) => {
    expect(assertCents(value, 'amountCents')).toBe(value);
  });

  it.each(INVALID_CENTS)('rejects %s naming the field', (_label, value) => {
    let caught: unknown;
    try {
      assertCents(value as number, 'amountCents');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(DomainError);
    expect((caught as DomainError).code).toBe('MONEY.INVALID');
    expect((caught as DomainError).details?.[0].field).toBe('amountCents');
  });
});

describe('remainingCents', () => {
  it.each([
    [1000, 0, 1000],
    [1000, 400, 600],
    [1000, 1000, 0],
  ])('envelope %p committed %p → %p', (envelope, committed, remaining) => {
    expect(remainingCents(envelope, committed)).toBe(remaining);
  });

  it('validates both amounts', () => {
    expect(codeOf(() => remainingCents(-1, 0))).toBe('MONEY.INVALID');
    expect(codeOf(() => remainingCents(100, 0.5))).toBe('MONEY.INVALID');
  });
});

describe('checkCommit', () => {
  it.each([
    [1000, 0, 1000, 1000],
    [1000, 400, 600, 1000],
    [1000, 400, 0, 400],
    [Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER - 1, 1, Number.MAX_SAFE_INTEGER],
  ])('envelope %p committed %p tranche %p → committed %p', (envelopeCents, committedCents, trancheCents, after) => {
    expect(checkCommit({ envelopeCents, committedCents, trancheCents })).toBe(after);
  });

  it.each([
    [1000, 400, 601],
    [1000, 1000, 1],
    [0, 0, 1],
    [Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  ])('refuses envelope %p committed %p tranche %p', (envelopeCents, committedCents, trancheCents) => {
    expect(codeOf(() => checkCommit({ envelopeCents, committedCents, trancheCents }))).toBe('BUDGET.ENVELOPE_EXCEEDED');
  });

  it('explains the refusal in euro', () => {
    let caught: unknown;
    try {
      checkCommit({ envelopeCents: 100_000_00, committedCents: 99_000_00, trancheCents: 2_000_00 });
    } catch (error) {
      caught = error;
    }
    expect((caught as DomainError).message).toContain('€1,000.00');
  });

  it.each(['envelopeCents', 'committedCents', 'trancheCents'])('rejects an invalid %s as MONEY.INVALID', (field) => {
    const input = { envelopeCents: 1000, committedCents: 0, trancheCents: 10, [field]: 1.5 };
    expect(codeOf(() => checkCommit(input))).toBe('MONEY.INVALID');
  });
});

describe('checkSpend', () => {
  it.each([
    [1000, 0, 1000, 1000],
    [1000, 999, 1, 1000],
    [1000, 200, 0, 200],
  ])('committed %p spent %p amount %p → spent %p', (committedCents, spentCents, amountCents, after) => {
    expect(checkSpend({ committedCents, spentCents, amountCents })).toBe(after);
  });

  it.each([
    [1000, 1000, 1],
    [1000, 0, 1001],
    [0, 0, 1],
  ])('refuses committed %p spent %p amount %p', (committedCents, spentCents, amountCents) => {
    expect(codeOf(() => checkSpend({ committedCents, spentCents, amountCents }))).toBe('SPEND.OVER_COMMITTED');
  });

  it.each(['committedCents', 'spentCents', 'amountCents'])('rejects an invalid %s as MONEY.INVALID', (field) => {
    const input = { committedCents: 1000, spentCents: 0, amountCents: 10, [field]: -5 };
    expect(codeOf(() => checkSpend(input))).toBe('MONEY.INVALID');
  });
});

describe('formatEuro', () => {
  it.each([
    [0, '€0.00'],
    [5, '€0.05'],
    [99, '€0.99'],
    [100, '€1.00'],
    [123456, '€1,234.56'],
    [100000000, '€1,000,000.00'],
    [123456789012, '€1,234,567,890.12'],
    [-123456, '-€1,234.56'],
    [Number.MAX_SAFE_INTEGER, '€90,071,992,547,409.91'],
  ])('formats %p cents as %s', (cents, text) => {
    expect(formatEuro(cents)).toBe(text);
  });

  it.each([1.5, Number.NaN, Number.POSITIVE_INFINITY])('refuses %p', (cents) => {
    expect(codeOf(() => formatEuro(cents))).toBe('MONEY.INVALID');
  });
});
