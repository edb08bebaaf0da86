import fc from 'fast-check';
import { decide, decideWithdrawal, DecisionInput } from './decide';
import { DomainError } from './errors';
import { canHoldSeat, DATA_PROTECTION_SEAT, FUNDING_SEAT, seatRule } from './seats';
import { canSeeVote, voteContentHash } from './tally';

function input(override: Partial<DecisionInput> = {}): DecisionInput {
  return {
    stage: 'proposal',
    gate: 'fund',
    round: 1,
    maxRounds: 2,
    outcome: 'fund',
    by: 'policy',
    trancheCents: 300,
    pilot: { committedCents: 0, spentCents: 0 },
    programme: { envelopeCents: 1_000, committedCents: 600 },
    ...override,
  };
}

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as DomainError).code;
  }
  return 'ok';
}

describe('decide', () => {
  it('a go moves to the next stage and commits the tranche', () => {
    expect(decide(input())).toEqual({ kind: 'apply', outcome: 'fund', fromStage: 'proposal', toStage: 'funded', commitCents: 300, releaseCents: 0 });
    expect(decide(input({ stage: 'testing', gate: 'accelerate', outcome: 'accelerate' }))).toMatchObject({ toStage: 'accelerated', commitCents: 300 });
  });

  it('a go that fills the envelope to the cent is applied', () => {
    expect(decide(input({ trancheCents: 400 }))).toMatchObject({ kind: 'apply', commitCents: 400 });
  });

  it("the tally's go one cent past the envelope is escalated; a chair's is refused", () => {
    expect(decide(input({ trancheCents: 401 }))).toEqual({ kind: 'escalate', reason: 'insufficient-funds' });
    expect(code(() => decide(input({ trancheCents: 401, by: 'chair' })))).toBe('BUDGET.ENVELOPE_EXCEEDED');
  });

  it('abandon releases what was committed and not spent; revise moves nothing', () => {
    const pilot = { committedCents: 500, spentCents: 120 };
    expect(decide(input({ stage: 'funded', gate: 'test', outcome: 'abandon', pilot }))).toEqual({
      kind: 'apply', outcome: 'abandon', fromStage: 'funded', toStage: 'abandoned', commitCents: 0, releaseCents: 380,
    });
    expect(decide(input({ outcome: 'revise', pilot }))).toMatchObject({ toStage: 'proposal', commitCents: 0, releaseCents: 0 });
  });

  it('a chair may not revise in the last round; the tally never gets there (it escalates)', () => {
    expect(code(() => decide(input({ by: 'chair', outcome: 'revise', round: 2 })))).toBe('GATE.MUST_END');
    expect(code(() => decide(input({ by: 'chair', outcome: 'revise', round: 1 })))).toBe('ok');
  });

  it("an outcome that is not the gate's word, or a pilot with no gate left, is refused", () => {
    expect(code(() => decide(input({ outcome: 'test' })))).toBe('GATE.OUTCOME_INVALID');
    expect(code(() => decide(input({ stage: 'abandoned' })))).toBe('PILOT.WRONG_STATE');
    expect(code(() => decide(input({ stage: 'accelerated' })))).toBe('PILOT.WRONG_STATE');
  });

  it('never commits past the envelope, whatever the amounts (property)', () => {
    fc.assert(
      fc.property(fc.nat(10 ** 12), fc.nat(10 ** 12), fc.nat(10 ** 12), fc.constantFrom('policy', 'chair'), (envelope, committed, tranche, by) => {
        fc.pre(committed <= envelope);
        let result;
        try {
          result = decide(input({ trancheCents: tranche, by: by as 'policy' | 'chair', programme: { envelopeCents: envelope, committedCents: committed } }));
        } catch (err) {
          expect((err as DomainError).code).toBe('BUDGET.ENVELOPE_EXCEEDED');
          expect(committed + tranche).toBeGreaterThan(envelope);
          return;
        }
        if (result.kind === 'apply') expect(committed + result.commitCents).toBeLessThanOrEqual(envelope);
        else expect(committed + tranche).toBeGreaterThan(envelope);
      }),
    );
  });
});

describe('decideWithdrawal', () => {
  it('abandons from any live stage and releases the unspent money', () => {
    for (const stage of ['proposal', 'funded', 'testing', 'accelerated'] as const) {
      expect(decideWithdrawal({ stage, lessonsLearned: 'too early', pilot: { committedCents: 900, spentCents: 100 } })).toMatchObject({
        toStage: 'abandoned', releaseCents: 800, commitCents: 0,
      });
    }
  });

  it('needs lessons, and an abandoned pilot cannot be withdrawn again', () => {
    expect(code(() => decideWithdrawal({ stage: 'funded', lessonsLearned: '  ', pilot: { committedCents: 0, spentCents: 0 } }))).toBe('PILOT.LESSONS_REQUIRED');
    expect(code(() => decideWithdrawal({ stage: 'abandoned', lessonsLearned: 'x', pilot: { committedCents: 0, spentCents: 0 } }))).toBe('PILOT.WRONG_STATE');
  });
});

describe('seat eligibility', () => {
  const ctx = { leadId: 'lead', leadAgency: 'EUROPOL', programmeOwnerId: 'owner' };
  it.each([
    ['FRONTEX', { id: 'u', agency: 'FRONTEX', roles: ['reviewer'] }, true],
    ['FRONTEX', { id: 'u', agency: 'EUROPOL', roles: ['reviewer'] }, false],
    ['FRONTEX', { id: 'u', agency: 'FRONTEX', roles: ['dpo'] }, false],
    [DATA_PROTECTION_SEAT, { id: 'u', agency: 'EDPS', roles: ['dpo'] }, true],
    [DATA_PROTECTION_SEAT, { id: 'u', agency: 'EUROPOL', roles: ['reviewer'] }, false],
    [FUNDING_SEAT, { id: 'u', agency: 'DGHOME', roles: ['funder'] }, true],
    [FUNDING_SEAT, { id: 'u', agency: 'DGHOME', roles: ['chair'] }, false],
    ['EUROPOL', { id: 'lead', agency: 'EUROPOL', roles: ['reviewer', 'lead'] }, false],
  ] as const)('%s seat, user %j → %s', (seat, user, expected) => {
    expect(canHoldSeat({ ...user, roles: [...user.roles] }, seat, ctx)).toBe(expected);
  });

  it('prefers the lead agency for data protection and the owner for funding', () => {
    expect(seatRule(DATA_PROTECTION_SEAT, ctx)).toEqual({ role: 'dpo', agency: null, preferAgency: 'EUROPOL', preferUserId: null });
    expect(seatRule(FUNDING_SEAT, ctx)).toEqual({ role: 'funder', agency: null, preferAgency: null, preferUserId: 'owner' });
    expect(seatRule('CEPOL', ctx)).toEqual({ role: 'reviewer', agency: 'CEPOL', preferAgency: null, preferUserId: null });
  });
});

describe('secret votes', () => {
  const vote = { recommendation: 'abandon' as const, scores: { excellence: 1, impact: 1.5, implementation: 2 }, rationale: 'No.' };
  it('hashes the canonical content, whatever the key order', () => {
    const reordered = { rationale: 'No.', scores: { implementation: 2, impact: 1.5, excellence: 1 }, recommendation: 'abandon' as const };
    expect(voteContentHash(reordered)).toBe(voteContentHash(vote));
    expect(voteContentHash({ ...vote, rationale: 'No!' })).not.toBe(voteContentHash(vote));
    expect(voteContentHash(vote)).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each([
    ['the author, before the decision', { id: 'a', roles: ['reviewer'] }, false, true],
    ['a chair, before the decision', { id: 'c', roles: ['chair'] }, false, true],
    ['a funder on another seat, before the decision', { id: 'f', roles: ['funder'] }, false, false],
    ['another reviewer, before the decision', { id: 'b', roles: ['reviewer'] }, false, false],
    ['another reviewer, after the decision', { id: 'b', roles: ['reviewer'] }, true, true],
  ])('%s → %s', (_who, viewer, decided, expected) => {
    expect(canSeeVote(viewer, { reviewerId: 'a' }, decided)).toBe(expected);
  });
});
