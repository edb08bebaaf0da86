import { DomainError, DomainErrorCode } from './errors';
import { STAGES } from './stages';
import { SubmissionInput, validateSubmission } from './submission';

function valid(override: Partial<SubmissionInput> = {}): SubmissionInput {
  return {
    stage: 'proposal',
    trl: 4,
    examResults: [
      { exam: 'mid-term', actual: 'precision 0.91', passed: true },
      { exam: 'final', actual: 'not yet run', passed: false },
    ],
    examNames: ['mid-term', 'final'],
    trancheCents: 50_000_00,
    budgetRequestedCents: 200_000_00,
    committedCents: 100_000_00,
    report: 'Prototype meets the mid-term exam.',
    ...override,
  };
}

function thrown(input: SubmissionInput): DomainError {
  let caught: unknown;
  try {
    validateSubmission(input);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(DomainError);
  return caught as DomainError;
}

function invalidFields(input: SubmissionInput): string[] {
  const error = thrown(input);
  expect(error.code).toBe('SUBMISSION.INVALID');
  return (error.details ?? []).map((problem) => problem.field);
}

describe('validateSubmission: stage', () => {
  it.each(
    STAGES.map((stage): [string, DomainErrorCode | 'ok'] => [
      stage,
      stage === 'abandoned' ? 'PILOT.WRONG_STATE' : stage === 'accelerated' ? 'PILOT.WRONG_STATE' : 'ok',
    ]),
  )('a pilot in %s → %s', (stage, expected) => {
    const input = valid({ stage: stage as SubmissionInput['stage'] });
    if (expected === 'ok') {
      expect(() => validateSubmission(input)).not.toThrow();
    } else {
      expect(thrown(input).code).toBe(expected);
    }
  });

  it('reports the stage before any field problem', () => {
    expect(thrown(valid({ stage: 'abandoned', trl: 0, report: '' })).code).toBe('PILOT.WRONG_STATE');
    expect(thrown(valid({ stage: 'accelerated', trl: 0, report: '' })).code).toBe('PILOT.WRONG_STATE');
  });
});

describe('validateSubmission: fields', () => {
  it.each([1, 5, 9])('accepts TRL %p', (trl) => {
    expect(() => validateSubmission(valid({ trl }))).not.toThrow();
  });

  it.each([0, 10, 4.5, -1, Number.NaN])('rejects TRL %p', (trl) => {
    expect(invalidFields(valid({ trl }))).toEqual(['trl']);
  });

  it('accepts no exam results and a subset of the exams', () => {
    expect(() => validateSubmission(valid({ examResults: [] }))).not.toThrow();
    expect(() =>
      validateSubmission(valid({ examResults: [{ exam: 'final', actual: 'done', passed: true }] })),
    ).not.toThrow();
  });

  it('rejects an exam the pilot does not have', () => {
    const examResults = [{ exam: 'viva', actual: 'x', passed: true }];
    expect(invalidFields(valid({ examResults }))).toEqual(['examResults[0].exam']);
  });

  it('rejects an exam reported twice, pointing at the repeat', () => {
    const examResults = [
      { exam: 'final', actual: 'a', passed: true },
      { exam: 'mid-term', actual: 'b', passed: true },
      { exam: 'final', actual: 'c', passed: false },
    ];
    expect(invalidFields(valid({ examResults }))).toEqual(['examResults[2].exam']);
  });

  it('rejects malformed exam results', () => {
    const examResults = [{ exam: 'final', actual: 3, passed: 'yes' }] as unknown as SubmissionInput['examResults'];
    expect(invalidFields(valid({ examResults }))).toEqual(['examResults[0].actual', 'examResults[0].passed']);
    expect(invalidFields(valid({ examResults: 'none' as unknown as SubmissionInput['examResults'] }))).toEqual([
      'examResults',
    ]);
  });

  it.each([
    ['zero', 0],
    ['the whole remaining request', 100_000_00],
  ])('accepts a tranche of %s', (_label, trancheCents) => {
    expect(() => validateSubmission(valid({ trancheCents }))).not.toThrow();
  });

  it('refuses a tranche one cent over the remaining request as a broken rule, not a field error', () => {
    const error = thrown(valid({ trancheCents: 100_000_01 }));
    expect(error.code).toBe('SUBMISSION.TRANCHE_EXCEEDS_REQUEST');
    expect(error.details).toEqual([{ field: 'trancheCents', message: 'must be at most 10000000' }]);
  });

  it.each([
    ['negative', -1],
    ['fractional', 10.5],
    ['not a number', Number.NaN],
  ])('rejects a tranche %s', (_label, trancheCents) => {
    expect(invalidFields(valid({ trancheCents }))).toEqual(['trancheCents']);
  });

  it('allows only a zero tranche once the request is fully or over committed', () => {
    expect(() => validateSubmission(valid({ committedCents: 200_000_00, trancheCents: 0 }))).not.toThrow();
    expect(() => validateSubmission(valid({ committedCents: 250_000_00, trancheCents: 0 }))).not.toThrow();
    expect(thrown(valid({ committedCents: 200_000_00, trancheCents: 1 })).code).toBe('SUBMISSION.TRANCHE_EXCEEDS_REQUEST');
  });

  it.each(['', '   ', '\n'])('rejects a blank report %j', (report) => {
    expect(invalidFields(valid({ report }))).toEqual(['report']);
  });

  it('reports every field problem at once, before the tranche rule', () => {
    const input = valid({
      trl: 12,
      examResults: [
        { exam: 'nope', actual: 'x', passed: true },
        { exam: 'final', actual: 'y', passed: true },
        { exam: 'final', actual: 'z', passed: true },
      ],
      trancheCents: 999_999_999_99,
      report: ' ',
    });
    expect(invalidFields(input)).toEqual([
      'trl',
      'examResults[0].exam',
      'examResults[2].exam',
      'report',
    ]);
  });
});
