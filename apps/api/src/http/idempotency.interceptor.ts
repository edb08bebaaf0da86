import { ApiHeader } from '@nestjs/swagger';
import { applyDecorators, CallHandler, ExecutionContext, HttpStatus, Injectable, NestInterceptor, SetMetadata, UseInterceptors } from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import { catchError, from, mergeMap, Observable, of, throwError } from 'rxjs';
import { canonicalJson } from '@labgate/domain';
import { AppError, IdempotencyService, Principal } from '@labgate/core';
import { workOf } from './correlation';

const KEY_FORMAT = /^[\x21-\x7e]{1,255}$/;
/** Response headers that belong to the stored response and are replayed with it. */
const REPLAYED_HEADERS = ['location', 'etag'];

const SECRET_FIELDS = 'labgate:idempotency-secret-fields';

/** The response as kept for replays: without the fields that hold a secret shown once. */
function redact(body: unknown, secrets: readonly string[]): unknown {
  if (secrets.length === 0 || body === null || typeof body !== 'object' || Array.isArray(body)) return body;
  return Object.fromEntries(Object.entries(body).filter(([name]) => !secrets.includes(name)));
}

/**
 * Idempotency-Key on creating POSTs. The fingerprint covers method, path and the canonical
 * body, so the same key with another request is told apart from a replay. The stored response
 * is written in the command's own transaction (a commit hook), so a process that dies after the
 * commit cannot leave a key that runs the command twice; it is rewritten with the final body
 * and headers once the handler returns. Secrets shown once (an API token, a webhook secret) are
 * never stored: a replay answers the resource without them.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(private readonly idempotency: IdempotencyService) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest & { principal: Principal }>();
    const reply = http.getResponse<FastifyReply>();
    const header = request.headers['idempotency-key'];
    if (header === undefined) return next.handle();
    const key = Array.isArray(header) ? header[0]! : header;
    if (!KEY_FORMAT.test(key)) {
      return throwError(
        () => new AppError('IDEMPOTENCY.KEY_INVALID', 'Idempotency-Key must be 1-255 visible ASCII characters', [{ field: 'Idempotency-Key', message: 'malformed' }]),
      );
    }
    const userId = request.principal.id;
    const path = request.url.split('?')[0];
    const fingerprint = createHash('sha256').update(`${request.method} ${path}\n${canonicalJson(request.body ?? null)}`).digest('hex');
    const status: number = Reflect.getMetadata(HTTP_CODE_METADATA, context.getHandler()) ?? HttpStatus.CREATED;
    const secrets: readonly string[] = Reflect.getMetadata(SECRET_FIELDS, context.getHandler()) ?? [];

    return from(this.idempotency.claim(userId, key, fingerprint)).pipe(
      mergeMap((claim) => {
        if (claim.kind === 'replay') {
          for (const [name, value] of Object.entries(claim.headers)) void reply.header(name, value);
          void reply.header('idempotent-replayed', 'true');
          return of(claim.body);
        }
        // The command's first transaction (opened with this request's work context) stores the response.
        workOf(request).commitHook = (tx, result) => this.idempotency.complete(userId, key, status, redact(result, secrets), {}, tx);
        return next.handle().pipe(
          mergeMap(async (body) => {
            const headers: Record<string, string> = {};
            for (const name of REPLAYED_HEADERS) {
              const value = reply.getHeader(name);
              if (typeof value === 'string') headers[name] = value;
            }
            await this.idempotency.complete(userId, key, status, redact(body, secrets), headers);
            return body;
          }),
          catchError((err: unknown) => from(this.idempotency.release(userId, key)).pipe(mergeMap(() => throwError(() => err)))),
        );
      }),
    );
  }
}

/**
 * Marks a creating POST as accepting Idempotency-Key; `secrets` names the response fields shown
 * once, which the stored response (and so a replay) leaves out.
 */
export const Idempotent = (options: { secrets?: string[] } = {}) =>
  applyDecorators(
    SetMetadata(SECRET_FIELDS, options.secrets ?? []),
    UseInterceptors(IdempotencyInterceptor),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description: '1-255 visible ASCII characters: a retry with the same key and body gets the first answer again instead of a second effect; the same key with another body is a 422',
      schema: { type: 'string', pattern: '^[\x21-\x7e]{1,255}$' },
    }),
  );
