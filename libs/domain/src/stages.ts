import { DomainError } from './errors';

export const STAGES = ['proposal', 'funded', 'testing', 'accelerated', 'abandoned'] as const;
export type Stage = (typeof STAGES)[number];

export const GATES = ['fund', 'test', 'accelerate'] as const;
export type Gate = (typeof GATES)[number];

/** A gate's go word is the gate's own name, so the outcome vocabulary differs per gate. */
export type Outcome = Gate | 'revise' | 'abandon';

export const OUTCOMES: readonly Outcome[] = [...GATES, 'revise', 'abandon'];

const GATE_LEAVING: Readonly<Record<Stage, Gate | null>> = {
  proposal: 'fund',
  funded: 'test',
  testing: 'accelerate',
  accelerated: null,
  abandoned: null,
};

const STAGE_AFTER_GO: Readonly<Record<Gate, Stage>> = {
  fund: 'funded',
  test: 'testing',
  accelerate: 'accelerated',
};

export function isStage(value: unknown): value is Stage {
  return typeof value === 'string' && (STAGES as readonly string[]).includes(value);
}

export function isGate(value: unknown): value is Gate {
  return typeof value === 'string' && (GATES as readonly string[]).includes(value);
}

export function isOutcome(value: unknown): value is Outcome {
  return typeof value === 'string' && (OUTCOMES as readonly string[]).includes(value);
}

/** The recommendations a reviewer may cast, and the outcomes a chair may decide, at a gate. */
export function allowedOutcomes(gate: Gate): Outcome[] {
  return [gate, 'revise', 'abandon'];
}

export function isOutcomeAllowed(gate: Gate, outcome: unknown): outcome is Outcome {
  return outcome === gate || outcome === 'revise' || outcome === 'abandon';
}

export function gateForStage(stage: Stage): Gate | null {
  return GATE_LEAVING[stage] ?? null;
}

export function stageAfterGo(gate: Gate): Stage {
  return STAGE_AFTER_GO[gate];
}

export function isTerminal(stage: Stage): boolean {
  return stage === 'abandoned';
}


export function applyOutcome(stage: Stage, outcome: Outcome): Stage {
  // Checked before the gate lookup so an abandoned pilot says why it cannot move, as
  // validateSubmission does, instead of the vaguer "no gate".
  const gate = requireGate(stage);
  checkOutcome(gate, outcome, 'outcome');
  if (outcome === 'revise') return stage;
  if (outcome === 'abandon') return 'abandoned';
  return STAGE_AFTER_GO[gate];
}

/** An abandoned pilot is history: it is not edited, submitted or withdrawn again. */
export function requireLive(stage: Stage, verb: string): void {
  if (isTerminal(stage)) throw new DomainError('PILOT.WRONG_STATE', `The pilot is ${stage} and cannot be ${verb}`);
}

/** The gate that leaves `stage`; an abandoned or accelerated pilot has none left to pass. */
export function requireGate(stage: Stage): Gate {
  requireLive(stage, 'submitted to a gate');
  const gate = gateForStage(stage);
  if (gate === null) {
    throw new DomainError('PILOT.WRONG_STATE', `The pilot is ${stage}: no gate is left to pass`);
  }
  return gate;
}

/** A vote's recommendation or a chair's outcome must be one of the gate's words. */
export function checkOutcome(gate: Gate, outcome: unknown, field: string): asserts outcome is Outcome {
  if (!isOutcomeAllowed(gate, outcome)) {
    const words = allowedOutcomes(gate).join(', ');
    throw new DomainError('GATE.OUTCOME_INVALID', `At the ${gate} gate the word is one of ${words}, not ${String(outcome)}`, [
      { field, message: `must be one of ${words}` },
    ]);
  }
}

/**
 * The last round of a gate: another revise there would loop forever, so the tally escalates it
 * and a chair must say go or abandon.
 */
export function isLastRound(round: number, maxRounds: number): boolean {
  return round >= maxRounds;
}

/** A lead may give up at any stage, accelerated included, but must leave lessons behind. */
export function withdraw(stage: Stage, lessonsLearned: string): Stage {
  requireLive(stage, 'withdrawn');
  if (typeof lessonsLearned !== 'string' || lessonsLearned.trim() === '') {
    throw new DomainError('PILOT.LESSONS_REQUIRED', 'Lessons learned are required to withdraw a pilot', [
      { field: 'lessonsLearned', message: 'must not be blank' },
    ]);
  }
  return 'abandoned';
}
