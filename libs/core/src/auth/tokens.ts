import { createHash, randomBytes } from 'node:crypto';

const TOKEN_PREFIX = 'lg_';

/** A new personal API token: 256 random bits, URL-safe, recognisable by its prefix. */
export function generateApiToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

/** Tokens carry enough entropy that a fast hash is safe to store and to look up by. */
export function hashApiToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}
