import { DomainError, FieldProblem } from './errors';
import { Stage, requireGate } from './stages';

export interface ExamResult {
  exam: string;
  actual: string;
  passed: boolean;
}

export interface SubmissionInput {
  stage: Stage;
  trl: number;
  examResults: ExamResult[];
  /** The names of the exams in the pilot's Heilmeier catechism. */
  examNames: string[];
  trancheCents: number;
  budgetRequestedCents: number;
  committedCents: number;
  report: string;
}

function isBlank(value: unknown): boolean {
  return typeof value !== 'string' || value.trim() === '';
}

/**
 * State errors come first and alone (they are a 409, not a form to fix); field problems are
 * collected together so the lead corrects everything in one go.
 */
export function validateSubmission(input: SubmissionInput): void {
  requireGate(input.stage);

  const problems: FieldProblem[] = [];

  if (!Number.isInteger(input.trl) || input.trl < 1 || input.trl > 9) {
    problems.push({ field: 'trl', message: 'must be an integer technology readiness level from 1 to 9' });
  }

  if (!Array.isArray(input.examResults)) {
    problems.push({ field: 'examResults', message: 'must be an array' });
  } else {
    const seen = new Set<string>();
    input.examResults.forEach((result, index) => {
      const prefix = `examResults[${index}]`;
      const exam: unknown = result?.exam;
      if (typeof exam !== 'string' || !input.examNames.includes(exam)) {
        problems.push({ field: `${prefix}.exam`, message: `must name one of the pilot's exams: ${input.examNames.join(', ') || '(none)'}` });
      } else if (seen.has(exam)) {
        problems.push({ field: `${prefix}.exam`, message: `exam ${exam} is reported twice` });
      }
      if (typeof exam === 'string') seen.add(exam);
      if (typeof result?.actual !== 'string') {
        problems.push({ field: `${prefix}.actual`, message: 'must be a string' });
      }
      if (typeof result?.passed !== 'boolean') {
        problems.push({ field: `${prefix}.passed`, message: 'must be a boolean' });
      }
    });
  }

  const tranche = input.trancheCents;
  const trancheIsCents = typeof tranche === 'number' && Number.isSafeInteger(tranche) && tranche >= 0;
  if (!trancheIsCents) {
    problems.push({ field: 'trancheCents', message: 'must be a non-negative whole number of cents' });
  }

  if (isBlank(input.report)) {
    problems.push({ field: 'report', message: 'must not be blank' });
  }

  if (problems.length > 0) {
    throw new DomainError('SUBMISSION.INVALID', 'Submission is invalid', problems);
  }

  // A well-formed submission that asks for more than the pilot requested breaks a rule (422),
  // rather than being a form to fix. Clamped at zero: if the lead lowered the request below
  // what is already committed, a no-money submission must still be possible.
  const remainingRequest = Math.max(0, input.budgetRequestedCents - input.committedCents);
  if (tranche > remainingRequest) {
    throw new DomainError('SUBMISSION.TRANCHE_EXCEEDS_REQUEST', `The tranche exceeds what is left of the requested budget (${remainingRequest} cents)`, [
      { field: 'trancheCents', message: `must be at most ${remainingRequest}` },
    ]);
  }
}
