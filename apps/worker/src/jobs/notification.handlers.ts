import { Injectable } from '@nestjs/common';
import { WebhooksService } from '@labgate/core';
import { JobName } from '@labgate/queue';
import { HandlerTable, JobHandlers } from './job-registry';

@Injectable()
export class NotificationHandlers extends JobHandlers {
  constructor(private readonly webhooks: WebhooksService) {
    super();
  }

  handlers(): HandlerTable {
    return {
      [JobName.DeliverWebhook]: async ({ deliveryId }, job) => {
        const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
        return (await this.webhooks.attempt(deliveryId, lastAttempt)) === 'delivered' ? 'success' : 'skipped';
      },
    };
  }
}
