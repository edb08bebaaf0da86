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
      [JobName.OpenReview]: ({ gateReviewId }) => this.workflow.openReview(gateReviewId),
      [JobName.TallyReview]: ({ gateReviewId }) => this.workflow.tallyReview(gateReviewId, false),
      [JobName.ReviewDeadline]: ({ gateReviewId }) => this.workflow.tallyReview(gateReviewId, true),
      [JobName.RemindReviewers]: ({ gateReviewId }) => this.workflow.remindReviewers(gateReviewId),
      [JobName.CloseReviewTimers]: async ({ jobIds }) => {
        // Removing is a courtesy: a timer that fires anyway finds the review closed and skips.
        const queue = this.queues.get(QueueName.Reviews);
        const removed = await Promise.all(jobIds.map((id) => queue.remove(id)));
        return removed.some((n) => n > 0) ? 'success' : 'skipped';
      },
    };
  }
}
