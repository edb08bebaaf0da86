import { DomainError } from './errors';
import { checkCommit, releaseOnAbandon } from './money';
import { Gate, Outcome, Stage, applyOutcome, isLastRound, withdraw } from './stages';
import { isGo } from './tally';

/** The money side of a pilot and of its programme, as read under their row locks. */
export interface MoneyState {
  pilot: { committedCents: number; spentCents: number };
  programme: { envelopeCents: number; committedCents: number };
}

export interface DecisionInput extends MoneyState {
  stage: Stage;
  gate: Gate;
  round: number;
  maxRounds: number;
  outcome: Outcome;
  /** The tally (`policy`) or a chair deciding an escalated review. */
  by: 'policy' | 'chair';
  trancheCents: number;
}

/** What applying a gate outcome does: the next stage and the money that moves. */
export interface StageChange {
  kind: 'apply';
  outcome: Outcome;
  fromStage: Stage;
  toStage: Stage;
  commitCents: number;
  releaseCents: number;
}

/** A policy decision the envelope cannot cover goes to the chairs, never overspends. */
export interface Escalation {
  kind: 'escalate';
  reason: 'insufficient-funds';
}

/**
 * The one rule for applying a gate decision (DESIGN §2 "Applying a decision"): a go moves to
 * the next stage and commits the tranche, refused when it would exceed the envelope (the
 * tally's decision is escalated instead, a chair's is an error); abandon releases the money
 * committed and not yet spent; revise changes nothing but the round. A chair may not revise in
 * the last round. The caller applies the answer, keeping its SQL as the concurrency guard only.
 */
export function decide(input: DecisionInput): StageChange | Escalation {
  const toStage = applyOutcome(input.stage, input.outcome);
  if (input.by === 'chair' && input.outcome === 'revise' && isLastRound(input.round, input.maxRounds)) {
    throw new DomainError('GATE.MUST_END', `Round ${input.round} is the last (maxRounds ${input.maxRounds}): decide ${input.gate} or abandon`);
  }
  const base = { kind: 'apply' as const, outcome: input.outcome, fromStage: input.stage, toStage, commitCents: 0, releaseCents: 0 };
  if (isGo(input.gate, input.outcome)) {
    try {
      checkCommit({ ...input.programme, trancheCents: input.trancheCents });
    } catch (err) {
      if (input.by === 'policy' && err instanceof DomainError && err.code === 'BUDGET.ENVELOPE_EXCEEDED') {
        return { kind: 'escalate', reason: 'insufficient-funds' };
      }
      throw err;
    }
    return { ...base, commitCents: input.trancheCents };
  }
  if (input.outcome === 'abandon') return { ...base, releaseCents: releaseOnAbandon(input.pilot) };
  return base;
}

/** A lead withdraws the pilot: abandoned at once, its unspent money released. */
export function decideWithdrawal(input: { stage: Stage; lessonsLearned: string; pilot: MoneyState['pilot'] }): StageChange {
  const toStage = withdraw(input.stage, input.lessonsLearned);
  return { kind: 'apply', outcome: 'abandon', fromStage: input.stage, toStage, commitCents: 0, releaseCents: releaseOnAbandon(input.pilot) };
}
