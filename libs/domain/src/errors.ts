/**
 * Stable codes: the API's exception filter maps them to HTTP statuses and clients branch on
 * them, so a code is never renamed once released; the message is for humans and may change.
 */
export type DomainErrorCode =
  | 'GATE.OUTCOME_INVALID'
  | 'GATE.MUST_END'
  | 'PILOT.WRONG_STATE'
  | 'PILOT.LESSONS_REQUIRED'
  | 'POLICY.INVALID'
  | 'SUBMISSION.INVALID'
  | 'SUBMISSION.TRANCHE_EXCEEDS_REQUEST'
  | 'MONEY.INVALID'
  | 'BUDGET.ENVELOPE_EXCEEDED'
  | 'SPEND.OVER_COMMITTED'
  | 'REVIEW.REVIEWER_INELIGIBLE'
  | 'TALLY.INVALID'
  | 'COMPLIANCE.PROHIBITED'
  | 'COMPLIANCE.PREREQUISITES_MISSING';

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
