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

const MONEY_GATES: ReadonlySet<Gate> = new Set<Gate>(['fund', 'accelerate']);

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

/** Fund and accelerate release a tranche, so they carry the funding seat and a budget check. */
export function isMoneyGate(gate: Gate): boolean {
  return MONEY_GATES.has(gate);
}

export function applyOutcome(stage: Stage, outcome: Outcome): Stage {
  // Checked before the gate lookup so an abandoned pilot says why it cannot move, as
  // validateSubmission does, instead of the vaguer "no gate".
  if (isTerminal(stage)) {
    throw new DomainError('PILOT.TERMINAL', `Pilot is ${stage}; no gate outcome applies`);
  }
  const gate = gateForStage(stage);
  if (gate === null) {
    throw new DomainError('GATE.NO_GATE_FROM_STAGE', `No gate leaves stage ${stage}`);
  }
  if (!isOutcomeAllowed(gate, outcome)) {
    throw new DomainError(
      'GATE.OUTCOME_NOT_ALLOWED',
      `Outcome ${String(outcome)} is not allowed at the ${gate} gate; expected one of ${allowedOutcomes(gate).join(', ')}`,
    );
  }
  if (outcome === 'revise') return stage;
  if (outcome === 'abandon') return 'abandoned';
  return STAGE_AFTER_GO[gate];
}

/** A lead may give up at any stage, accelerated included, but must leave lessons behind. */
export function withdraw(stage: Stage, lessonsLearned: string): Stage {
  if (isTerminal(stage)) {
    throw new DomainError('PILOT.TERMINAL', 'Pilot is already abandoned');
  }
  if (typeof lessonsLearned !== 'string' || lessonsLearned.trim() === '') {
    throw new DomainError('PILOT.LESSONS_REQUIRED', 'Lessons learned are required to withdraw a pilot', [
      { field: 'lessonsLearned', message: 'must not be blank' },
    ]);
  }
  return 'abandoned';
}
