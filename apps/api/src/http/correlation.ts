import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { WorkContext } from '@labgate/persistence';

export const CORRELATION_HEADER = 'x-request-id';
const ACCEPTABLE = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's X-Request-Id when it is sane, else a fresh one. */
export function correlationIdFor(req: IncomingMessage): string {
  const given = req.headers[CORRELATION_HEADER];
  return typeof given === 'string' && ACCEPTABLE.test(given) ? given : randomUUID();
}

export function correlationIdOf(request: FastifyRequest): string {
  return request.id;
}

const works = new WeakMap<FastifyRequest, WorkContext>();

/**
 * The request's work context, made on first use: its correlation id, and the Idempotency-Key's
 * commit hook once the interceptor has set one. Services hand it to Transactor.run.
 */
export function workOf(request: FastifyRequest): WorkContext {
  let work = works.get(request);
  if (!work) {
    work = { correlationId: request.id };
    works.set(request, work);
  }
  return work;
}

export function workOfContext(_data: unknown, ctx: ExecutionContext): WorkContext {
  return workOf(ctx.switchToHttp().getRequest<FastifyRequest>());
}

/** The request's work context (workOf), for a command that opens a transaction. */
export const Work = createParamDecorator(workOfContext);
