import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { JobName, JobOf } from '@labgate/queue';
import { currentCorrelationId } from '../common/request-context';

/**
 * The transactional outbox: follow-up jobs are rows written in the same transaction as the state
 * change that calls for them; the worker's relay moves them to BullMQ with jobId = row id.
 * Nothing here touches Redis, so a request succeeds (and loses nothing) while Redis is away.
 */
@Injectable()
export class OutboxService {
  async enqueue<N extends JobName>(tx: EntityManager, name: N, payload: JobOf<N>, runAt?: Date): Promise<string> {
    const correlationId = currentCorrelationId();
    const [row]: Array<{ id: string }> = await tx.query(
      'INSERT INTO outbox (job_name, payload, run_at) VALUES ($1, $2, $3) RETURNING id',
      [name, JSON.stringify(correlationId ? { ...payload, correlationId } : payload), runAt ?? null],
    );
    return row!.id;
  }
}
