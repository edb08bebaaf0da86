/**
 * Application errors with stable codes: the ones that are not gate rules (those are the
 * domain's DomainErrorCode, in libs/domain/src/errors.ts). Services throw these (never HTTP exceptions); the API's
 * problem filter maps each code to a status, so the same rule reads the same in every response.
 */
export type AppErrorCode =
  | 'REQUEST.INVALID'
  | 'REQUEST.METHOD_NOT_ALLOWED'
  | 'AUTH.UNAUTHENTICATED'
  | 'AUTH.FORBIDDEN'
  | 'AGENCY.ALREADY_EXISTS'
  | 'AGENCY.UNKNOWN'
  | 'USER.ALREADY_EXISTS'
  | 'USER.NOT_FOUND'
  | 'PROGRAMME.NOT_FOUND'
  | 'PILOT.NOT_FOUND'
  | 'PILOT.NOT_LEAD'
  | 'PILOT.PRECONDITION_REQUIRED'
  | 'PILOT.STALE'
  | 'PILOT.EXAMS_LOCKED'
  | 'PILOT.INVALID'
  | 'PILOT.PROGRAMME_UNKNOWN'
  | 'PILOT.PROGRAMME_LOCKED'
  | 'PILOT.DOMAIN_LOCKED'
  | 'PILOT.BUDGET_BELOW_COMMITTED'
  | 'PAGINATION.INVALID_CURSOR'
  | 'RESOURCE.NOT_FOUND'
  | 'SERVER.UNAVAILABLE'
  | 'REVIEW.NOT_FOUND'
  | 'REVIEW.NOT_ASSIGNED'
  | 'ASSIGNMENT.NOT_FOUND'
  | 'ASSIGNMENT.WRONG_STATE'
  | 'GATE.REVIEW_OPEN'
  | 'GATE.NOT_OPEN'
  | 'GATE.NOT_DECIDED'
  | 'GATE.NOT_ESCALATED'
  | 'VOTE.DUPLICATE'
  | 'WEBHOOK.DELIVERY_NOT_FAILED'
  | 'IDEMPOTENCY.KEY_INVALID'
  | 'IDEMPOTENCY.IN_PROGRESS'
  | 'IDEMPOTENCY.KEY_REUSED';

export interface ErrorDetail {
  field: string;
  message: string;
}

export class AppError extends Error {
  override name = 'AppError';

  constructor(
    readonly code: AppErrorCode,
    message: string,
    readonly details?: ErrorDetail[],
  ) {
    super(message);
  }
}
