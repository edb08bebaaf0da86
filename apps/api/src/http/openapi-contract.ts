import type { OpenAPIObject } from '@nestjs/swagger';
import { STATUS_BY_CODE } from '@labgate/core';
import { CODE_BY_STATUS, PROBLEM_CONTENT_TYPE } from './problem';

type Operation = NonNullable<OpenAPIObject['paths'][string]['get']>;
type Responses = Operation['responses'];

/** Every code a problem can carry, by status: the domain's and the application's table, and the framework's. */
function codesByStatus(): Map<number, string[]> {
  const byStatus = new Map<number, Set<string>>();
  const add = (status: number, code: string) => byStatus.set(status, (byStatus.get(status) ?? new Set()).add(code));
  for (const [code, status] of Object.entries(STATUS_BY_CODE)) add(status, code);
  for (const [status, code] of Object.entries(CODE_BY_STATUS)) add(Number(status), code);
  return new Map([...byStatus].sort(([a], [b]) => a - b).map(([status, codes]) => [status, [...codes].sort()]));
}

const MEANING: Record<number, string> = {
  400: 'The request is invalid (a field, the query, the path, or a string with NUL, a lone surrogate or a control character); `errors` names each field',
  401: 'No API token, or one that is unknown, revoked or expired',
  403: 'The token’s roles or agency do not allow this',
  404: 'Nothing with that id that you may see',
  408: 'The request did not arrive within REQUEST_TIMEOUT_MS',
  409: 'The resource is not in a state that allows this',
  412: 'If-Match does not match the current version; read it again',
  413: 'The body is over 1 MiB',
  415: 'Bodies are application/json',
  422: 'Understood, but a rule of the lab refuses it',
  428: 'This needs If-Match',
  429: 'Too many requests from this caller, or failed authentications from this address; see Retry-After',
  500: 'An internal error; quote the correlation id',
  503: 'Postgres or Redis is unreachable',
};

const CORRELATION = {
  description: 'The request’s correlation id: the one you sent (1-128 of A-Z a-z 0-9 . _ : -) or a new one; also in the logs and in every problem',
  schema: { type: 'string' },
};

/**
 * Completes the document Nest builds from the controllers with what every operation shares:
 * one RFC 9457 problem schema (its `code` one of docs/errors.md), the error responses an
 * operation can give (by what it is: protected, addressed by id, with a body, conditional), and
 * the headers (X-Request-Id on every response, Location on every 201, Retry-After on 429). Derived from the operation's
 * own description, not written per route.
 */
export function completeContract(document: OpenAPIObject): OpenAPIObject {
  const codes = codesByStatus();
  document.components ??= {};
  document.components.schemas = {
    ...document.components.schemas,
    Problem: {
      type: 'object',
      description: 'RFC 9457 problem details; branch on `code`',
      required: ['type', 'title', 'status', 'detail', 'code'],
      properties: {
        type: { type: 'string', description: '`urn:labgate:problem:` and the code, in lower case', example: 'urn:labgate:problem:pilot.stale' },
        title: { type: 'string', example: 'Precondition failed' },
        status: { type: 'integer', minimum: 400, maximum: 599, example: 412 },
        detail: { type: 'string', example: 'The pilot has changed since you read it (now version 3); read it again' },
        code: { type: 'string', enum: [...new Set([...codes.values()].flat())].sort(), example: 'PILOT.STALE' },
        correlationId: { type: 'string', description: 'The X-Request-Id of the request' },
        errors: {
          type: 'array',
          items: { type: 'object', required: ['field', 'message'], properties: { field: { type: 'string' }, message: { type: 'string' } } },
        },
      },
    },
  };
  document.components.headers = {
    ...document.components.headers,
    'X-Request-Id': CORRELATION,
    'Retry-After': { description: 'Seconds to wait before trying again', schema: { type: 'integer', minimum: 1 } },
    Location: { description: 'Where what the request created is read (a replay carries the same)', schema: { type: 'string', example: '/v1/programmes/0b6f…' } },
  };
  document.components.responses = {
    ...document.components.responses,
    ...Object.fromEntries(
      [...codes.keys()].filter((status) => MEANING[status]).map((status) => [
        `Problem${status}`,
        {
          description: `${MEANING[status]}. Codes: ${codes.get(status)!.join(', ')}`,
          headers: {
            'X-Request-Id': { $ref: '#/components/headers/X-Request-Id' },
            ...(status === 429 ? { 'Retry-After': { $ref: '#/components/headers/Retry-After' } } : {}),
            ...(status === 401 ? { 'WWW-Authenticate': { description: 'The scheme wanted: Bearer (RFC 6750)', schema: { type: 'string', example: 'Bearer realm="labgate"' } } } : {}),
          },
          content: { [PROBLEM_CONTENT_TYPE.split(';')[0]!]: { schema: { $ref: '#/components/schemas/Problem' } } },
        },
      ]),
    ),
  };

  const used = new Set<string>();
  for (const item of Object.values(document.paths)) {
    for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
      const operation = item[method];
      if (operation) completeOperation(operation, method).forEach((name) => used.add(name));
    }
  }
  for (const name of Object.keys(document.components.responses)) if (!used.has(name)) delete document.components.responses[name];
  document.servers = [{ url: '/', description: 'This LabGate' }];
  document.info.license = { name: 'EUPL-1.2', url: 'https://interoperable-europe.ec.europa.eu/collection/eupl/eupl-text-eupl-12' };
  return document;
}

/** `createPilot` → "Create pilot", for an operation its method's doc comment did not describe. */
function summaryFrom(operationId: string): string {
  const words = operationId.replace(/([A-Z])/g, ' $1').toLowerCase().trim();
  return words[0]!.toUpperCase() + words.slice(1);
}

/** Completes one operation; returns the shared responses it refers to. */
function completeOperation(operation: Operation, method: string): string[] {
  operation.summary ??= summaryFrom(operation.operationId ?? method);
  // Public operations say so, rather than saying nothing.
  operation.security ??= [];
  const params = (operation.parameters ?? []) as Array<{ in?: string; name?: string }>;
  const statuses = new Set([400, 429, 500]);
  if (operation.security.length) [401, 403].forEach((s) => statuses.add(s));
  if (params.some((p) => p.in === 'path')) statuses.add(404);
  if (operation.requestBody) [413, 415, 422].forEach((s) => statuses.add(s));
  if (method !== 'get') statuses.add(409);
  if (params.some((p) => p.in === 'header' && p.name?.toLowerCase() === 'if-match')) [412, 428].forEach((s) => statuses.add(s));
  if (params.some((p) => p.in === 'header' && p.name === 'Idempotency-Key')) [409, 422].forEach((s) => statuses.add(s));

  const responses: Responses = operation.responses;
  for (const [status, response] of Object.entries(responses)) {
    const numeric = Number(status);
    if (numeric >= 400) {
      // The shared response replaces a route's bare one (OpenAPI 3.0 allows nothing beside a $ref).
      responses[status] = { $ref: `#/components/responses/Problem${numeric}` };
      statuses.delete(numeric);
    } else if (response && !('$ref' in response)) {
      response.headers = {
        ...response.headers,
        'X-Request-Id': { $ref: '#/components/headers/X-Request-Id' },
        ...(numeric === 201 ? { Location: { $ref: '#/components/headers/Location' } } : {}),
      };
    }
  }
  for (const status of [...statuses].sort()) responses[String(status)] = { $ref: `#/components/responses/Problem${status}` };
  return Object.values(responses).flatMap((r) => (r && '$ref' in r ? [r.$ref.replace('#/components/responses/', '')] : []));
}
