import { DomainError, DomainErrorCode } from './errors';
import {
  GATES,
  OUTCOMES,
  Outcome,
  STAGES,
  Stage,
  allowedOutcomes,
  applyOutcome,
  gateForStage,
  isGate,
  isOutcome,
  isOutcomeAllowed,
  isStage,
  isTerminal,
  stageAfterGo,
  withdraw,
} from './stages';

function expectDomainError(fn: () => unknown, code: DomainErrorCode): DomainError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(DomainError);
  expect((caught as DomainError).code).toBe(code);
  return caught as DomainError;
}

type Expected = Stage | DomainErrorCode;

// The whole transition table, written out so a change to the machine has to change this too.
const TRANSITIONS: Record<Stage, Record<Outcome, Expected>> = {
  proposal: {
    fund: 'funded',
    test: 'GATE.OUTCOME_INVALID',
    accelerate: 'GATE.OUTCOME_INVALID',
    revise: 'proposal',
    abandon: 'abandoned',
  },
  funded: {
    fund: 'GATE.OUTCOME_INVALID',
    test: 'testing',
    accelerate: 'GATE.OUTCOME_INVALID',
    revise: 'funded',
    abandon: 'abandoned',
  },
  testing: {
    fund: 'GATE.OUTCOME_INVALID',
    test: 'GATE.OUTCOME_INVALID',
    accelerate: 'accelerated',
    revise: 'testing',
    abandon: 'abandoned',
  },
  accelerated: {
    fund: 'PILOT.WRONG_STATE',
    test: 'PILOT.WRONG_STATE',
    accelerate: 'PILOT.WRONG_STATE',
    revise: 'PILOT.WRONG_STATE',
    abandon: 'PILOT.WRONG_STATE',
  },
  abandoned: {
    fund: 'PILOT.WRONG_STATE',
    test: 'PILOT.WRONG_STATE',
    accelerate: 'PILOT.WRONG_STATE',
    revise: 'PILOT.WRONG_STATE',
    abandon: 'PILOT.WRONG_STATE',
  },
};

const crossProduct = STAGES.flatMap((stage) =>
  OUTCOMES.map((outcome) => [stage, outcome, TRANSITIONS[stage][outcome]] as const),
);

describe('stage machine constants', () => {
  it('lists every stage, gate and outcome once', () => {
    expect(STAGES).toEqual(['proposal', 'funded', 'testing', 'accelerated', 'abandoned']);
    expect(GATES).toEqual(['fund', 'test', 'accelerate']);
    expect(OUTCOMES).toEqual(['fund', 'test', 'accelerate', 'revise', 'abandon']);
    expect(crossProduct).toHaveLength(STAGES.length * OUTCOMES.length);
  });

  it.each([
    ['proposal', 'fund'],
    ['funded', 'test'],
    ['testing', 'accelerate'],
    ['accelerated', null],
    ['abandoned', null],
  ] as const)('gateForStage(%s) is %s', (stage, gate) => {
    expect(gateForStage(stage)).toBe(gate);
  });

  it.each([
    ['fund', 'funded'],
    ['test', 'testing'],
    ['accelerate', 'accelerated'],
  ] as const)('gate %s leads to %s on go', (gate, next) => {
    expect(stageAfterGo(gate)).toBe(next);
  });

  it.each(GATES)('allowedOutcomes(%s) is its go word, revise and abandon', (gate) => {
    expect(allowedOutcomes(gate)).toEqual([gate, 'revise', 'abandon']);
    for (const outcome of OUTCOMES) {
      expect(isOutcomeAllowed(gate, outcome)).toBe(allowedOutcomes(gate).includes(outcome));
    }
  });

  it('returns a fresh array from allowedOutcomes so callers cannot corrupt it', () => {
    const first = allowedOutcomes('fund');
    first.push('test');
    expect(allowedOutcomes('fund')).toEqual(['fund', 'revise', 'abandon']);
  });

  it.each(STAGES)('isTerminal(%s) is true only for abandoned', (stage) => {
    expect(isTerminal(stage)).toBe(stage === 'abandoned');
  });

  it('type guards accept the vocabulary and reject anything else', () => {
    expect(STAGES.every(isStage)).toBe(true);
    expect(GATES.every(isGate)).toBe(true);
    expect(OUTCOMES.every(isOutcome)).toBe(true);
    for (const junk of ['', 'Proposal', 'go', 'approve', null, undefined, 3, {}]) {
      expect(isStage(junk)).toBe(false);
      expect(isGate(junk)).toBe(false);
      expect(isOutcome(junk)).toBe(false);
    }
  });
});

describe('applyOutcome over every stage × outcome', () => {
  it.each(crossProduct)('%s + %s → %s', (stage, outcome, expected) => {
    if (isStage(expected)) {
      expect(applyOutcome(stage, outcome)).toBe(expected);
    } else {
      expectDomainError(() => applyOutcome(stage, outcome), expected);
    }
  });

  it('refuses an outcome outside the vocabulary', () => {
    expectDomainError(() => applyOutcome('proposal', 'approve' as Outcome), 'GATE.OUTCOME_INVALID');
  });

  it('names the allowed outcomes when refusing another gate’s go word', () => {
    const error = expectDomainError(() => applyOutcome('funded', 'fund'), 'GATE.OUTCOME_INVALID');
    expect(error.message).toContain('test, revise, abandon');
  });
});

describe('withdraw', () => {
  const lessons = 'The vendor could not meet the latency target.';

  it.each(STAGES.filter((stage) => stage !== 'abandoned'))('abandons a pilot in %s', (stage) => {
    expect(withdraw(stage, lessons)).toBe('abandoned');
  });

  it.each(['', ' ', '\n\t  '])('requires lessons learned (given %j)', (blank) => {
    const error = expectDomainError(() => withdraw('funded', blank), 'PILOT.LESSONS_REQUIRED');
    expect(error.details).toEqual([{ field: 'lessonsLearned', message: 'must not be blank' }]);
  });

  it('refuses lessons that are not a string', () => {
    expectDomainError(() => withdraw('testing', undefined as unknown as string), 'PILOT.LESSONS_REQUIRED');
  });

  it('refuses an already abandoned pilot, even with lessons', () => {
    expectDomainError(() => withdraw('abandoned', lessons), 'PILOT.WRONG_STATE');
  });

  it('reports the terminal state before missing lessons', () => {
    expectDomainError(() => withdraw('abandoned', ''), 'PILOT.WRONG_STATE');
  });
});
