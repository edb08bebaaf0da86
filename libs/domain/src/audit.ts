import { createHash } from 'node:crypto';

export const GENESIS_HASH = '0'.repeat(64);

export interface AuditEventBody {
  seq: number;
  pilotId: string;
  actor: string;
  action: string;
  payload: unknown;
  /** ISO 8601 instant. */
  at: string;
}

export type ChainedAuditEvent = AuditEventBody & { prevHash: string; hash: string };

export interface ChainVerification {
  valid: boolean;
  events: number;
  brokenAtSeq?: number;
}

const HEX_SHA256 = /^[0-9a-f]{64}$/;

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * RFC 8785-like canonical JSON. A payload is hashed when written and again after a round trip
 * through jsonb, so canonicalJson(x) must equal canonicalJson(JSON.parse(JSON.stringify(x))):
 * keys are sorted, undefined object members dropped and undefined array slots become null as
 * JSON.stringify does. Anything that could not survive that round trip unchanged (non-finite
 * numbers, bigint, functions, symbols, cycles, invalid dates) is refused rather than silently
 * altered, because a hash over altered data would never verify.
 */
export function canonicalJson(value: unknown): string {
  return serialise(value, new Set<object>(), '$');
}

function serialise(value: unknown, ancestors: Set<object>, path: string): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: non-finite number at ${path}`);
      // JSON.stringify already prints the shortest round-trip form, which is what RFC 8785 asks.
      return JSON.stringify(value);
    case 'object':
      return serialiseObject(value, ancestors, path);
    default:
      throw new TypeError(`canonicalJson: ${typeof value} at ${path} has no JSON form`);
  }
}

function serialiseObject(value: object, ancestors: Set<object>, path: string): string {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new TypeError(`canonicalJson: invalid Date at ${path}`);
    return JSON.stringify(value.toISOString());
  }
  if (ancestors.has(value)) throw new TypeError(`canonicalJson: circular reference at ${path}`);
  ancestors.add(value);
  try {
    if (Array.isArray(value)) {
      // Array.from visits holes of sparse arrays, which JSON.stringify also prints as null.
      const items = Array.from(value as unknown[], (item, index) =>
        item === undefined ? 'null' : serialise(item, ancestors, `${path}[${index}]`),
      );
      return `[${items.join(',')}]`;
    }
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') {
      return serialise((toJSON as () => unknown).call(value), ancestors, path);
    }
    const record = value as Record<string, unknown>;
    // The default sort compares UTF-16 code units, the order RFC 8785 prescribes.
    const members = Object.keys(record)
      .sort()
      .filter((key) => record[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${serialise(record[key], ancestors, `${path}.${key}`)}`);
    return `{${members.join(',')}}`;
  } finally {
    ancestors.delete(value);
  }
}

/**
 * Only the body's own fields are hashed, so passing a stored row (which also carries
 * prevHash, hash or database columns) gives the same hash as passing the bare body.
 */
export function hashEvent(prevHash: string, body: AuditEventBody): string {
  const hashed: AuditEventBody = {
    seq: body.seq,
    pilotId: body.pilotId,
    actor: body.actor,
    action: body.action,
    payload: body.payload,
    at: body.at,
  };
  return sha256Hex(prevHash + canonicalJson(hashed));
}

/**
 * Reports the first seq at which the chain stops being trustworthy. A missing event is
 * reported at the seq that is missing; trailing deletions are invisible here by nature,
 * which is why chain heads are sealed into Merkle roots.
 */
export function verifyChain(events: ChainedAuditEvent[]): ChainVerification {
  const ordered = [...events].sort((a, b) => a.seq - b.seq);
  let expectedPrev = GENESIS_HASH;
  for (let index = 0; index < ordered.length; index++) {
    const event = ordered[index];
    const expectedSeq = index + 1;
    if (event.seq !== expectedSeq) {
      const brokenAtSeq = Number.isInteger(event.seq) ? Math.min(expectedSeq, event.seq) : expectedSeq;
      return { valid: false, events: ordered.length, brokenAtSeq };
    }
    if (event.prevHash !== expectedPrev || event.hash !== safeHash(event)) {
      return { valid: false, events: ordered.length, brokenAtSeq: event.seq };
    }
    expectedPrev = event.hash;
  }
  return { valid: true, events: ordered.length };
}

/** A stored payload that can no longer be serialised is tampering too, not a crash. */
function safeHash(event: ChainedAuditEvent): string | null {
  try {
    return hashEvent(event.prevHash, event);
  } catch {
    return null;
  }
}

/**
 * Bitcoin-style tree over the hex digests, the last node doubled on odd levels. That
 * construction gives [a, b, c] and [a, b, c, c] the same root; harmless here because the
 * leaves are heads of distinct per-pilot chains, which never repeat.
 */
export function merkleRoot(hashes: string[]): string {
  if (hashes.length === 0) return sha256Hex('');
  hashes.forEach((hash, index) => {
    if (!HEX_SHA256.test(hash)) throw new TypeError(`merkleRoot: leaf ${index} is not a lowercase sha256 hex digest`);
  });
  let level = [...hashes];
  while (level.length > 1) {
    const next: string[] = [];
    for (let index = 0; index < level.length; index += 2) {
      const left = level[index];
      const right = index + 1 < level.length ? level[index + 1] : left;
      next.push(sha256Hex(left + right));
    }
    level = next;
  }
  return level[0];
}
