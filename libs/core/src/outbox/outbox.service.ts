import { Injectable } from '@nestjs/common';
import type { JobName, JobOf } from '@labgate/queue';
import { OutboxRepository, Tx, txCorrelationId } from '@labgate/persistence';
import { currentTraceparent } from '../common/tracing';

/**
 * The transactional outbox: follow-up jobs are rows written in the same transaction as the state
 * change that calls for them; the worker's relay moves them to BullMQ with jobId = row id.
 * Nothing here touches Redis, so a request succeeds (and loses nothing) while Redis is away.
 */
@Injectable()
export class OutboxService {
  constructor(private readonly outbox: OutboxRepository) {}

  async enqueue<N extends JobName>(tx: Tx, name: N, payload: JobOf<N>, runAt?: Date): Promise<string> {
    // The id of the request or job whose transaction this is (Transactor.run's context).
    const correlationId = txCorrelationId(tx);
    // With tracing on, the job continues the trace of whatever wrote the row.
    const traceparent = currentTraceparent();
    const data = { ...payload, ...(correlationId ? { correlationId } : {}), ...(traceparent ? { traceparent } : {}) } as Record<string, unknown>;
    return this.outbox.insert(tx, name, data, runAt ?? null);
  }
}
