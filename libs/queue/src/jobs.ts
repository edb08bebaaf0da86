/**
 * The queued workflow's contract: queue and job names as enums, each job's payload looked up
 * from its name. Payloads carry ids only; handlers re-read the rows, which own the state.
 */
export enum QueueName {
  Reviews = 'reviews',
  Notifications = 'notifications',
  Maintenance = 'maintenance',
}

export enum JobName {
  /** Assign the seats of a new gate review, notify, schedule reminder and deadline. */
  OpenReview = 'review.open',
  /** Tally after a vote. */
  TallyReview = 'review.tally',
  /** The review's deadline: tally over the votes cast, or escalate without quorum. */
  ReviewDeadline = 'review.deadline',
  /** Remind assignees who have not voted. */
  RemindReviewers = 'review.remind',
  /** A review left `open`: remove its delayed reminder and deadline jobs. */
  CloseReviewTimers = 'review.close-timers',
  /** POST one webhook delivery, signed; retried with exponential backoff. */
  DeliverWebhook = 'webhook.deliver',
  /** Seal the heads of all audit chains into a Merkle root. */
  SealAuditChains = 'audit.seal',
  /** Forget Idempotency-Key records older than IDEMPOTENCY_TTL_HOURS. */
  ExpireIdempotencyKeys = 'idempotency.expire',
  /** Fold the report rollups' per-session slots into slot 0. */
  FoldReportRollups = 'reports.fold',
}

interface ReviewJob {
  gateReviewId: string;
}

export interface JobPayloads {
  [JobName.OpenReview]: ReviewJob;
  [JobName.TallyReview]: ReviewJob;
  [JobName.ReviewDeadline]: ReviewJob;
  [JobName.RemindReviewers]: ReviewJob;
  [JobName.CloseReviewTimers]: ReviewJob & { jobIds: string[] };
  [JobName.DeliverWebhook]: { deliveryId: string };
  [JobName.SealAuditChains]: Record<string, never>;
  [JobName.ExpireIdempotencyKeys]: Record<string, never>;
  [JobName.FoldReportRollups]: Record<string, never>;
}

/** A job's payload; `correlationId` is the id of the request (or job) that caused it. */
export type JobOf<N extends JobName> = JobPayloads[N] & { correlationId?: string };

export const QUEUE_OF_JOB: Record<JobName, QueueName> = {
  [JobName.OpenReview]: QueueName.Reviews,
  [JobName.TallyReview]: QueueName.Reviews,
  [JobName.ReviewDeadline]: QueueName.Reviews,
  [JobName.RemindReviewers]: QueueName.Reviews,
  [JobName.CloseReviewTimers]: QueueName.Reviews,
  [JobName.DeliverWebhook]: QueueName.Notifications,
  [JobName.SealAuditChains]: QueueName.Maintenance,
  [JobName.ExpireIdempotencyKeys]: QueueName.Maintenance,
  [JobName.FoldReportRollups]: QueueName.Maintenance,
};

export const ALL_JOB_NAMES = Object.values(JobName) as JobName[];

export function isJobName(value: string): value is JobName {
  return (ALL_JOB_NAMES as string[]).includes(value);
}

/** What a handler reports; Immich-style, so a second run of a job says `skipped`, not an error. */
export type JobOutcome = 'success' | 'skipped';

/**
 * What is wrong with a set of handler tables: a job name with no handler, or with two. The
 * worker refuses to start unless this is empty.
 */
export function handlerProblems(tables: Array<Partial<Record<JobName, unknown>>>): string[] {
  const seen = new Map<string, number>();
  for (const table of tables) for (const name of Object.keys(table)) seen.set(name, (seen.get(name) ?? 0) + 1);
  const problems: string[] = [];
  for (const [name, count] of seen) {
    if (!isJobName(name)) problems.push(`${name} is not a job`);
    else if (count > 1) problems.push(`${name} has ${count} handlers`);
  }
  for (const name of ALL_JOB_NAMES) if (!seen.has(name)) problems.push(`${name} has no handler`);
  return problems;
}
