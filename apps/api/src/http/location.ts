import { type CallHandler, type ExecutionContext, type NestInterceptor, UseInterceptors } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type Observable, tap } from 'rxjs';

/** Where a created resource can be read, from the handler's answer and the request. */
type PathOf<R> = (result: R, request: FastifyRequest<{ Params: Record<string, string> }>) => string;

class LocationInterceptor<R> implements NestInterceptor<R, R> {
  constructor(private readonly path: PathOf<R>) {}

  intercept(context: ExecutionContext, next: CallHandler<R>): Observable<R> {
    const http = context.switchToHttp();
    // Set before the idempotency interceptor (global, so outside this one) records the answer's
    // headers: a replay carries the same Location.
    return next.handle().pipe(tap((result) => void http.getResponse<FastifyReply>().header('location', this.path(result, http.getRequest()))));
  }
}

/** A 201 carries `Location` (DESIGN §5): the URL that reads what the request created. */
export function Located<R>(path: PathOf<R>): MethodDecorator {
  return UseInterceptors(new LocationInterceptor(path));
}
