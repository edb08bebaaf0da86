import { HttpException, HttpStatus } from '@nestjs/common';
import { DomainError } from '@labgate/domain';
import { AppError, ErrorDetail, statusForCode } from '@labgate/core';

/** RFC 9457 problem details, plus our stable `code` and the request's correlation id. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  correlationId?: string;
  errors?: ErrorDetail[];
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

/** Codes for framework errors that carry only a status. */
export const CODE_BY_STATUS: Readonly<Record<number, string>> = {
  400: 'REQUEST.INVALID',
  401: 'AUTH.UNAUTHENTICATED',
  403: 'AUTH.FORBIDDEN',
  404: 'ROUTE.NOT_FOUND',
  405: 'REQUEST.METHOD_NOT_ALLOWED',
  406: 'REQUEST.NOT_ACCEPTABLE',
  408: 'REQUEST.TIMEOUT',
  409: 'REQUEST.CONFLICT',
  413: 'REQUEST.TOO_LARGE',
  414: 'REQUEST.URI_TOO_LONG',
  415: 'REQUEST.UNSUPPORTED_MEDIA_TYPE',
  429: 'REQUEST.RATE_LIMITED',
  431: 'REQUEST.HEADERS_TOO_LARGE',
  500: 'SERVER.INTERNAL',
  503: 'SERVER.UNAVAILABLE',
};


function titleFor(status: number): string {
  const name = HttpStatus[status];
  if (!name) return status >= 500 ? 'Server error' : 'Request error';
  return name
    .toLowerCase()
    .split('_')
    .map((w, i) => (i === 0 ? w[0]!.toUpperCase() + w.slice(1) : w))
    .join(' ')
    .replace(/\bhttp\b/, 'HTTP');
}

function build(status: number, code: string, detail: string, errors?: ErrorDetail[], correlationId?: string): ProblemDetails {
  return {
    type: `urn:labgate:problem:${code.toLowerCase()}`,
    title: titleFor(status),
    status,
    detail,
    code,
    ...(correlationId ? { correlationId } : {}),
    ...(errors && errors.length > 0 ? { errors } : {}),
  };
}

/**
 * Turns anything thrown into problem details. Internal errors reveal nothing: the correlation id
 * is what an operator needs to find the logged cause.
 */
export function toProblem(err: unknown, correlationId?: string): ProblemDetails {
  if (err instanceof AppError || err instanceof DomainError) {
    return build(statusForCode(err.code), err.code, err.message, err.details, correlationId);
  }
  if (err instanceof HttpException && err.getStatus() < 500) {
    const status = err.getStatus();
    const response = err.getResponse();
    const message =
      typeof response === 'string'
        ? response
        : Array.isArray((response as { message?: unknown }).message)
          ? ((response as { message: string[] }).message.join('; '))
          : String((response as { message?: unknown }).message ?? err.message);
    return build(status, CODE_BY_STATUS[status] ?? `HTTP.${status}`, message, undefined, correlationId);
  }
  const fastifyError = err as { statusCode?: number; code?: string; message?: string };
  if (typeof fastifyError.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    const status = fastifyError.statusCode;
    return build(status, CODE_BY_STATUS[status] ?? `HTTP.${status}`, describeFastifyError(fastifyError), undefined, correlationId);
  }
  return build(500, 'SERVER.INTERNAL', 'An internal error occurred; quote the correlation id when reporting it', undefined, correlationId);
}

function describeFastifyError(err: { code?: string; message?: string }): string {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'The request body is larger than the 1 MiB limit';
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'Send request bodies as application/json';
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'The request declared a JSON body but sent none';
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return `The body is not valid JSON: ${err.message}`;
    default:
      return err.message ?? 'The request is invalid';
  }
}
