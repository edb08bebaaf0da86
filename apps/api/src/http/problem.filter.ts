import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
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

export function sendProblem(request: FastifyRequest, reply: FastifyReply, err: unknown, logger: Logger): void {
  const problem = toProblem(err, correlationIdOf(request));
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
