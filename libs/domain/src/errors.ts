/**
 * Stable codes: the API's exception filter maps them to HTTP statuses and clients branch on
 * them, so a code is never renamed once released; the message is for humans and may change.
 */
export type DomainErrorCode =
  | 'GATE.OUTCOME_NOT_ALLOWED'
  | 'GATE.NO_GATE_FROM_STAGE'
  | 'PILOT.TERMINAL'
  | 'PILOT.LESSONS_REQUIRED'
  | 'POLICY.INVALID'
  | 'SUBMISSION.INVALID'
  | 'MONEY.INVALID'
  | 'BUDGET.ENVELOPE_EXCEEDED'
  | 'SPEND.OVER_COMMITTED'
  | 'TALLY.INVALID';

export interface FieldProblem {
  field: string;
  message: string;
}

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    readonly details?: FieldProblem[],
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export function isDomainError(value: unknown): value is DomainError {
  return value instanceof DomainError;
}
