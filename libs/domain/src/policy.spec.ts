import { DomainError } from './errors';
import { DEFAULT_POLICY, GatePolicy, defaultPolicy, validatePolicy } from './policy';

function validationFields(input: unknown): string[] {
  let caught: unknown;
  try {
    validatePolicy(input as GatePolicy);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(DomainError);
  expect((caught as DomainError).code).toBe('POLICY.INVALID');
  return ((caught as DomainError).details ?? []).map((problem) => problem.field);
}

function withOverride(override: Record<string, unknown>): unknown {
  return { ...defaultPolicy(), ...override };
}

function withThresholds(override: Record<string, unknown>): unknown {
  const policy = defaultPolicy();
  return { ...policy, thresholds: { ...policy.thresholds, ...override } };
}

describe('default policy', () => {
  it('holds the documented defaults', () => {
    expect(defaultPolicy()).toEqual({
      slaHours: 240,
      reminderHoursBeforeDue: 48,
      quorum: 1,
      rule: 'majority',
      vetoSeats: ['data-protection', 'funding'],
      thresholds: { excellence: 3, impact: 3, implementation: 3, total: 10 },
      maxRounds: 2,
    });
    expect(DEFAULT_POLICY).toEqual(defaultPolicy());
  });

  it('is deeply frozen', () => {
    expect(Object.isFrozen(DEFAULT_POLICY)).toBe(true);
    expect(Object.isFrozen(DEFAULT_POLICY.thresholds)).toBe(true);
    expect(Object.isFrozen(DEFAULT_POLICY.vetoSeats)).toBe(true);
    expect(() => (DEFAULT_POLICY.vetoSeats as string[]).push('x')).toThrow(TypeError);
  });

  it('hands out independent copies', () => {
    const first = defaultPolicy();
    first.vetoSeats.push('EUROPOL');
    first.thresholds.total = 12;
    first.slaHours = 1;
    expect(defaultPolicy()).toEqual(DEFAULT_POLICY);
  });

  it('passes its own validation', () => {
    expect(validatePolicy(defaultPolicy())).toEqual(DEFAULT_POLICY);
  });
});

describe('validatePolicy accepts', () => {
  it.each([
    ['a fractional SLA', { slaHours: 0.5, reminderHoursBeforeDue: 0.25 }],
    ['the longest SLA', { slaHours: 8760 }],
    ['a zero reminder', { reminderHoursBeforeDue: 0 }],
    ['a reminder just under the SLA', { slaHours: 10, reminderHoursBeforeDue: 9.99 }],
    ['the smallest positive quorum', { quorum: 0.01 }],
    ['a quorum of two thirds', { quorum: 2 / 3 }],
    ['the unanimous rule', { rule: 'unanimous' }],
    ['no veto seats', { vetoSeats: [] }],
    ['agency veto seats', { vetoSeats: ['EUROPOL', 'data-protection'] }],
    ['one round', { maxRounds: 1 }],
    ['ten rounds', { maxRounds: 10 }],
  ])('%s', (_label, override) => {
    const input = withOverride(override) as GatePolicy;
    expect(validatePolicy(input)).toEqual(input);
  });

  it.each([
    ['all zero', { excellence: 0, impact: 0, implementation: 0, total: 0 }],
    ['all maximal', { excellence: 5, impact: 5, implementation: 5, total: 15 }],
    ['fractional', { excellence: 2.5, impact: 3.5, implementation: 4, total: 10.5 }],
  ])('thresholds %s', (_label, thresholds) => {
    expect(validatePolicy(withThresholds(thresholds) as GatePolicy).thresholds).toEqual(thresholds);
  });

  it('returns a normalised copy: trimmed veto seats, no stray fields, no shared arrays', () => {
    const input = { ...defaultPolicy(), vetoSeats: ['  funding '], extra: 'dropped' } as unknown as GatePolicy;
    const output = validatePolicy(input);
    expect(output.vetoSeats).toEqual(['funding']);
    expect(output).not.toHaveProperty('extra');
    expect(output).not.toBe(input);
    expect(output.thresholds).not.toBe(input.thresholds);
    output.vetoSeats.push('x');
    expect(input.vetoSeats).toEqual(['  funding ']);
  });
});

describe('validatePolicy rejects', () => {
  it.each([
    ['slaHours', { slaHours: 0 }],
    ['slaHours', { slaHours: -1 }],
    ['slaHours', { slaHours: 8760.5 }],
    ['slaHours', { slaHours: Number.NaN }],
    ['slaHours', { slaHours: Number.POSITIVE_INFINITY }],
    ['slaHours', { slaHours: '240' }],
    ['reminderHoursBeforeDue', { reminderHoursBeforeDue: -0.5 }],
    ['reminderHoursBeforeDue', { reminderHoursBeforeDue: 240 }],
    ['reminderHoursBeforeDue', { reminderHoursBeforeDue: 300 }],
    ['reminderHoursBeforeDue', { reminderHoursBeforeDue: null }],
    ['quorum', { quorum: 0 }],
    ['quorum', { quorum: -0.5 }],
    ['quorum', { quorum: 1.01 }],
    ['quorum', { quorum: Number.NaN }],
    ['rule', { rule: 'plurality' }],
    ['rule', { rule: undefined }],
    ['vetoSeats', { vetoSeats: 'funding' }],
    ['vetoSeats[1]', { vetoSeats: ['funding', 'funding'] }],
    ['vetoSeats[1]', { vetoSeats: ['funding', ' funding'] }],
    ['vetoSeats[0]', { vetoSeats: [''] }],
    ['vetoSeats[0]', { vetoSeats: ['   '] }],
    ['vetoSeats[0]', { vetoSeats: [7] }],
    ['vetoSeats[0]', { vetoSeats: ['bogus'] }],
    ['vetoSeats[1]', { vetoSeats: ['funding', 'Funding'] }],
    ['vetoSeats[0]', { vetoSeats: ['data protection'] }],
    ['maxRounds', { maxRounds: 0 }],
    ['maxRounds', { maxRounds: 11 }],
    ['maxRounds', { maxRounds: 1.5 }],
    ['maxRounds', { maxRounds: '2' }],
    ['thresholds', { thresholds: null }],
    ['thresholds', { thresholds: 3 }],
  ])('%s given %p', (field, override) => {
    expect(validationFields(withOverride(override))).toEqual([field]);
  });

  it.each([
    ['thresholds.excellence', { excellence: -0.5 }],
    ['thresholds.excellence', { excellence: 5.5 }],
    ['thresholds.impact', { impact: Number.NaN }],
    ['thresholds.impact', { impact: '3' }],
    ['thresholds.implementation', { implementation: 6 }],
    ['thresholds.implementation', { implementation: undefined }],
    ['thresholds.total', { total: -1 }],
    ['thresholds.total', { total: 15.5 }],
  ])('%s given %p', (field, override) => {
    expect(validationFields(withThresholds(override))).toEqual([field]);
  });

  it('lists every violated field at once', () => {
    const fields = validationFields({
      slaHours: 0,
      reminderHoursBeforeDue: -1,
      quorum: 2,
      rule: 'x',
      vetoSeats: ['EUROPOL', 'EUROPOL', ''],
      thresholds: { excellence: 9, impact: -1, implementation: 6, total: 16 },
      maxRounds: 0,
    });
    expect(fields).toEqual([
      'slaHours',
      'reminderHoursBeforeDue',
      'quorum',
      'rule',
      'vetoSeats[1]',
      'vetoSeats[2]',
      'thresholds.excellence',
      'thresholds.impact',
      'thresholds.implementation',
      'thresholds.total',
      'maxRounds',
    ]);
  });

  it('does not blame the reminder for an invalid SLA', () => {
    expect(validationFields(withOverride({ slaHours: -5, reminderHoursBeforeDue: 48 }))).toEqual(['slaHours']);
  });

  it('survives input that is not an object', () => {
    expect(validationFields(null)).toEqual(
      expect.arrayContaining(['slaHours', 'quorum', 'rule', 'vetoSeats', 'thresholds', 'maxRounds']),
    );
  });
});
