import { ArgumentsHost, Catch, ExceptionFilter, Logger, NotFoundException } from '@nestjs/common';
import { AppError } from '@labgate/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { correlationIdOf, CORRELATION_HEADER } from './correlation';
import { PROBLEM_CONTENT_TYPE, toProblem } from './problem';

/** Every error leaves the API as RFC 9457 problem+json. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(err: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    sendProblem(request, reply, err, this.logger);
  }
}

/** The methods the API's routes use (HEAD: every GET's). */
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/**
 * The methods served at the path of a request the router matched no route for, in the router's
 * own matching (parameters, trailing slash, query string): empty when the path itself is unknown.
 */
function allowedMethods(request: FastifyRequest): string[] {
  return METHODS.filter((method) => method !== request.method && request.server.findRoute({ method, url: request.url }) !== null);
}

/**
 * A request the router matched no route for, at a path served for other methods: 405 with the
 * methods it allows (RFC 9110 §15.5.6), not a 404 that says the resource is not there.
 */
function methodNotAllowed(request: FastifyRequest, reply: FastifyReply, err: unknown): unknown {
  if (!request.is404 || !(err instanceof NotFoundException)) return err;
  const allow = allowedMethods(request);
  if (allow.length === 0) return err;
  void reply.header('allow', allow.join(', '));
  return new AppError('REQUEST.METHOD_NOT_ALLOWED', `${request.method} is not served at this path; it serves ${allow.join(', ')}`);
}

export function sendProblem(request: FastifyRequest, reply: FastifyReply, err: unknown, logger: Logger): void {
  const problem = toProblem(methodNotAllowed(request, reply, err), correlationIdOf(request));
  if (problem.status >= 500) {
    logger.error({ err, correlationId: problem.correlationId, url: request.url }, 'request failed');
  }
  if (reply.sent) return;
  // RFC 6750 §3: a 401 names the scheme it wants.
  if (problem.status === 401) void reply.header('www-authenticate', 'Bearer realm="labgate"');
  // Set here too: errors Fastify raises while routing skip the hooks that otherwise add it.
  void reply
    .status(problem.status)
    .header('content-type', PROBLEM_CONTENT_TYPE)
    .header(CORRELATION_HEADER, problem.correlationId)
    .send(JSON.stringify(problem));
}
