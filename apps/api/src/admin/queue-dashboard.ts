import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter as BullBoardAdapter } from '@bull-board/fastify';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, AuthService, hasRole } from '@labgate/core';
import { PROBLEM_CONTENT_TYPE, toProblem } from '../http/problem';
import { AuthFailureLimiter, tooManyFailures } from '../auth/auth-failures';
import { QueueHandles } from './queue-handles';

export const DASHBOARD_PATH = '/admin/queues';
const COOKIE = 'labgate_admin';

const SESSION_TTL_MS = 15 * 60_000;

function cookieFrom(request: FastifyRequest): string | undefined {
  const cookie = (request.headers.cookie ?? '').split(';').map((c) => c.trim().split('=')).find(([name]) => name === COOKIE);
  return cookie?.[1] ? decodeURIComponent(cookie[1]) : undefined;
}

// Fastify reads X-Forwarded-Proto only from the proxies TRUST_PROXY names.
const isHttps = (request: FastifyRequest) => request.protocol === 'https';

/**
 * Bull Board for admins at /admin/queues, read-only (no retry, clean, pause or obliterate: a
 * job's state is the database's, not the dashboard's). A browser cannot send a bearer header, so
 * `/admin/queues?token=…` once exchanges the token for a signed session cookie valid 15 minutes
 * (HttpOnly, SameSite=Strict, Secure behind HTTPS, scoped to the dashboard) that stands for the
 * token without holding it, and dies with it.
 */
export async function mountQueueDashboard(app: NestFastifyApplication): Promise<void> {
  const auth = app.get(AuthService);
  const failures = app.get(AuthFailureLimiter);
  const queues = app.get(QueueHandles).all;
  const serverAdapter = new BullBoardAdapter();
  serverAdapter.setBasePath(DASHBOARD_PATH);
  createBullBoard({ queues: queues.map((q) => new BullMQAdapter(q, { readOnlyMode: true })), serverAdapter });

  const fastify = app.getHttpAdapter().getInstance();
  await fastify.register(async (scope) => {
    scope.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
      const query = request.query as { token?: string };
      const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
      const token = query.token ?? bearer;
      const session = token ? undefined : cookieFrom(request);
      // Token logins here count against the address's failed authentications like the API's.
      const wait = failures.retryAfter(request.ip);
      if (wait > 0) {
        const problem = toProblem(tooManyFailures(), request.id);
        return reply.status(problem.status).header('retry-after', String(wait)).header('content-type', PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
      }
      const principal = token ? await auth.resolveToken(token) : session ? await auth.resolveSession(session) : null;
      if (!principal) await failures.recordFailure(request.ip);
      const refusal = !principal
        ? new AppError('AUTH.UNAUTHENTICATED', 'The queue dashboard needs an admin token (Bearer header, or ?token= once)')
        : !hasRole(principal, 'admin')
          ? new AppError('AUTH.FORBIDDEN', 'The queue dashboard is for admins')
          : null;
      if (refusal) {
        const problem = toProblem(refusal, request.id);
        return reply.status(problem.status).header('content-type', PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
      }
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        const problem = toProblem(new AppError('REQUEST.METHOD_NOT_ALLOWED', 'The queue dashboard is read-only'), request.id);
        return reply.status(problem.status).header('allow', 'GET, HEAD').header('content-type', PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
      }
      if (query.token) {
        const secure = isHttps(request) ? '; Secure' : '';
        const cookie = `${COOKIE}=${encodeURIComponent(auth.issueSession(query.token, SESSION_TTL_MS))}; Path=${DASHBOARD_PATH}; Max-Age=${SESSION_TTL_MS / 1000}; HttpOnly; SameSite=Strict${secure}`;
        return reply.header('set-cookie', cookie).redirect(DASHBOARD_PATH, 303);
      }
    });
    await scope.register(serverAdapter.registerPlugin(), { prefix: DASHBOARD_PATH });
  });
}
