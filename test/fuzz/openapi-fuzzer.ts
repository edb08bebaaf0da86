import fc from 'fast-check';
import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { Pool } from 'pg';
import { pilotBody, submissionBody } from '../support/bodies';

/**
 * A fuzzer driven by the OpenAPI document: every operation it lists, every parameter and body
 * schema it declares, called by every kind of caller with values an attacker would send. Seeded
 * and reproducible (the same seed sends the same requests in the same order). It asserts what
 * DESIGN §5 promises for bad input: never a 5xx, every error an RFC 9457 problem carrying the
 * request's correlation id, nothing stored by a refused request, and input with NUL, lone
 * surrogates or control characters always refused.
 */

/* ------------------------------------------------------------------ the document */

export interface Schema {
  $ref?: string;
  type?: string;
  format?: string;
  enum?: unknown[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  minimum?: number;
  maximum?: number;
  allOf?: Schema[];
}

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: Schema;
}

export interface Operation {
  id: string;
  method: string;
  path: string;
  params: Parameter[];
  body?: Schema;
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, { operationId?: string; parameters?: Parameter[]; requestBody?: { content: Record<string, { schema: Schema }> } }>>;
  components?: { schemas?: Record<string, Schema> };
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

export function operationsOf(doc: OpenApiDocument): Operation[] {
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!METHODS.includes(method)) continue;
      const body = op.requestBody?.content['application/json']?.schema;
      operations.push({ id: op.operationId ?? `${method} ${path}`, method: method.toUpperCase(), path, params: op.parameters ?? [], body: body && resolve(doc, body) });
    }
  }
  return operations;
}

/** The schema with every $ref replaced by what it names (the document has no cycles). */
function resolve(doc: OpenApiDocument, schema: Schema, depth = 0): Schema {
  if (depth > 12) return {};
  if (schema.$ref) return resolve(doc, doc.components?.schemas?.[schema.$ref.replace('#/components/schemas/', '')] ?? {}, depth + 1);
  const out: Schema = { ...schema };
  if (schema.properties) out.properties = Object.fromEntries(Object.entries(schema.properties).map(([k, v]) => [k, resolve(doc, v, depth + 1)]));
  if (schema.items) out.items = resolve(doc, schema.items, depth + 1);
  if (schema.allOf) out.allOf = schema.allOf.map((s) => resolve(doc, s, depth + 1));
  return out;
}

/* ------------------------------------------------------------------ the world it runs in */

/** Ids of real things, by the kind of thing a path segment names. */
export interface FuzzFixtures {
  pilot: string;
  programme: string;
  review: string;
  assignment: string;
  webhook: string;
  delivery: string;
  user: string;
  agency: string;
}

export interface FuzzTarget {
  url: string;
  /** Caller name → bearer token: one per role, and one from another agency. */
  tokens: Record<string, string>;
  fixtures: FuzzFixtures;
  /** The API's database, to prove refused requests stored nothing. */
  db: Pool;
  /**
   * What the target's background work does after an accepted write, run before the database's
   * new baseline is taken (LabGate: the report facts' catch-up, which its worker runs and every
   * report runs first), so that a read doing it again finds nothing to change.
   */
  settle?: (db: Pool) => Promise<void>;
}

const KIND_BY_SEGMENT: Record<string, keyof FuzzFixtures | 'gate' | 'chart' | 'seq'> = {
  pilots: 'pilot',
  programmes: 'programme',
  'gate-reviews': 'review',
  assignments: 'assignment',
  webhooks: 'webhook',
  deliveries: 'delivery',
  users: 'user',
  'gate-policies': 'gate',
  portfolio: 'chart',
  audit: 'seq',
};

function realValue(op: Operation, param: string, fixtures: FuzzFixtures): string {
  const segments = op.path.split('/');
  const at = segments.indexOf(`{${param}}`);
  const kind = KIND_BY_SEGMENT[segments[at - 1] ?? ''];
  switch (kind) {
    case 'gate':
      return 'fund';
    case 'chart':
      return 'funnel.svg';
    case 'seq':
      return '1';
    case undefined:
      return fixtures.pilot;
    default:
      return fixtures[kind];
  }
}

/* ------------------------------------------------------------------ hostile values */

/** Strings DESIGN §5 says must be refused wherever they appear. */
const REFUSED_STRINGS = ['a\u0000b', '\u0000', '\ud800', 'x\udfffy', 'bell\u0007', 'esc\u001b[31m', 'cr\rlf', '\u007f\u0000'];
const ODD_STRINGS = [
  '',
  ' ',
  'x'.repeat(10_001),
  'y'.repeat(300_000),
  '__proto__',
  'constructor',
  "' OR 1=1 --",
  '"; DROP TABLE pilots; --',
  '../../etc/passwd',
  '\u202eevil',
  '😀'.repeat(50),
  'null',
  '-1',
  '=HYPERLINK("https://evil.example")',
  '<script>alert(1)</script>',
  '\t\n',
  '0000-00-00',
  '2024-02-30',
  '+275760-09-13T00:00:00.000Z',
  'not-a-uuid',
  '00000000-0000-0000-0000-000000000000',
  // Webhook targets that reach inside.
  'http://127.0.0.1:6379/',
  'https://169.254.169.254/latest/meta-data/',
  'https://[::1]/',
  'https://0x7f000001/',
  'https://metadata.google.internal/',
  'https://user:pass@hooks.example.eu/',
  'https://[::ffff:10.0.0.1]/',
  'javascript:alert(1)',
];
/** JSON number literals, some past what a double holds exactly, some past what it holds at all. */
const NUMBER_LITERALS = ['9007199254740992', '9007199254740993', '-9007199254740993', '1e308', '1e400', '-1e400', '-1', '0', '-0', '0.5', '1e21', '123456789012345678901234567890', '4.000000000000000001'];
const deep = (n: number, open: string, close: string, core = '1') => open.repeat(n) + core + close.repeat(n);
/** Whole JSON fragments: wrong shapes, deep nesting, prototype keys. */
const STRUCTURES = [
  '[]',
  '[{}]',
  '{}',
  'null',
  'true',
  '"text"',
  '[[[[[[[[]]]]]]]]',
  deep(40, '[', ']'),
  deep(5000, '[', ']'),
  deep(40, '{"a":', '}'),
  deep(5000, '{"a":', '}'),
  deep(100_000, '[', ']', ''),
  '{"__proto__":{"roles":["admin"],"isAdmin":true}}',
  '{"constructor":{"prototype":{"polluted":true}}}',
  '{"prototype":1}',
  '[' + '1,'.repeat(10_000) + '1]',
];

const stringLiteral = (s: string) => JSON.stringify(s);
/** A JSON fragment to put where a value belongs. */
const hostileFragment = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...REFUSED_STRINGS).map(stringLiteral) },
  { weight: 3, arbitrary: fc.constantFrom(...ODD_STRINGS).map(stringLiteral) },
  { weight: 3, arbitrary: fc.constantFrom(...NUMBER_LITERALS) },
  { weight: 3, arbitrary: fc.constantFrom(...STRUCTURES) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }).map(stringLiteral) },
);

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
/** Cursors a client could forge: well-formed and not, with dates Postgres refuses. */
const FORGED_CURSORS = [
  b64(['2024-02-30T00:00:00.000Z', '00000000-0000-0000-0000-000000000000']),
  b64(['0', '00000000-0000-0000-0000-000000000000']),
  b64(['+275760-09-13T00:00:00.000Z', '00000000-0000-0000-0000-000000000000']),
  b64(['2026-01-01T00:00:00.000Z', "'; select pg_sleep(10); --"]),
  b64(['2026-01-01T00:00:00.000Z']),
  b64({ createdAt: '2026-01-01', id: 1 }),
  b64([null, null]),
  b64(['2026-01-01T00:00:00.000Z', 'a\u0000b']),
  'not base64 at all',
  '%00',
  'x'.repeat(4000),
  Buffer.from([0xff, 0xfe, 0x00, 0x01]).toString('base64url'),
];
/** Raw, already-encoded query or path text: NUL, overlong NUL, a UTF-8-encoded surrogate, bad escapes. */
const RAW_ENCODED = ['%00', 'a%00b', '%C0%80', '%ED%A0%80', '%ff%fe', '%', '%zz', '%0d%0aX-Injected:1', '..%2F..%2F', '%2e%2e', 'x'.repeat(5000), '%E2%80%AE', '9007199254740993', '1e400', '-1', '0', 'null', '[]', '{}'];

// eslint-disable-next-line no-control-regex -- the characters DESIGN §5 refuses
const CONTROL = /[\u0000-\u0008\u000B-\u001F]/;

const encoded = (s: string) => (s.isWellFormed() ? encodeURIComponent(s) : '%ED%A0%80');

/** Encoded text that decodes to NUL, a surrogate or a control character: DESIGN §5 refuses it. */
const REFUSED_ENCODED = /%00|%C0%80|%ED%A0%80|%0d/i;
const rawEncoded = fc.constantFrom(...RAW_ENCODED).map((text) => ({ text, refused: REFUSED_ENCODED.test(text) }));
/** Hostile strings (and `extra` ones), encoded for a path or a query. */
const hostileText = (...extra: string[]) =>
  fc.constantFrom(...REFUSED_STRINGS, ...ODD_STRINGS.filter((s) => s.length < 300), ...extra).map((s) => ({ text: encoded(s), refused: REFUSED_STRINGS.includes(s) }));

/* ------------------------------------------------------------------ plausible values */

function plausible(schema: Schema | undefined, name: string, fixtures: FuzzFixtures, depth = 0): unknown {
  if (!schema || depth > 6) return 'x';
  // The plugin writes a nullable reference as allOf: [the referenced schema].
  if (schema.allOf?.length) return plausible(schema.allOf[0], name, fixtures, depth + 1);
  if (schema.enum?.length) return schema.enum[0];
  const type = schema.type ?? (schema.properties ? 'object' : undefined);
  switch (type) {
    case 'string':
      if (schema.format === 'uuid' || /Id$/.test(name)) return /programme/i.test(name) ? fixtures.programme : fixtures.user;
      if (schema.format === 'date' || /date|By$|On$/i.test(name)) return '2026-06-30';
      if (schema.format === 'date-time') return '2026-06-30T12:00:00.000Z';
      if (/email/i.test(name)) return `fuzz.${name}@europol.europa.eu`;
      if (/url/i.test(name)) return 'https://127.0.0.1:9/hooks';
      if (/agency/i.test(name)) return fixtures.agency;
      return `Fuzz ${name}`;
    case 'integer':
    case 'number':
      return schema.minimum ?? 1000;
    case 'boolean':
      return false;
    case 'array':
      return [plausible(schema.items, name, fixtures, depth + 1)];
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(schema.properties ?? {})) out[key] = plausible(value, key, fixtures, depth + 1);
      return out;
    }
    default:
      return 'x';
  }
}

/** Bodies known to pass validation for the operations that matter most; the rest come from the schema. */
function baseBody(op: Operation, fixtures: FuzzFixtures): Record<string, unknown> {
  switch (op.id) {
    case 'createPilot':
      return pilotBody(fixtures.programme, { partnerAgencies: [] });
    case 'submitToGate':
      return submissionBody(1_000_000);
    case 'castVote':
      return { recommendation: 'fund', scores: { excellence: 4, impact: 4, implementation: 4 }, rationale: 'Sound plan.' };
    default:
      return (plausible(op.body, 'body', fixtures) as Record<string, unknown>) ?? {};
  }
}

/** Every path to a value inside a body, so a mutation can land anywhere, not only at the top. */
function valuePaths(value: unknown, prefix: string[] = [], out: string[][] = []): string[][] {
  if (value && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      out.push([...prefix, key]);
      valuePaths(child, [...prefix, key], out);
    }
  }
  return out;
}

const MARK = '\u{1F9EA}fuzz-mark\u{1F9EA}';

function setAt(body: unknown, path: string[], value: unknown): unknown {
  const copy = structuredClone(body) as Record<string, unknown>;
  let node: Record<string, unknown> = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>;
  node[path[path.length - 1]!] = value;
  return copy;
}

/* ------------------------------------------------------------------ one request */

export interface FuzzRequest {
  operation: string;
  /** Who sends it; the token is looked up when it is sent (a rotation replaces it). */
  caller: (typeof CALLERS)[number];
  method: string;
  path: string;
  query: string;
  headers: Record<string, string>;
  body?: string;
  /** What was done to it, for the report. */
  mutation: string;
  /** Whether DESIGN §5 says it must be refused (NUL, lone surrogate or control character inside). */
  mustRefuse: boolean;
}

export const CALLERS = ['admin', 'lead', 'reviewer', 'dpo', 'chair', 'funder', 'outsider', 'none', 'garbage', 'malformed'] as const;

const MEDIA_TYPES = [
  'application/x-www-form-urlencoded',
  'text/plain',
  'multipart/form-data; boundary=fuzz',
  'application/xml',
  'application/json; charset=latin1',
  'application/json; charset=utf-16',
  'application/octet-stream',
  'application/merge-patch+json',
];

const containsRefused = (text: string) => REFUSED_STRINGS.some((s) => text.includes(JSON.stringify(s).slice(1, -1)));

export function requestArbitrary(op: Operation, target: FuzzTarget): fc.Arbitrary<FuzzRequest> {
  const { fixtures } = target;
  const pathParams = op.params.filter((p) => p.in === 'path');
  const queryParams = op.params.filter((p) => p.in === 'query');
  const base = op.body ? baseBody(op, fixtures) : undefined;
  const paths = base ? valuePaths(base) : [];

  const pathValue = (p: Parameter) =>
    fc.oneof(
      { weight: 6, arbitrary: fc.constant({ text: encodeURIComponent(realValue(op, p.name, fixtures)), refused: false }) },
      { weight: 2, arbitrary: rawEncoded },
      { weight: 1, arbitrary: fc.uuid().map((text) => ({ text, refused: false })) },
      { weight: 1, arbitrary: hostileText() },
    );
  const queryValue = (p: Parameter) =>
    fc.oneof(
      { weight: 3, arbitrary: fc.constant({ text: encodeURIComponent(String(plausible(p.schema, p.name, fixtures))), refused: false }) },
      { weight: 2, arbitrary: rawEncoded },
      { weight: p.name === 'cursor' ? 4 : 0, arbitrary: fc.constantFrom(...FORGED_CURSORS).map((c) => ({ text: encodeURIComponent(c), refused: false })) },
      { weight: 2, arbitrary: hostileText(...NUMBER_LITERALS) },
      { weight: 1, arbitrary: fc.string({ maxLength: 20 }).map((s) => ({ text: encoded(s), refused: !s.isWellFormed() || CONTROL.test(s) })) },
    );
  const query = fc
    .tuple(
      ...queryParams.map((p) => fc.option(fc.tuple(queryValue(p), fc.boolean()).map(([v, twice]) => ({ name: p.name, ...v, twice })), { nil: undefined, freq: 2 })),
      fc.option(fc.constantFrom('__proto__[admin]=1', 'constructor[prototype][x]=1', 'unknown=1', 'limit[]=1', '%00=1'), { nil: undefined, freq: 4 }),
    )
    .map((parts) => {
      const extra = parts.pop() as string | undefined;
      const items = (parts as Array<{ name: string; text: string; refused: boolean; twice: boolean } | undefined>).filter((x) => x !== undefined);
      const text = [...items.flatMap((i) => (i!.twice ? [`${i!.name}=${i!.text}`, `${i!.name}=${i!.text}`] : [`${i!.name}=${i!.text}`])), ...(extra ? [extra] : [])].join('&');
      return { text, refused: items.some((i) => i!.refused) || (extra !== undefined && REFUSED_ENCODED.test(extra)) };
    });

  const body: fc.Arbitrary<{ text?: string; mutation: string; refused: boolean }> = base
    ? fc.oneof(
        { weight: 1, arbitrary: fc.constant({ text: JSON.stringify(base), mutation: 'valid body', refused: false }) },
        {
          weight: 8,
          arbitrary: fc.tuple(fc.constantFrom(...paths), hostileFragment).map(([at, fragment]) => ({
            text: JSON.stringify(setAt(base, at, MARK)).replace(JSON.stringify(MARK), fragment),
            mutation: `${at.join('.')} := ${fragment.length > 40 ? `${fragment.slice(0, 40)}… (${fragment.length} chars)` : fragment}`,
            refused: containsRefused(fragment),
          })),
        },
        {
          weight: 2,
          arbitrary: fc.constantFrom(...paths).map((at) => {
            const copy = structuredClone(base) as Record<string, unknown>;
            let node: Record<string, unknown> = copy;
            for (const key of at.slice(0, -1)) node = node[key] as Record<string, unknown>;
            delete node[at[at.length - 1]!];
            return { text: JSON.stringify(copy), mutation: `without ${at.join('.')}`, refused: false };
          }),
        },
        {
          weight: 2,
          arbitrary: fc.tuple(fc.constantFrom('"__proto__"', '"constructor"', '"prototype"', JSON.stringify('k\u0000'), JSON.stringify('\ud800')), hostileFragment).map(([key, fragment]) => ({
            text: JSON.stringify(base).replace(/^\{/, `{${key}:${fragment},`),
            mutation: `extra key ${key}`,
            refused: true,
          })),
        },
        { weight: 2, arbitrary: fc.constantFrom(...STRUCTURES).map((text) => ({ text, mutation: `body := ${text.slice(0, 30)}`, refused: false })) },
        { weight: 1, arbitrary: fc.constantFrom('{', '{"a":1,}', "{'a':1}", '\ufeff{}', '{"a":1}{"b":2}', '', 'NaN', JSON.stringify(base).slice(0, 20)).map((text) => ({ text, mutation: 'malformed JSON', refused: false })) },
        { weight: 1, arbitrary: fc.anything({ maxDepth: 3 }).map((v) => ({ text: JSON.stringify(v) ?? 'null', mutation: 'arbitrary JSON', refused: false })) },
      )
    : fc.oneof(
        { weight: 6, arbitrary: fc.constant({ text: undefined, mutation: 'no body', refused: false }) },
        { weight: 1, arbitrary: fc.constantFrom(...STRUCTURES.slice(0, 8)).map((text) => ({ text, mutation: 'unexpected body', refused: false })) },
      );

  const mediaType = fc.oneof({ weight: 8, arbitrary: fc.constant('application/json') }, { weight: 2, arbitrary: fc.constantFrom(...MEDIA_TYPES) });
  const headerValue = (values: string[]) => fc.option(fc.constantFrom(...values), { nil: undefined, freq: 3 });

  return fc
    .record({
      caller: fc.constantFrom(...CALLERS),
      path: fc.tuple(...pathParams.map((p) => pathValue(p).map((v) => ({ name: p.name, ...v })))),
      query,
      body,
      mediaType,
      ifMatch: headerValue(['"1"', '"2"', '*', 'W/"1"', '"', '"99999999999999999999"', 'x'.repeat(8000), '"1", "2"']),
      idempotencyKey: headerValue(['fuzz-key-1', '', 'k'.repeat(300), 'key with spaces', '../../x', 'ключ']),
      requestId: headerValue(['fuzz-1', 'fuzz-2', 'fuzz-3', 'fuzz-4', 'x'.repeat(500), '../../etc', '<script>', 'h'.repeat(20_000)]),
      accept: headerValue(['text/csv', 'application/xml', '*/*', 'text/html', 'image/svg+xml', 'application/problem+json']),
    })
    .map((r) => {
      let path = op.path;
      for (const p of r.path) path = path.replace(`{${p.name}}`, p.text);
      const headers: Record<string, string> = {};
      if (r.body.text !== undefined) headers['content-type'] = r.mediaType;
      if (r.ifMatch !== undefined) headers['if-match'] = r.ifMatch;
      if (r.idempotencyKey !== undefined && /^[\x20-\x7e]*$/.test(r.idempotencyKey)) headers['idempotency-key'] = r.idempotencyKey;
      if (r.requestId !== undefined) headers['x-request-id'] = r.requestId;
      if (r.accept !== undefined) headers.accept = r.accept;
      return {
        operation: op.id,
        caller: r.caller,
        method: op.method,
        path,
        query: r.query.text,
        headers,
        body: r.body.text,
        mutation: r.body.mutation,
        mustRefuse: r.path.some((p) => p.refused) || r.query.refused || (r.body.refused && r.body.text !== undefined),
      };
    });
}

/* ------------------------------------------------------------------ nothing changed */

/**
 * The database's content, as one hash. Cheap to skip: a request that assigned no transaction id
 * cannot have written anything, so the hash is taken only when the next id moved.
 */
class Fingerprint {
  private sql?: string;
  private baseline?: string;
  private xid?: string;

  constructor(
    private readonly db: Pool,
    private readonly settle?: (db: Pool) => Promise<void>,
  ) {}

  private async nextXid(): Promise<string> {
    return (await this.db.query<{ x: string }>('select pg_snapshot_xmax(pg_current_snapshot())::text as x')).rows[0]!.x;
  }

  private async hash(): Promise<string> {
    if (!this.sql) {
      const tables = (await this.db.query<{ t: string }>("select quote_ident(tablename) as t from pg_tables where schemaname = 'public' and tablename <> 'migrations' order by 1")).rows;
      this.sql = `select md5(string_agg(h, ',' order by t)) as h from (${tables
        .map(({ t }) => `select '${t}' as t, coalesce(md5(string_agg(md5(x::text), '' order by md5(x::text))), '') as h from ${t} x`)
        .join(' union all ')}) s`;
    }
    return (await this.db.query<{ h: string }>(this.sql)).rows[0]!.h;
  }

  /** Before a request: remember where things stand. */
  async before(): Promise<void> {
    this.xid = await this.nextXid();
  }

  /** After a refused request: true when nothing was stored. */
  async unchanged(): Promise<boolean> {
    const xid = await this.nextXid();
    if (xid === this.xid && this.baseline !== undefined) return true;
    const now = await this.hash();
    const same = this.baseline === undefined || now === this.baseline;
    this.baseline = now;
    return same;
  }

  /** After an accepted request: whatever it wrote, and the target's settling of it, is the new baseline. */
  async accept(): Promise<void> {
    await this.settle?.(this.db);
    this.baseline = await this.hash();
  }
}

/* ------------------------------------------------------------------ the run */

export interface OperationTally {
  requests: number;
  byStatus: Record<string, number>;
}

export interface FuzzReport {
  requests: number;
  seed: number;
  byOperation: Record<string, OperationTally>;
  failures: string[];
}

/** Spread `total` requests evenly over the operations, interleaved, the same for the same seed. */
export function plan(operations: Operation[], target: FuzzTarget, total: number, seed: number): FuzzRequest[] {
  const share = (i: number) => Math.floor(total / operations.length) + (i < total % operations.length ? 1 : 0);
  const all = operations.flatMap((op, i) => fc.sample(requestArbitrary(op, target), { seed: seed + i, numRuns: share(i) }));
  const order = fc.sample(fc.integer({ min: 0, max: 2 ** 31 - 1 }), { seed, numRuns: all.length });
  // A seeded shuffle, so that operations interleave and one's effects meet another's requests.
  for (let i = all.length - 1; i > 0; i--) {
    const j = order[i]! % (i + 1);
    [all[i], all[j]] = [all[j]!, all[i]!];
  }
  return all;
}

function authorization(r: FuzzRequest, tokens: Record<string, string>): Record<string, string> {
  switch (r.caller) {
    case 'none':
      return {};
    case 'garbage':
      return { authorization: 'Bearer lg_fuzz-garbage-token' };
    case 'malformed':
      return { authorization: 'Basic Zm9vOmJhcg==' };
    default:
      return { authorization: `Bearer ${tokens[r.caller]}` };
  }
}

function describeRequest(r: FuzzRequest): string {
  return `${r.operation} as ${r.caller}: ${r.method} ${r.path.slice(0, 120)}${r.query ? `?${r.query.slice(0, 120)}` : ''} [${r.headers['content-type'] ?? 'no body'}; ${r.mutation.slice(0, 100)}]`;
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

const agent = new Agent({ keepAlive: true, maxSockets: 1 });

/**
 * node:http rather than fetch: it sends what it is given (a body on a GET, an undecodable
 * escape in a path) where fetch would refuse or tidy it.
 */
function send(url: string, r: FuzzRequest, headers: Record<string, string>): Promise<Answer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { agent, hostname, port, method: r.method, path: `${r.path}${r.query ? `?${r.query}` : ''}`, headers: { ...headers, ...(r.body !== undefined ? { 'content-length': String(Buffer.byteLength(r.body)) } : {}) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.setTimeout(30_000, () => req.destroy(new Error('no answer within 30 s')));
    req.on('error', reject);
    req.end(r.body);
  });
}

function problemDefect(status: number, headers: IncomingHttpHeaders, text: string): string | null {
  if (!/^application\/problem\+json/.test(headers['content-type'] ?? '')) return `content-type ${headers['content-type']}`;
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return 'body is not JSON';
  }
  for (const key of ['type', 'title', 'detail', 'code'] as const) if (typeof body[key] !== 'string') return `no ${key}`;
  if (body.status !== status) return `status ${String(body.status)} in the body`;
  const id = headers['x-request-id'];
  if (!id || body.correlationId !== id) return `correlationId ${String(body.correlationId)} is not X-Request-Id ${id}`;
  return null;
}

export async function runFuzzer(
  target: FuzzTarget,
  operations: Operation[],
  options: { requests: number; seed: number; onProgress?: (done: number) => void },
): Promise<FuzzReport> {
  const requests = plan(operations, target, options.requests, options.seed);
  const report: FuzzReport = { requests: 0, seed: options.seed, byOperation: {}, failures: [] };
  for (const op of operations) report.byOperation[op.id] = { requests: 0, byStatus: {} };
  const fingerprint = new Fingerprint(target.db, target.settle);
  await fingerprint.accept();

  for (const r of requests) {
    const tally = report.byOperation[r.operation]!;
    await fingerprint.before();
    let answer: Answer;
    try {
      answer = await send(target.url, r, { ...r.headers, ...authorization(r, target.tokens) });
    } catch (err) {
      report.failures.push(`${describeRequest(r)} → transport error: ${(err as Error).message}`);
      continue;
    } finally {
      report.requests++;
      tally.requests++;
      options.onProgress?.(report.requests);
    }
    const { status, headers, text } = answer;
    tally.byStatus[status] = (tally.byStatus[status] ?? 0) + 1;
    if (status >= 500) report.failures.push(`${describeRequest(r)} → ${status} ${text.slice(0, 200)}`);
    if (status >= 400) {
      const defect = problemDefect(status, headers, text);
      if (defect) report.failures.push(`${describeRequest(r)} → ${status}, not a proper problem: ${defect}`);
      if (!(await fingerprint.unchanged())) report.failures.push(`${describeRequest(r)} → ${status}, but the database changed`);
    } else {
      if (r.mustRefuse) report.failures.push(`${describeRequest(r)} → ${status}: input with NUL, a lone surrogate or a control character was accepted`);
      if (r.method === 'GET') {
        if (!(await fingerprint.unchanged())) report.failures.push(`${describeRequest(r)} → ${status}: a read changed the database`);
      } else {
        await fingerprint.accept();
      }
      // A caller who rotated their own token goes on with the new one.
      if (r.operation === 'rotateOwnToken' && status < 300) target.tokens[r.caller] = (JSON.parse(text) as { token: string }).token;
    }
  }
  return report;
}

/** The per-operation counts as a table for the run's output. */
export function formatReport(report: FuzzReport): string {
  const lines = [`fuzzer: ${report.requests} requests, seed ${report.seed}, ${report.failures.length} failures`, `${'operation'.padEnd(28)} ${'requests'.padStart(8)}  statuses`];
  for (const [id, tally] of Object.entries(report.byOperation)) {
    const statuses = Object.entries(tally.byStatus)
      .sort(([a], [b]) => Number(a) - Number(b))
      .map(([s, n]) => `${s}×${n}`)
      .join(' ');
    lines.push(`${id.padEnd(28)} ${String(tally.requests).padStart(8)}  ${statuses}`);
  }
  return lines.join('\n');
}
