import { ALL_JOB_NAMES, handlerProblems, JobName, QUEUE_OF_JOB, QueueName } from './jobs';

const noop = async () => 'success' as const;
const complete = () => Object.fromEntries(ALL_JOB_NAMES.map((n) => [n, noop]));

describe('job contract', () => {
  it('puts every job on a queue', () => {
    for (const name of ALL_JOB_NAMES) expect(Object.values(QueueName)).toContain(QUEUE_OF_JOB[name]);
  });

  it('accepts exactly one handler per job, spread over several tables', () => {
    const all = complete();
    const { [JobName.DeliverWebhook]: webhook, ...rest } = all;
    expect(handlerProblems([rest, { [JobName.DeliverWebhook]: webhook }])).toEqual([]);
  });

  it('refuses a job without a handler', () => {
    const { [JobName.ReviewDeadline]: _missing, ...rest } = complete();
    expect(handlerProblems([rest])).toEqual(['review.deadline has no handler']);
  });

  it('refuses a job with two handlers', () => {
    expect(handlerProblems([complete(), { [JobName.TallyReview]: noop }])).toEqual(['review.tally has 2 handlers']);
  });

  it('refuses a handler for a job that does not exist', () => {
    expect(handlerProblems([{ ...complete(), 'review.teleport': noop } as never])).toEqual(['review.teleport is not a job']);
  });

  it('uses job names without ":" (they end up in BullMQ keys)', () => {
    for (const name of ALL_JOB_NAMES) expect(name).not.toContain(':');
  });
});
