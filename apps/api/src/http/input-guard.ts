import { HttpException, HttpStatus } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import { isUtf8 } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { AppError, type ErrorDetail } from '@labgate/core';
import { PROBLEM_CONTENT_TYPE, toProblem } from './problem';

/** Deeper than any body of the interface (a pilot's exams sit at depth 4). */
export const MAX_DEPTH = 32;
/**
 * Keys that reach a prototype, and the names of Object.prototype's own members (toString,
 * hasOwnProperty, __defineGetter__ …): class-transformer drops the latter silently instead of
 * letting the whitelist refuse them as unknown, so a body carrying one was accepted.
 */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype', ...Object.getOwnPropertyNames(Object.prototype)]);
/** C0 controls other than tab (U+0009) and newline (U+000A), NUL included. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u0008\u000B-\u001F]/;

function problemWith(value: string): string | null {
  if (value.includes('\u0000')) return 'contains a NUL character';
  if (!value.isWellFormed()) return 'contains a lone surrogate (not valid Unicode)';
  if (CONTROL.test(value)) return 'contains a control character (only tab and newline are allowed)';
  return null;
}

/**
 * Every string of a body, query or path, keys included, checked once at the edge (DESIGN §5):
 * NUL, lone surrogates and C0 controls other than tab and newline, numbers JSON.parse made
 * infinite (1e400), nesting deeper than MAX_DEPTH, and prototype keys are refused with a 400 naming the field, before any validator,
 * transformer or query sees them.
 */
export function inputProblems(where: string, value: unknown): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  const walk = (v: unknown, path: string, depth: number): void => {
    if (problems.length >= 20) return;
    if (typeof v === 'string') {
      const why = problemWith(v);
      if (why) problems.push({ field: path, message: why });
      return;
    }
    // JSON.parse turns 1e400 into Infinity, which no field accepts and nothing can store.
    if (typeof v === 'number' && !Number.isFinite(v)) {
      problems.push({ field: path, message: 'is a number too large to represent' });
      return;
    }
    if (v === null || typeof v !== 'object') return;
    if (depth > MAX_DEPTH) {
      problems.push({ field: path, message: `nests deeper than ${MAX_DEPTH} levels` });
      return;
    }
    if (Array.isArray(v)) {
      v.forEach((item, i) => walk(item, `${path}[${i}]`, depth + 1));
      return;
    }
    for (const key of Object.keys(v)) {
      const at = path ? `${path}.${key}` : key;
      const why = FORBIDDEN_KEYS.has(key) ? 'is not an allowed property name' : problemWith(key);
      if (why) {
        problems.push({ field: at, message: why });
        continue;
      }
      walk((v as Record<string, unknown>)[key], at, depth + 1);
    }
  };
  walk(value, where, 0);
  return problems;
}

/** Null, undefined, or an object without enumerable keys, decided without building the key list. */
function isEmpty(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  for (const _ in value as object) return false;
  return true;
}

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(;|$)/i;

/** The hooks: media type, then every string of path, query and body. */
export function installInputGuard(fastify: FastifyInstance, send: (request: FastifyRequest, reply: FastifyReply, err: unknown) => void): void {
  // A callback hook, not an async one: no promise on the way of every request.
  fastify.addHook('preValidation', (request, reply, done) => {
    const type = request.headers['content-type'];
    if (request.body !== undefined && request.body !== null && type !== undefined && !JSON_TYPE.test(type)) {
      send(request, reply, new HttpException(`Bodies are application/json, not ${type.split(';')[0]}`, HttpStatus.UNSUPPORTED_MEDIA_TYPE));
      return;
    }
    // Nothing to walk (most reads: no path parameters, no query, no body).
    if ((request.body === undefined || request.body === null) && isEmpty(request.params) && isEmpty(request.query)) {
      done();
      return;
    }
    const problems = [
      ...inputProblems('', request.params ?? {}),
      ...inputProblems('', request.query ?? {}),
      ...inputProblems('', request.body ?? null),
    ];
    if (problems.length > 0) {
      send(request, reply, new AppError('REQUEST.INVALID', `The request is invalid: ${problems.map((p) => `${p.field || 'body'} ${p.message}`).join('; ')}`, problems));
      return;
    }
    done();
  });
}

/**
 * The JSON body parser: Fastify's own (prototype and constructor keys refused), behind a check
 * that the bytes are UTF-8. Decoding replaces every invalid byte with U+FFFD, so a title sent in
 * Latin-1 or cut mid-character would be stored silently corrupted; it is refused instead, like a
 * lone surrogate written as a JSON escape.
 */
export function utf8JsonParser(fastify: FastifyInstance): (request: FastifyRequest, body: Buffer, done: (err: Error | null, body?: unknown) => void) => void {
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  return (request, body, done) => {
    if (!isUtf8(body)) {
      done(Object.assign(new Error('The body is not valid UTF-8: send text as UTF-8'), { statusCode: 400 }));
      return;
    }
    parseJson(request, body.toString('utf8'), done);
  };
}

/**
 * Errors of the HTTP parser itself (a header block too large, a malformed request line, a
 * request that did not arrive in time) as problem+json with a correlation id, on the raw socket:
 * no route, no Nest, no Fastify reply exists yet.
 */
export function clientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : err.code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW' ? 413 : 400;
  const id = randomUUID();
  const detail =
    status === 431 ? 'The request headers are too large' : status === 408 ? 'The request did not arrive in time' : 'The request could not be parsed as HTTP';
  const problem = { ...toProblem(new HttpException(detail, status), id), detail };
  const body = JSON.stringify(problem);
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `X-Request-Id: ${id}\r\nConnection: close\r\n\r\n${body}`,
  );
}
