import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter as BullBoardAdapter } from '@bull-board/fastify';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Queue } from 'bullmq';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { APP_CONFIG, AppConfig } from '@labgate/config';
import { AppError, AuthService, hasRole } from '@labgate/core';
import { QueueName, redisOptions } from '@labgate/queue';
import { PROBLEM_CONTENT_TYPE, toProblem } from '../http/problem';

export const DASHBOARD_PATH = '/admin/queues';
const COOKIE = 'labgate_admin';

function tokenFrom(request: FastifyRequest): string | undefined {
  const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
  if (bearer) return bearer;
  const cookie = (request.headers.cookie ?? '').split(';').map((c) => c.trim().split('=')).find(([name]) => name === COOKIE);
  return cookie?.[1] ? decodeURIComponent(cookie[1]) : undefined;
}

/**
 * Bull Board for admins at /admin/queues. A browser cannot send a bearer header, so
 * `/admin/queues?token=…` once sets an HttpOnly, SameSite=Strict cookie scoped to the dashboard.
 */
export async function mountQueueDashboard(app: NestFastifyApplication): Promise<void> {
  const config = app.get<AppConfig>(APP_CONFIG);
  const auth = app.get(AuthService);
  const queues = Object.values(QueueName).map(
    (name) => new Queue(name, { connection: redisOptions(config.redisUrl, { enableOfflineQueue: false }), prefix: config.queuePrefix }),
  );
  for (const queue of queues) queue.on('error', () => undefined);
  const serverAdapter = new BullBoardAdapter();
  serverAdapter.setBasePath(DASHBOARD_PATH);
  createBullBoard({ queues: queues.map((q) => new BullMQAdapter(q)), serverAdapter });

  const fastify = app.getHttpAdapter().getInstance();
  await fastify.register(async (scope) => {
    scope.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
      const query = request.query as { token?: string };
      const token = query.token ?? tokenFrom(request);
      const principal = token ? await auth.resolveToken(token) : null;
      const refusal = !principal
        ? new AppError('AUTH.UNAUTHENTICATED', 'The queue dashboard needs an admin token (Bearer header, or ?token= once)')
        : !hasRole(principal, 'admin')
          ? new AppError('AUTH.FORBIDDEN', 'The queue dashboard is for admins')
          : null;
      if (refusal) {
        const problem = toProblem(refusal, request.id);
        return reply.status(problem.status).header('content-type', PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
      }
      if (query.token) {
        return reply
          .header('set-cookie', `${COOKIE}=${encodeURIComponent(query.token)}; Path=${DASHBOARD_PATH}; HttpOnly; SameSite=Strict`)
          .redirect(DASHBOARD_PATH, 303);
      }
    });
    await scope.register(serverAdapter.registerPlugin(), { prefix: DASHBOARD_PATH });
  });
  fastify.addHook('onClose', async () => {
    await Promise.all(queues.map((q) => q.close()));
  });
}
