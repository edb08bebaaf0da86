import { Injectable, OnModuleInit } from '@nestjs/common';
import { Job, UnrecoverableError } from 'bullmq';
import { DomainError, isUuid } from '@labgate/domain';
import { CORRELATION_ID_FORMAT, inJobSpan } from '@labgate/core';
import type { WorkContext } from '@labgate/persistence';
import { handlerProblems, isJobName, JobName, JobOf, JobOutcome } from '@labgate/queue';

/** `work`: the job's correlation id, for the transactions it opens (the jobs they cause inherit it). */
export type JobHandler<N extends JobName = JobName> = (data: JobOf<N>, job: Job<JobOf<N>>, work: WorkContext) => Promise<JobOutcome>;
export type HandlerTable = { [N in JobName]?: JobHandler<N> };

/** A service that handles some jobs. */
export abstract class JobHandlers {
  abstract handlers(): HandlerTable;
}

/**
 * Every job name has exactly one handler, checked at start-up (the worker refuses to boot
 * otherwise). Job data is validated as strictly as an HTTP body: ids must be UUIDs.
 */
@Injectable()
export class JobRegistry implements OnModuleInit {
  private readonly table = new Map<JobName, JobHandler>();

  constructor(private readonly sources: JobHandlers[]) {}

  onModuleInit(): void {
    const tables = this.sources.map((source) => source.handlers());
    const problems = handlerProblems(tables);
    if (problems.length > 0) throw new Error(`Job registry: ${problems.join('; ')}`);
    for (const table of tables) {
      for (const [name, handler] of Object.entries(table) as Array<[JobName, JobHandler]>) this.table.set(name, handler);
    }
  }

  async run(job: Job): Promise<JobOutcome> {
    if (!isJobName(job.name)) throw new UnrecoverableError(`unknown job ${job.name}`);
    const { correlationId, traceparent, ...ids } = (job.data ?? {}) as Record<string, unknown>;
    for (const [key, value] of Object.entries(ids)) {
      if (key.endsWith('Id') && (typeof value !== 'string' || !isUuid(value))) {
        throw new UnrecoverableError(`job ${job.name} ${job.id}: ${key} is not an id`);
      }
    }
    if (correlationId !== undefined && (typeof correlationId !== 'string' || !CORRELATION_ID_FORMAT.test(correlationId))) {
      throw new UnrecoverableError(`job ${job.name} ${job.id}: malformed correlationId`);
    }
    const handler = this.table.get(job.name)!;
    try {
      // Jobs this one causes (through the outbox) carry the same correlation id.
      const id = correlationId ?? `job-${job.id}`;
      const attributes = { 'labgate.correlation_id': id, 'messaging.message.id': job.id ?? '', 'messaging.destination.name': job.queueName };
      return await inJobSpan(job.name, typeof traceparent === 'string' ? traceparent : undefined, attributes, () => handler(job.data, job, { correlationId: id }));
    } catch (err) {
      // A domain refusal will refuse again on every retry: fail it now, keep it for inspection.
      if (err instanceof DomainError) throw new UnrecoverableError(`${err.code}: ${err.message}`);
      throw err;
    }
  }

  names(): JobName[] {
    return [...this.table.keys()];
  }
}
