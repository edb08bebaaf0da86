import { PREREQUISITES, type Prerequisite } from './compliance';
import { DomainError, FieldProblem } from './errors';
import { DATA_PROTECTION_SEAT, FUNDING_SEAT } from './seats';

export const TALLY_RULES = ['majority', 'unanimous'] as const;
export type TallyRule = (typeof TALLY_RULES)[number];

export interface Thresholds {
  excellence: number;
  impact: number;
  implementation: number;
  total: number;
}

export interface GatePolicy {
  slaHours: number;
  reminderHoursBeforeDue: number;
  quorum: number;
  rule: TallyRule;
  vetoSeats: string[];
  thresholds: Thresholds;
  maxRounds: number;
  /** Compliance prerequisites of the gate; the gate's defaults when absent. */
  prerequisites?: Prerequisite[];
}

/** A year: a longer SLA is a typo, and the deadline job's delay must stay representable. */
export const MAX_SLA_HOURS = 24 * 365;
export const MAX_SCORE = 5;
export const MAX_TOTAL_SCORE = 3 * MAX_SCORE;
export const MAX_ROUNDS_LIMIT = 10;

export const DEFAULT_POLICY: Readonly<GatePolicy> = deepFreeze({
  slaHours: 240,
  reminderHoursBeforeDue: 48,
  quorum: 1.0,
  rule: 'majority',
  vetoSeats: ['data-protection', 'funding'],
  // Horizon Europe's evaluation thresholds: each criterion at least 3 of 5, sum at least 10.
  thresholds: { excellence: 3, impact: 3, implementation: 3, total: 10 },
  maxRounds: 2,
});

/** A fresh, mutable copy: callers snapshot it into reviews and must not share one object. */
export function defaultPolicy(): GatePolicy {
  return clonePolicy(DEFAULT_POLICY);
}

function clonePolicy(policy: Readonly<GatePolicy>): GatePolicy {
  return {
    slaHours: policy.slaHours,
    reminderHoursBeforeDue: policy.reminderHoursBeforeDue,
    quorum: policy.quorum,
    rule: policy.rule,
    vetoSeats: [...policy.vetoSeats],
    thresholds: { ...policy.thresholds },
    maxRounds: policy.maxRounds,
  };
}

function deepFreeze<T extends object>(value: T): T {
  for (const inner of Object.values(value)) {
    if (inner !== null && typeof inner === 'object') deepFreeze(inner as object);
  }
  return Object.freeze(value);
}

/** A seat a review can have (seatsFor): an agency's, by its code, or one of the two special seats. */
function isSeatName(seat: string): boolean {
  return seat === DATA_PROTECTION_SEAT || seat === FUNDING_SEAT || /^[A-Z][A-Z0-9-]{1,15}$/.test(seat);
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/**
 * Every violated field is reported at once so a chair fixes a policy in one round trip.
 * Returns a copy holding only the known fields, veto seats trimmed, so a stored snapshot
 * never carries stray input.
 */
export function validatePolicy(input: GatePolicy): GatePolicy {
  const problems: FieldProblem[] = [];
  const raw = (input ?? {}) as Partial<Record<keyof GatePolicy, unknown>>;

  const slaHours = raw.slaHours;
  const slaValid = isFiniteNumber(slaHours) && slaHours > 0 && slaHours <= MAX_SLA_HOURS;
  if (!slaValid) {
    problems.push({ field: 'slaHours', message: `must be a number greater than 0 and at most ${MAX_SLA_HOURS}` });
  }

  const reminder = raw.reminderHoursBeforeDue;
  if (!isFiniteNumber(reminder) || reminder < 0) {
    problems.push({ field: 'reminderHoursBeforeDue', message: 'must be a number of at least 0' });
  } else if (slaValid && reminder >= slaHours) {
    // A reminder at or before the opening would fire immediately and remind of nothing.
    problems.push({ field: 'reminderHoursBeforeDue', message: 'must be less than slaHours' });
  }

  const quorum = raw.quorum;
  if (!isFiniteNumber(quorum) || quorum <= 0 || quorum > 1) {
    problems.push({ field: 'quorum', message: 'must be a share greater than 0 and at most 1' });
  }

  if (!(TALLY_RULES as readonly unknown[]).includes(raw.rule)) {
    problems.push({ field: 'rule', message: `must be one of ${TALLY_RULES.join(', ')}` });
  }

  const vetoSeats: string[] = [];
  if (!Array.isArray(raw.vetoSeats)) {
    problems.push({ field: 'vetoSeats', message: 'must be an array of seat names' });
  } else {
    raw.vetoSeats.forEach((seat: unknown, index: number) => {
      const field = `vetoSeats[${index}]`;
      if (typeof seat !== 'string' || seat.trim() === '') {
        problems.push({ field, message: 'must be a non-empty string' });
      } else if (!isSeatName(seat.trim())) {
        problems.push({ field, message: `names no seat: ${DATA_PROTECTION_SEAT}, ${FUNDING_SEAT} or an agency code (e.g. EUROPOL)` });
      } else if (vetoSeats.includes(seat.trim())) {
        problems.push({ field, message: `duplicates seat ${seat.trim()}` });
      } else {
        vetoSeats.push(seat.trim());
      }
    });
  }

  const thresholdsRaw = raw.thresholds;
  const thresholds = (thresholdsRaw !== null && typeof thresholdsRaw === 'object' ? thresholdsRaw : {}) as Partial<
    Record<keyof Thresholds, unknown>
  >;
  if (thresholdsRaw === null || typeof thresholdsRaw !== 'object') {
    problems.push({ field: 'thresholds', message: 'must be an object' });
  } else {
    for (const criterion of ['excellence', 'impact', 'implementation'] as const) {
      const value = thresholds[criterion];
      if (!isFiniteNumber(value) || value < 0 || value > MAX_SCORE) {
        problems.push({ field: `thresholds.${criterion}`, message: `must be a number from 0 to ${MAX_SCORE}` });
      }
    }
    const total = thresholds.total;
    if (!isFiniteNumber(total) || total < 0 || total > MAX_TOTAL_SCORE) {
      problems.push({ field: 'thresholds.total', message: `must be a number from 0 to ${MAX_TOTAL_SCORE}` });
    }
  }

  const maxRounds = raw.maxRounds;
  if (!Number.isInteger(maxRounds) || (maxRounds as number) < 1 || (maxRounds as number) > MAX_ROUNDS_LIMIT) {
    problems.push({ field: 'maxRounds', message: `must be an integer from 1 to ${MAX_ROUNDS_LIMIT}` });
  }

  const prerequisites: Prerequisite[] = [];
  if (raw.prerequisites !== undefined) {
    if (!Array.isArray(raw.prerequisites)) {
      problems.push({ field: 'prerequisites', message: 'must be an array of prerequisite names' });
    } else {
      raw.prerequisites.forEach((name: unknown, index: number) => {
        if (!(PREREQUISITES as readonly unknown[]).includes(name)) {
          problems.push({ field: `prerequisites[${index}]`, message: `must be one of ${PREREQUISITES.join(', ')}` });
        } else if (!prerequisites.includes(name as Prerequisite)) {
          prerequisites.push(name as Prerequisite);
        }
      });
    }
  }

  if (problems.length > 0) {
    throw new DomainError('POLICY.INVALID', 'Gate policy is invalid', problems);
  }

  return {
    slaHours: slaHours as number,
    reminderHoursBeforeDue: reminder as number,
    quorum: quorum as number,
    rule: raw.rule as TallyRule,
    vetoSeats,
    thresholds: {
      excellence: thresholds.excellence as number,
      impact: thresholds.impact as number,
      implementation: thresholds.implementation as number,
      total: thresholds.total as number,
    },
    maxRounds: maxRounds as number,
    ...(raw.prerequisites !== undefined ? { prerequisites } : {}),
  };
}
