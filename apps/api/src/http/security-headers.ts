import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';
import { CORRELATION_HEADER } from './correlation';

/**
 * Security headers, decided by helmet and computed once at start-up: helmet's headers do not
 * depend on the request, so running its middleware chain on every response (what the Fastify
 * plugin does) bought nothing but CPU. Each reply gets one of three fixed sets instead.
 */
const OPTIONS: HelmetOptions = {
  contentSecurityPolicy: false,
  crossOriginEmbedderPolicy: false,
  frameguard: { action: 'deny' },
  referrerPolicy: { policy: 'no-referrer' },
  hsts: { maxAge: 31_536_000, includeSubDomains: true },
};

function helmetHeaders(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const res = {
    setHeader: (name: string, value: string) => (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => delete headers[name.toLowerCase()],
  };
  helmet(options)({} as IncomingMessage, res as unknown as ServerResponse, () => undefined);
  return headers;
}

const ALL = helmetHeaders(OPTIONS);

/** The headers that mean something on a JSON response (OWASP REST Security Cheat Sheet), plus a CSP that forbids everything. */
const API_HEADER_NAMES = ['x-content-type-options', 'x-frame-options', 'referrer-policy', 'strict-transport-security', 'cross-origin-resource-policy'];

export const API_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  ...Object.fromEntries(API_HEADER_NAMES.map((name) => [name, ALL[name]!])),
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
});

/** HTML pages get helmet's whole set; the funders' dashboard sets its own strict CSP. */
export const PAGE_HEADERS: Readonly<Record<string, string>> = Object.freeze({ ...ALL });

/** Swagger UI and Bull Board need inline styles and scripts. */
export const THIRD_PARTY_PAGE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  ...ALL,
  'content-security-policy':
    "default-src 'self'; img-src 'self' data: https:; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
});

/** The set for a request's URL: one or two string comparisons. */
export function securityHeadersFor(url: string): Readonly<Record<string, string>> {
  if (url.startsWith('/v1/') || url.startsWith('/health/')) return API_HEADERS;
  if (url === '/docs' || url.startsWith('/docs/') || url.startsWith('/docs?') || url.startsWith('/admin/queues')) return THIRD_PARTY_PAGE_HEADERS;
  if (url === '/reports' || url.startsWith('/reports/') || url.startsWith('/reports?')) return PAGE_HEADERS;
  return API_HEADERS;
}

/** The headers every response carries from its start: the URL's security headers and the request's correlation id. */
export function setResponseHeaders(request: FastifyRequest, reply: FastifyReply): void {
  void reply.headers(securityHeadersFor(request.url)).header(CORRELATION_HEADER, request.id);
}
