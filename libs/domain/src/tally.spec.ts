import fc from 'fast-check';
import { DomainError } from './errors';
import { GatePolicy, defaultPolicy } from './policy';
import { GATES, Gate, Outcome, allowedOutcomes } from './stages';
import { CastVote, Scores, TallyInput, TallyResult, isGo, tally, validateScores } from './tally';

const GOOD: Scores = { excellence: 4, impact: 4, implementation: 4 };
const AGENCY_SEATS = ['EUROPOL', 'FRONTEX', 'EUROJUST'];
const FUND_SEATS = [...AGENCY_SEATS, 'data-protection', 'funding'];

function policy(override: Partial<GatePolicy> = {}): GatePolicy {
  return { ...defaultPolicy(), ...override };
}

function vote(seat: string, recommendation: Outcome, scores: Scores = GOOD): CastVote {
  return { seat, recommendation, scores };
}

/** Votes in seat order; '-' leaves the seat without a vote. */
function votesFor(seats: string[], recommendations: Array<Outcome | '-'>, scores: Scores = GOOD): CastVote[] {
  return seats.flatMap((seat, index) =>
    recommendations[index] === '-' ? [] : [vote(seat, recommendations[index] as Outcome, scores)],
  );
}

function fundReview(recommendations: Array<Outcome | '-'>, override: Partial<TallyInput> = {}): TallyInput {
  return {
    gate: 'fund',
    policy: policy(),
    seats: FUND_SEATS,
    votes: votesFor(FUND_SEATS, recommendations),
    round: 1,
    atDeadline: false,
    ...override,
  };
}

function summary(result: TallyResult): { status: string; outcome?: Outcome; reason: string } {
  return result.outcome === undefined
    ? { status: result.status, reason: result.reason }
    : { status: result.status, outcome: result.outcome, reason: result.reason };
}

function tallyError(input: TallyInput): DomainError {
  let caught: unknown;
  try {
    tally(input);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(DomainError);
  expect((caught as DomainError).code).toBe('TALLY.INVALID');
  return caught as DomainError;
}

describe('tally: when it decides', () => {
  it('waits while seats are missing and the deadline has not passed', () => {
    const result = tally(fundReview(['fund', 'fund', '-', 'fund', '-']));
    expect(result).toEqual({
      status: 'pending',
      reason: 'awaiting-votes',
      votesCast: 3,
      seatCount: 5,
      quorumMet: false,
      counts: { fund: 3, revise: 0, abandon: 0 },
      means: { excellence: 4, impact: 4, implementation: 4, total: 12 },
    });
  });

  it('reports no means before the first vote', () => {
    const result = tally(fundReview(['-', '-', '-', '-', '-']));
    expect(result.status).toBe('pending');
    expect(result.means).toBeNull();
    expect(result.counts).toEqual({ fund: 0, revise: 0, abandon: 0 });
  });

  it('does not decide early on a vote that could still be vetoed', () => {
    const result = tally(fundReview(['fund', 'fund', 'fund', 'fund', '-']));
    expect(summary(result)).toEqual({ status: 'pending', reason: 'awaiting-votes' });
  });

  it('decides as soon as every seat has voted', () => {
    expect(summary(tally(fundReview(['fund', 'fund', 'fund', 'fund', 'fund'])))).toEqual({
      status: 'decided',
      outcome: 'fund',
      reason: 'majority',
    });
  });

  it.each([
    ['quorum met: 3 of 5 at 60%', 0.6, ['fund', 'fund', '-', '-', 'fund'], { status: 'decided', outcome: 'fund', reason: 'majority' }],
    ['quorum missed: 2 of 5 at 60%', 0.6, ['fund', '-', '-', '-', 'fund'], { status: 'escalated', reason: 'no-quorum' }],
    ['quorum missed: 4 of 5 at 100%', 1, ['fund', 'fund', 'fund', 'fund', '-'], { status: 'escalated', reason: 'no-quorum' }],
    ['nobody voted', 0.2, ['-', '-', '-', '-', '-'], { status: 'escalated', reason: 'no-quorum' }],
    ['everyone voted', 1, ['fund', 'revise', 'fund', 'fund', 'fund'], { status: 'decided', outcome: 'fund', reason: 'majority' }],
    ['quorum met by a veto among the votes cast', 0.4, ['fund', '-', '-', 'abandon', '-'], { status: 'decided', outcome: 'abandon', reason: 'veto' }],
  ] as const)('at the deadline, %s', (_label, quorum, recommendations, expected) => {
    const input = fundReview([...recommendations], { policy: policy({ quorum }), atDeadline: true });
    expect(summary(tally(input))).toEqual(expected);
  });

  it('reports whether the quorum is met', () => {
    const input = fundReview(['fund', 'fund', '-', '-', 'fund'], { policy: policy({ quorum: 0.6 }) });
    expect(tally(input)).toMatchObject({ status: 'pending', quorumMet: true, votesCast: 3, seatCount: 5 });
    expect(tally({ ...input, atDeadline: true })).toMatchObject({ status: 'decided', quorumMet: true });
  });

  it('is not fooled by floating point: 7 of 25 meets a 28% quorum', () => {
    // 0.28 * 25 is 7.000000000000001 in binary floating point.
    const seats = Array.from({ length: 25 }, (_, index) => `SEAT${index}`);
    const input: TallyInput = {
      gate: 'test',
      policy: policy({ quorum: 0.28, vetoSeats: [] }),
      seats,
      votes: seats.slice(0, 7).map((seat) => vote(seat, 'test')),
      round: 1,
      atDeadline: true,
    };
    expect(tally(input)).toMatchObject({ status: 'decided', outcome: 'test', quorumMet: true });
    expect(tally({ ...input, votes: input.votes.slice(0, 6) })).toMatchObject({ status: 'escalated', reason: 'no-quorum' });
  });

  it('meets a two-thirds quorum with 2 of 3 votes', () => {
    const seats = ['EUROPOL', 'FRONTEX', 'CEPOL'];
    const input: TallyInput = {
      gate: 'test',
      policy: policy({ quorum: 2 / 3 }),
      seats,
      votes: votesFor(seats, ['test', 'test', '-']),
      round: 1,
      atDeadline: true,
    };
    expect(tally(input)).toMatchObject({ status: 'decided', outcome: 'test', quorumMet: true });
  });
});

describe('tally: veto (rule 1)', () => {
  it.each([
    ['funding seat abandons against four go votes', ['fund', 'fund', 'fund', 'fund', 'abandon'], 'abandon'],
    ['data-protection seat revises against four go votes', ['fund', 'fund', 'fund', 'revise', 'fund'], 'revise'],
    ['veto seats disagree: revise and abandon → abandon', ['fund', 'fund', 'fund', 'revise', 'abandon'], 'abandon'],
    ['veto seats disagree the other way round → abandon', ['fund', 'fund', 'fund', 'abandon', 'revise'], 'abandon'],
    ['both veto seats revise while the agencies abandon', ['abandon', 'abandon', 'abandon', 'revise', 'revise'], 'revise'],
  ] as const)('%s', (_label, recommendations, outcome) => {
    expect(summary(tally(fundReview([...recommendations])))).toEqual({ status: 'decided', outcome, reason: 'veto' });
  });

  it('lets a veto seat’s go vote count as an ordinary vote', () => {
    expect(summary(tally(fundReview(['abandon', 'abandon', 'abandon', 'fund', 'fund'])))).toEqual({
      status: 'decided',
      outcome: 'abandon',
      reason: 'majority',
    });
  });

  it('gives no veto to a seat the policy does not list', () => {
    const input = fundReview(['fund', 'fund', 'fund', 'fund', 'abandon'], { policy: policy({ vetoSeats: [] }) });
    expect(summary(tally(input))).toEqual({ status: 'decided', outcome: 'fund', reason: 'majority' });
  });

  it('gives a veto to an agency seat when the policy lists it', () => {
    const input = fundReview(['revise', 'fund', 'fund', 'fund', 'fund'], { policy: policy({ vetoSeats: ['EUROPOL'] }) });
    expect(summary(tally(input))).toEqual({ status: 'decided', outcome: 'revise', reason: 'veto' });
  });

  it('applies under the unanimous rule too', () => {
    const input = fundReview(['fund', 'fund', 'fund', 'revise', 'fund'], { policy: policy({ rule: 'unanimous' }) });
    expect(summary(tally(input))).toEqual({ status: 'decided', outcome: 'revise', reason: 'veto' });
  });
});

describe('tally: majority (rule 2)', () => {
  it.each([
    ['go wins outright', ['fund', 'fund', 'revise', 'fund', 'fund'], 'fund', 'majority'],
    ['abandon wins outright', ['abandon', 'abandon', 'abandon', 'fund', 'fund'], 'abandon', 'majority'],
    ['revise wins outright', ['revise', 'revise', 'revise', 'fund', 'fund'], 'revise', 'majority'],
    ['a plurality is enough', ['abandon', 'revise', 'fund', 'fund', 'fund'], 'fund', 'majority'],
    ['go ties abandon → revise', ['abandon', 'abandon', 'revise', 'fund', 'fund'], 'revise', 'tie'],
    ['go ties revise → revise', ['revise', 'revise', 'abandon', 'fund', 'fund'], 'revise', 'tie'],
  ] as const)('%s', (_label, recommendations, outcome, reason) => {
    expect(summary(tally(fundReview([...recommendations])))).toEqual({ status: 'decided', outcome, reason });
  });

  it('turns a three-way tie into revise', () => {
    const seats = ['EUROPOL', 'FRONTEX', 'CEPOL'];
    const input: TallyInput = {
      gate: 'test',
      policy: policy(),
      seats,
      votes: votesFor(seats, ['test', 'revise', 'abandon']),
      round: 1,
      atDeadline: false,
    };
    expect(summary(tally(input))).toEqual({ status: 'decided', outcome: 'revise', reason: 'tie' });
  });

  it('counts every allowed recommendation', () => {
    expect(tally(fundReview(['abandon', 'revise', 'fund', 'fund', 'fund'])).counts).toEqual({
      fund: 3,
      revise: 1,
      abandon: 1,
    });
  });
});

describe('tally: unanimous (rule 2)', () => {
  const unanimous = { policy: policy({ rule: 'unanimous' }) };

  it.each([
    ['every vote go', ['fund', 'fund', 'fund', 'fund', 'fund'], 'fund'],
    ['one abandon, no revise', ['abandon', 'fund', 'fund', 'fund', 'fund'], 'abandon'],
    ['abandon outnumbers revise', ['abandon', 'abandon', 'revise', 'fund', 'fund'], 'abandon'],
    ['abandon equals revise', ['abandon', 'revise', 'fund', 'fund', 'fund'], 'revise'],
    ['revise outnumbers abandon', ['revise', 'revise', 'abandon', 'fund', 'fund'], 'revise'],
    ['one revise among go votes', ['revise', 'fund', 'fund', 'fund', 'fund'], 'revise'],
  ] as const)('%s', (_label, recommendations, outcome) => {
    expect(summary(tally(fundReview([...recommendations], unanimous)))).toEqual({
      status: 'decided',
      outcome,
      reason: 'unanimous',
    });
  });

  it('needs every cast vote, not every seat, at the deadline', () => {
    const input = fundReview(['fund', 'fund', '-', 'fund', 'fund'], {
      policy: policy({ rule: 'unanimous', quorum: 0.8 }),
      atDeadline: true,
    });
    expect(summary(tally(input))).toEqual({ status: 'decided', outcome: 'fund', reason: 'unanimous' });
  });
});

describe('tally: score thresholds (rule 3)', () => {
  function withScores(scores: Scores, override: Partial<TallyInput> = {}): TallyInput {
    return { ...fundReview([]), votes: votesFor(FUND_SEATS, ['fund', 'fund', 'fund', 'fund', 'fund'], scores), ...override };
  }

  it.each([
    ['excellence below 3', { excellence: 2.5, impact: 5, implementation: 5 }],
    ['impact below 3', { excellence: 5, impact: 2.5, implementation: 5 }],
    ['implementation below 3', { excellence: 5, impact: 5, implementation: 0 }],
    ['each at 3 but the sum 9 below 10', { excellence: 3, impact: 3, implementation: 3 }],
  ])('turns go into revise when %s', (_label, scores) => {
    expect(summary(tally(withScores(scores)))).toEqual({ status: 'decided', outcome: 'revise', reason: 'below-threshold' });
  });

  it('passes go at exactly the thresholds', () => {
    const result = tally(withScores({ excellence: 3, impact: 3, implementation: 4 }));
    expect(summary(result)).toEqual({ status: 'decided', outcome: 'fund', reason: 'majority' });
    expect(result.means).toEqual({ excellence: 3, impact: 3, implementation: 4, total: 10 });
  });

  it.each([
    ['low scores from a reviser pull a go under', [4, 4, 0], ['test', 'test', 'revise'], 'revise', 8 / 3],
    ['high scores from an abandoner lift a go over', [3, 3, 5], ['test', 'test', 'abandon'], 'test', 11 / 3],
  ] as const)('averages over every vote cast, not only the go votes: %s', (_label, points, recommendations, outcome, mean) => {
    const votes = AGENCY_SEATS.map((seat, index) =>
      vote(seat, recommendations[index], { excellence: points[index], impact: points[index], implementation: points[index] }),
    );
    const result = tally({ gate: 'test', policy: policy(), seats: AGENCY_SEATS, votes, round: 1, atDeadline: false });
    expect(result.outcome).toBe(outcome);
    expect(result.means?.excellence).toBeCloseTo(mean, 12);
    expect(result.means?.total).toBeCloseTo(3 * mean, 12);
  });

  it('is exact for means of thirds', () => {
    const seats = ['EUROPOL', 'FRONTEX', 'EUROJUST'];
    const votes = [
      vote('EUROPOL', 'test', { excellence: 3.5, impact: 3.5, implementation: 3.5 }),
      vote('FRONTEX', 'test', { excellence: 3, impact: 3, implementation: 3 }),
      vote('EUROJUST', 'test', { excellence: 2.5, impact: 3.5, implementation: 4 }),
    ];
    const thresholdPolicy = policy({ thresholds: { excellence: 3, impact: 10 / 3, implementation: 3.5, total: 29.5 / 3 } });
    const result = tally({ gate: 'test', policy: thresholdPolicy, seats, votes, round: 1, atDeadline: false });
    expect(summary(result)).toEqual({ status: 'decided', outcome: 'test', reason: 'majority' });
  });

  it('leaves revise and abandon alone whatever the scores', () => {
    const low = { excellence: 0, impact: 0, implementation: 0 };
    const abandon = { ...fundReview([]), votes: votesFor(FUND_SEATS, ['abandon', 'abandon', 'abandon', 'fund', 'fund'], low) };
    expect(summary(tally(abandon))).toEqual({ status: 'decided', outcome: 'abandon', reason: 'majority' });
  });

  it('passes anything when every threshold is zero', () => {
    const zero = policy({ thresholds: { excellence: 0, impact: 0, implementation: 0, total: 0 } });
    const result = tally(withScores({ excellence: 0, impact: 0, implementation: 0 }, { policy: zero }));
    expect(summary(result)).toEqual({ status: 'decided', outcome: 'fund', reason: 'majority' });
  });
});

describe('tally: rounds (rule 4)', () => {
  it.each([
    ['majority revise in round 1 of 2', 1, ['revise', 'revise', 'revise', 'fund', 'fund'], { status: 'decided', outcome: 'revise', reason: 'majority' }],
    ['majority revise in round 2 of 2', 2, ['revise', 'revise', 'revise', 'fund', 'fund'], { status: 'escalated', reason: 'max-rounds' }],
    ['a tie in the last round', 2, ['abandon', 'abandon', 'revise', 'fund', 'fund'], { status: 'escalated', reason: 'max-rounds' }],
    ['a veto revise in the last round', 2, ['fund', 'fund', 'fund', 'revise', 'fund'], { status: 'escalated', reason: 'max-rounds' }],
    ['revise past the last round', 3, ['revise', 'revise', 'revise', 'fund', 'fund'], { status: 'escalated', reason: 'max-rounds' }],
    ['go in the last round', 2, ['fund', 'fund', 'fund', 'fund', 'fund'], { status: 'decided', outcome: 'fund', reason: 'majority' }],
    ['abandon in the last round', 2, ['abandon', 'abandon', 'abandon', 'fund', 'fund'], { status: 'decided', outcome: 'abandon', reason: 'majority' }],
    ['a veto abandon in the last round', 2, ['fund', 'fund', 'fund', 'fund', 'abandon'], { status: 'decided', outcome: 'abandon', reason: 'veto' }],
  ] as const)('%s', (_label, round, recommendations, expected) => {
    expect(summary(tally(fundReview([...recommendations], { round })))).toEqual(expected);
  });

  it('escalates a below-threshold go in the last round', () => {
    const low = { excellence: 1, impact: 1, implementation: 1 };
    const input = { ...fundReview([], { round: 2 }), votes: votesFor(FUND_SEATS, ['fund', 'fund', 'fund', 'fund', 'fund'], low) };
    expect(summary(tally(input))).toEqual({ status: 'escalated', reason: 'max-rounds' });
  });

  it('escalates every revise when only one round is allowed', () => {
    const input = fundReview(['revise', 'revise', 'revise', 'fund', 'fund'], { policy: policy({ maxRounds: 1 }) });
    expect(summary(tally(input))).toEqual({ status: 'escalated', reason: 'max-rounds' });
  });

  it('keeps the evidence on an escalated tally for the chair', () => {
    const result = tally(fundReview(['revise', 'revise', 'revise', 'fund', 'fund'], { round: 2 }));
    expect(result.outcome).toBeUndefined();
    expect(result).toMatchObject({ votesCast: 5, seatCount: 5, quorumMet: true, counts: { fund: 2, revise: 3, abandon: 0 } });
    expect(result.means).not.toBeNull();
  });
});

describe('tally: other gates', () => {
  it('uses test as the go word at the test gate, with no funding seat needed', () => {
    const input: TallyInput = {
      gate: 'test',
      policy: policy(),
      seats: AGENCY_SEATS,
      votes: votesFor(AGENCY_SEATS, ['test', 'test', 'abandon']),
      round: 1,
      atDeadline: false,
    };
    expect(tally(input)).toMatchObject({ status: 'decided', outcome: 'test', counts: { test: 2, revise: 0, abandon: 1 } });
  });

  it('uses accelerate as the go word at the accelerate gate', () => {
    const seats = ['EUROPOL', 'funding'];
    const input: TallyInput = {
      gate: 'accelerate',
      policy: policy(),
      seats,
      votes: votesFor(seats, ['accelerate', 'accelerate']),
      round: 1,
      atDeadline: false,
    };
    expect(summary(tally(input))).toEqual({ status: 'decided', outcome: 'accelerate', reason: 'majority' });
  });
});

describe('tally: input validation', () => {
  it('refuses a vote for an unknown seat', () => {
    const input = fundReview(['fund', 'fund', 'fund', 'fund', 'fund']);
    input.votes.push(vote('CEPOL', 'fund'));
    expect(tallyError(input).details).toEqual([{ field: 'votes[5].seat', message: 'unknown seat CEPOL' }]);
  });

  it('refuses two votes for one seat', () => {
    const input = fundReview(['fund', '-', '-', '-', '-']);
    input.votes.push(vote('EUROPOL', 'abandon'));
    expect(tallyError(input).details?.map((problem) => problem.field)).toEqual(['votes[1].seat']);
  });

  it.each(['test', 'accelerate', 'approve'])('refuses the recommendation %s at the fund gate', (recommendation) => {
    const input = fundReview(['fund', '-', '-', '-', '-']);
    input.votes.push(vote('FRONTEX', recommendation as Outcome));
    expect(tallyError(input).details?.map((problem) => problem.field)).toEqual(['votes[1].recommendation']);
  });

  it.each([
    ['above 5', { excellence: 5.5, impact: 3, implementation: 3 }, 'excellence'],
    ['below 0', { excellence: 3, impact: -0.5, implementation: 3 }, 'impact'],
    ['not a half point', { excellence: 3, impact: 3, implementation: 2.25 }, 'implementation'],
    ['NaN', { excellence: Number.NaN, impact: 3, implementation: 3 }, 'excellence'],
    ['a string', { excellence: 3, impact: '3', implementation: 3 }, 'impact'],
    ['missing', { excellence: 3, impact: 3 }, 'implementation'],
  ])('refuses a score %s', (_label, scores, criterion) => {
    const input = fundReview(['-', '-', '-', '-', '-']);
    input.votes.push(vote('EUROPOL', 'fund', scores as unknown as Scores));
    expect(tallyError(input).details?.map((problem) => problem.field)).toEqual([`votes[0].scores.${criterion}`]);
  });

  it('refuses a vote without scores', () => {
    const input = fundReview(['-', '-', '-', '-', '-']);
    input.votes.push({ seat: 'EUROPOL', recommendation: 'fund' } as CastVote);
    expect(tallyError(input).details?.map((problem) => problem.field)).toEqual(['votes[0].scores']);
  });

  it.each([
    ['no seats', { seats: [], votes: [] }, 'seats'],
    ['a repeated seat', { seats: ['EUROPOL', 'EUROPOL'], votes: [] }, 'seats[1]'],
    ['round 0', { round: 0 }, 'round'],
    ['a fractional round', { round: 1.5 }, 'round'],
  ])('refuses %s', (_label, override, field) => {
    const input = { ...fundReview(['-', '-', '-', '-', '-']), ...override } as TallyInput;
    expect(tallyError(input).details?.map((problem) => problem.field)).toEqual([field]);
  });

  it('lists every problem at once', () => {
    const input = fundReview(['-', '-', '-', '-', '-']);
    input.votes = [vote('NOBODY', 'test', { excellence: 9, impact: 3, implementation: 3 }), vote('EUROPOL', 'fund')];
    expect(tallyError(input).details?.map((problem) => problem.field)).toEqual([
      'votes[0].seat',
      'votes[0].recommendation',
      'votes[0].scores.excellence',
    ]);
  });
});

describe('validateScores', () => {
  it.each([
    { excellence: 0, impact: 0, implementation: 0 },
    { excellence: 5, impact: 5, implementation: 5 },
    { excellence: 0.5, impact: 2.5, implementation: 4.5 },
  ])('accepts %j', (scores) => {
    expect(() => validateScores(scores)).not.toThrow();
  });

  it.each([
    [{ excellence: 5.5, impact: 0, implementation: 0 }, ['scores.excellence']],
    [{ excellence: 1, impact: 0.1, implementation: 0 }, ['scores.impact']],
    [{ excellence: 1, impact: 1, implementation: -1 }, ['scores.implementation']],
    [{ excellence: Number.POSITIVE_INFINITY, impact: 6, implementation: 0.75 }, ['scores.excellence', 'scores.impact', 'scores.implementation']],
    [null, ['scores']],
  ])('refuses %j', (scores, fields) => {
    let caught: unknown;
    try {
      validateScores(scores as unknown as Scores);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(DomainError);
    expect((caught as DomainError).code).toBe('TALLY.INVALID');
    expect((caught as DomainError).details?.map((problem) => problem.field)).toEqual(fields);
  });
});

describe('isGo', () => {
  it.each(GATES.flatMap((gate) => (['fund', 'test', 'accelerate', 'revise', 'abandon'] as const).map((outcome) => [gate, outcome] as const)))(
    'isGo(%s, %s)',
    (gate, outcome) => {
      expect(isGo(gate, outcome)).toBe(gate === outcome);
    },
  );
});

// ---------------------------------------------------------------------------------------------
// Properties

const SEAT_POOL = ['EUROPOL', 'FRONTEX', 'EUROJUST', 'CEPOL', 'data-protection', 'funding'];

const scoreArb = fc.integer({ min: 0, max: 10 }).map((halves) => halves / 2);
const scoresArb: fc.Arbitrary<Scores> = fc.record({ excellence: scoreArb, impact: scoreArb, implementation: scoreArb });

const policyArb: fc.Arbitrary<GatePolicy> = fc.record({
  slaHours: fc.constant(240),
  reminderHoursBeforeDue: fc.constant(48),
  quorum: fc.constantFrom(0.2, 0.5, 0.6, 2 / 3, 0.75, 1),
  rule: fc.constantFrom('majority' as const, 'unanimous' as const),
  vetoSeats: fc.subarray(['data-protection', 'funding', 'EUROPOL', 'ENISA']),
  thresholds: fc.record({
    excellence: fc.integer({ min: 0, max: 8 }).map((halves) => halves / 2),
    impact: fc.integer({ min: 0, max: 8 }).map((halves) => halves / 2),
    implementation: fc.integer({ min: 0, max: 8 }).map((halves) => halves / 2),
    total: fc.integer({ min: 0, max: 24 }).map((halves) => halves / 2),
  }),
  maxRounds: fc.integer({ min: 1, max: 3 }),
});

// Go is weighted up so that decided go outcomes, the interesting case, are common.
function recommendationArb(gate: Gate): fc.Arbitrary<Outcome> {
  return fc.oneof(
    { arbitrary: fc.constant<Outcome>(gate), weight: 3 },
    { arbitrary: fc.constant<Outcome>('revise'), weight: 1 },
    { arbitrary: fc.constant<Outcome>('abandon'), weight: 1 },
  );
}

const reviewArb: fc.Arbitrary<TallyInput> = fc
  .record({
    gate: fc.constantFrom(...GATES),
    policy: policyArb,
    seats: fc.shuffledSubarray(SEAT_POOL, { minLength: 1 }),
    round: fc.integer({ min: 1, max: 4 }),
    atDeadline: fc.boolean(),
  })
  .chain((base) =>
    fc
      .tuple(
        ...base.seats.map((seat) =>
          fc.option(
            fc.record({ seat: fc.constant(seat), recommendation: recommendationArb(base.gate), scores: scoresArb }),
            { nil: undefined, freq: 4 },
          ),
        ),
      )
      .map((maybeVotes) => ({ ...base, votes: maybeVotes.filter((cast): cast is CastVote => cast !== undefined) })),
  );

function vetoesCast(input: TallyInput): CastVote[] {
  return input.votes.filter((cast) => input.policy.vetoSeats.includes(cast.seat) && !isGo(input.gate, cast.recommendation));
}

describe('tally properties', () => {
  it('never lets a go outvote a veto seat’s non-go vote', () => {
    fc.assert(
      fc.property(reviewArb, (input) => {
        const vetoes = vetoesCast(input);
        fc.pre(vetoes.length > 0);
        const result = tally(input);
        expect(result.outcome).not.toBe(input.gate);
        if (result.status === 'decided') {
          const strongest = vetoes.some((cast) => cast.recommendation === 'abandon') ? 'abandon' : 'revise';
          expect(result.outcome).toBe(strongest);
          expect(result.reason).toBe('veto');
        }
      }),
    );
  });

  it('never passes a go whose mean scores miss a threshold', () => {
    fc.assert(
      fc.property(reviewArb, (input) => {
        const result = tally(input);
        fc.pre(result.outcome === input.gate);
        const { thresholds } = input.policy;
        const n = input.votes.length;
        const sum = (criterion: keyof Scores) => input.votes.reduce((total, cast) => total + cast.scores[criterion], 0);
        // Compared on sums to stay clear of the division the implementation does.
        expect(sum('excellence')).toBeGreaterThanOrEqual(thresholds.excellence * n - 1e-9);
        expect(sum('impact')).toBeGreaterThanOrEqual(thresholds.impact * n - 1e-9);
        expect(sum('implementation')).toBeGreaterThanOrEqual(thresholds.implementation * n - 1e-9);
        expect(sum('excellence') + sum('impact') + sum('implementation')).toBeGreaterThanOrEqual(thresholds.total * n - 1e-9);
      }),
    );
  });

  it('never turns a go into abandon when a new seat adds a go vote', () => {
    fc.assert(
      fc.property(reviewArb, scoresArb, (input, scores) => {
        const before = tally(input);
        fc.pre(before.outcome === input.gate);
        const after = tally({
          ...input,
          seats: [...input.seats, 'NEWCOMER'],
          votes: [...input.votes, { seat: 'NEWCOMER', recommendation: input.gate, scores }],
        });
        expect(after.outcome).not.toBe('abandon');
        expect(after.status).not.toBe('pending');
        // The only ways a go can be lost: the newcomer's scores drag a mean under a threshold.
        expect(after.outcome === input.gate || after.reason === 'below-threshold' || after.reason === 'max-rounds').toBe(true);
      }),
    );
  });

  it('does not depend on the order of the votes', () => {
    const withShuffle = reviewArb.chain((input) =>
      fc
        .shuffledSubarray(input.votes, { minLength: input.votes.length, maxLength: input.votes.length })
        .map((shuffled) => [input, shuffled] as const),
    );
    fc.assert(
      fc.property(withShuffle, ([input, shuffled]) => {
        expect(tally({ ...input, votes: shuffled })).toEqual(tally(input));
      }),
    );
  });

  it('is pending exactly when a seat has not voted and the deadline has not passed', () => {
    fc.assert(
      fc.property(reviewArb, (input) => {
        const result = tally(input);
        const allVoted = input.votes.length === input.seats.length;
        expect(result.status === 'pending').toBe(!allVoted && !input.atDeadline);
        expect(result.status === 'pending').toBe(result.reason === 'awaiting-votes');
      }),
    );
  });

  it('escalates only for max-rounds or no-quorum, and only when those hold', () => {
    fc.assert(
      fc.property(reviewArb, (input) => {
        const result = tally(input);
        if (result.status === 'escalated') {
          expect(['max-rounds', 'no-quorum']).toContain(result.reason);
          expect(result.outcome).toBeUndefined();
        }
        if (result.reason === 'max-rounds') expect(input.round).toBeGreaterThanOrEqual(input.policy.maxRounds);
        if (result.reason === 'no-quorum') {
          expect(input.atDeadline).toBe(true);
          expect(result.quorumMet).toBe(false);
        }
      }),
    );
  });

  it('decides only allowed outcomes, and revise only before the last round', () => {
    fc.assert(
      fc.property(reviewArb, (input) => {
        const result = tally(input);
        fc.pre(result.status === 'decided');
        expect(allowedOutcomes(input.gate)).toContain(result.outcome);
        if (result.outcome === 'revise') expect(input.round).toBeLessThan(input.policy.maxRounds);
      }),
    );
  });

  it('decides go only with the rule’s support: every vote under unanimous, a strict plurality under majority', () => {
    fc.assert(
      fc.property(reviewArb, (input) => {
        const result = tally(input);
        fc.pre(result.outcome === input.gate);
        const goVotes = result.counts[input.gate];
        if (input.policy.rule === 'unanimous') {
          expect(goVotes).toBe(input.votes.length);
        } else {
          expect(goVotes).toBeGreaterThan(result.counts.revise);
          expect(goVotes).toBeGreaterThan(result.counts.abandon);
        }
      }),
    );
  });

  it('reports counts and means consistent with the votes', () => {
    fc.assert(
      fc.property(reviewArb, (input) => {
        const result = tally(input);
        expect(result.votesCast).toBe(input.votes.length);
        expect(result.seatCount).toBe(input.seats.length);
        expect(Object.keys(result.counts).sort()).toEqual([...allowedOutcomes(input.gate)].sort());
        expect(Object.values(result.counts).reduce((a, b) => a + b, 0)).toBe(input.votes.length);
        if (input.votes.length === 0) {
          expect(result.means).toBeNull();
        } else {
          const means = result.means!;
          expect(means.total).toBeCloseTo(means.excellence + means.impact + means.implementation, 9);
          for (const value of [means.excellence, means.impact, means.implementation]) {
            expect(value).toBeGreaterThanOrEqual(0);
            expect(value).toBeLessThanOrEqual(5);
          }
        }
      }),
    );
  });
});

describe('tally: locked exams', () => {
  it('escalates a go over a failed exam to the chair', () => {
    expect(summary(tally(fundReview(['fund', 'fund', 'fund', 'fund', 'fund'], { failedExams: ['mid-term'] })))).toEqual({ status: 'escalated', reason: 'failed-exam' });
  });

  it('leaves revise and abandon over a failed exam to the votes, and a go with every exam passed', () => {
    expect(summary(tally(fundReview(['revise', 'revise', 'revise', 'fund', 'fund'], { failedExams: ['mid-term'] })))).toEqual({ status: 'decided', outcome: 'revise', reason: 'majority' });
    expect(summary(tally(fundReview(['abandon', 'abandon', 'abandon', 'fund', 'fund'], { failedExams: ['final'] })))).toEqual({ status: 'decided', outcome: 'abandon', reason: 'majority' });
    expect(summary(tally(fundReview(['fund', 'fund', 'fund', 'fund', 'fund'], { failedExams: [] })))).toEqual({ status: 'decided', outcome: 'fund', reason: 'majority' });
  });
});
