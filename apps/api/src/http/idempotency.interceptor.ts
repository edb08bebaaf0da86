import { CallHandler, ExecutionContext, HttpStatus, Injectable, NestInterceptor, UseInterceptors } from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import { catchError, from, mergeMap, Observable, of, throwError } from 'rxjs';
import { canonicalJson } from '@labgate/domain';
import { AppError, IdempotencyService, Principal } from '@labgate/core';

const KEY_FORMAT = /^[\x21-\x7e]{1,255}$/;
/** Response headers that belong to the stored response and are replayed with it. */
const REPLAYED_HEADERS = ['location', 'etag'];

/**
 * Idempotency-Key on creating POSTs. The fingerprint covers method, path and the canonical
 * body, so the same key with another request is told apart from a replay.
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

    return from(this.idempotency.claim(userId, key, fingerprint)).pipe(
      mergeMap((claim) => {
        if (claim.kind === 'replay') {
          for (const [name, value] of Object.entries(claim.headers)) void reply.header(name, value);
          void reply.header('idempotent-replayed', 'true');
          return of(claim.body);
        }
        return next.handle().pipe(
          mergeMap(async (body) => {
            const headers: Record<string, string> = {};
            for (const name of REPLAYED_HEADERS) {
              const value = reply.getHeader(name);
              if (typeof value === 'string') headers[name] = value;
            }
            await this.idempotency.complete(userId, key, status, body, headers);
            return body;
          }),
          catchError((err: unknown) => from(this.idempotency.release(userId, key)).pipe(mergeMap(() => throwError(() => err)))),
        );
      }),
    );
  }
}

/** Marks a creating POST as accepting Idempotency-Key. */
export const Idempotent = () => UseInterceptors(IdempotencyInterceptor);
