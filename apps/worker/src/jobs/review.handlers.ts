import { Injectable } from '@nestjs/common';
import { WorkflowService } from '@labgate/core';
import { JobName, QueueName } from '@labgate/queue';
import { HandlerTable, JobHandlers } from './job-registry';
import { Queues } from './queues';

@Injectable()
export class ReviewHandlers extends JobHandlers {
  constructor(
    private readonly workflow: WorkflowService,
    private readonly queues: Queues,
  ) {
    super();
  }

  handlers(): HandlerTable {
    return {
      [JobName.OpenReview]: ({ gateReviewId }, _job, work) => this.workflow.openReview(gateReviewId, work),
      [JobName.TallyReview]: ({ gateReviewId }, _job, work) => this.workflow.tallyReview(gateReviewId, false, work),
      [JobName.ReviewDeadline]: ({ gateReviewId }, _job, work) => this.workflow.tallyReview(gateReviewId, true, work),
      [JobName.RemindReviewers]: ({ gateReviewId }, _job, work) => this.workflow.remindReviewers(gateReviewId, work),
      [JobName.CloseReviewTimers]: async ({ jobIds }) => {
        // Removing is a courtesy: a timer that fires anyway finds the review closed and skips.
        const queue = this.queues.get(QueueName.Reviews);
        const removed = await Promise.all(jobIds.map((id) => queue.remove(id)));
        return removed.some((n) => n > 0) ? 'success' : 'skipped';
      },
    };
  }
}
