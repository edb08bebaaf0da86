import { Inject, Injectable, Logger } from '@nestjs/common';
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { APP_CONFIG, type AppConfig } from '@labgate/config';
import { Transactor, UsersRepository } from '@labgate/persistence';
import type { Principal } from '../common/principal';
import { apiTokenCacheKey, hashApiToken } from './tokens';


export const BOOTSTRAP_ADMIN_EMAIL = 'admin@labgate.local';
/**
 * Tokens resolve from memory for at most a second: every request needs one, and a revoked token,
 * expired token or deactivated user is then refused by every API process within that second.
 */
const CACHE_TTL_MS = 1_000;
const CACHE_MAX = 10_000;

@Injectable()
export class AuthService {
  private readonly logger = new Logger(AuthService.name);
  private readonly cache = new Map<string, { principal: Principal | null; expires: number }>();
  /** Lookups on their way to the database, by token hash: concurrent requests with one token share one. */
  private readonly pending = new Map<string, { lookup: Promise<Principal | null>; generation: number }>();
  /** Bumped by forget(): a lookup that began before a revocation here is neither joined nor remembered after it. */
  private generation = 0;
  /** Token lookups that reached the database, for the metrics. */
  tokenLookups = 0;

  /** Signs dashboard sessions: derived from SECRETS_KEY (shared by every API process), else per process. */
  private readonly sessionKey: Buffer;

  constructor(
    private readonly tx: Transactor,
    private readonly users: UsersRepository,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.sessionKey = config.secretsKey ? createHash('sha256').update(`labgate-session:${config.secretsKey}`).digest() : randomBytes(32);
  }

  /** The user this process resolved the token to within the last second, without any lookup; undefined when not known. */
  cached(token: string): Principal | undefined {
    const entry = this.cache.get(apiTokenCacheKey(token));
    return entry && entry.expires > Date.now() && entry.principal ? entry.principal : undefined;
  }

  /** The user behind a bearer token, or null for an unknown or revoked one. */
  async resolveToken(token: string): Promise<Principal | null> {
    return this.resolveHash(hashApiToken(token));
  }

  /**
   * A short-lived browser session for the queue dashboard, standing for the token it was made
   * from (never containing it): `v1.<token hash>.<expiry ms>.<HMAC>`. It dies with the token
   * (revocation, expiry, deactivation) and after `ttlMs` whatever happens.
   */
  issueSession(token: string, ttlMs: number): string {
    const body = `v1.${hashApiToken(token).toString('base64url')}.${Date.now() + ttlMs}`;
    return `${body}.${createHmac('sha256', this.sessionKey).update(body).digest('base64url')}`;
  }

  async resolveSession(session: string): Promise<Principal | null> {
    const parts = session.split('.');
    if (parts.length !== 4 || parts[0] !== 'v1') return null;
    const body = parts.slice(0, 3).join('.');
    const expected = createHmac('sha256', this.sessionKey).update(body).digest();
    const given = Buffer.from(parts[3]!, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    if (!(Number(parts[2]) > Date.now())) return null;
    return this.resolveHash(Buffer.from(parts[1]!, 'base64url'));
  }

  private resolveHash(hash: Buffer): Promise<Principal | null> {
    const key = hash.toString('base64');
    const cached = this.cache.get(key);
    if (cached && cached.expires > Date.now()) return Promise.resolve(cached.principal);
    // A burst of requests with a token not (or no longer) in memory makes one lookup, not one each.
    const pending = this.pending.get(key);
    if (pending && pending.generation === this.generation) return pending.lookup;
    const entry = { lookup: this.lookUp(key, hash, this.generation), generation: this.generation };
    this.pending.set(key, entry);
    void entry.lookup.finally(() => {
      if (this.pending.get(key) === entry) this.pending.delete(key);
    }).catch(() => undefined);
    return entry.lookup;
  }

  private async lookUp(key: string, hash: Buffer, generation: number): Promise<Principal | null> {
    const started = Date.now();
    this.tokenLookups++;
    const row = await this.users.byTokenHash(hash);
    const principal = row ? { id: row.id, name: row.name, email: row.email, agency: row.agency_code, roles: row.roles } : null;
    // Unknown tokens are not remembered: a token created a moment ago must work at once. The
    // second counts from before the lookup, so no answer is used longer than a second after it was read.
    if (principal && generation === this.generation) {
      if (this.cache.size >= CACHE_MAX) this.cache.clear();
      this.cache.set(key, { principal, expires: started + CACHE_TTL_MS });
    }
    return principal;
  }

  /** Drops what this process remembers of a user's tokens (after a revocation here). */
  forget(userId: string): void {
    this.generation++;
    for (const [key, entry] of this.cache) if (entry.principal?.id === userId) this.cache.delete(key);
  }

  /**
   * When no admin exists, creates one whose API token is the configured bootstrap token.
   * Serialised by an advisory lock so that two API replicas starting together create one admin.
   */
  async ensureBootstrapAdmin(token: string | undefined): Promise<boolean> {
    if (!token) return false;
    return this.tx.run(async (tx) => {
      const adminId = await this.users.ensureAdmin(tx, BOOTSTRAP_ADMIN_EMAIL);
      if (!adminId) return false;
      await this.users.addToken(tx, adminId, { hash: hashApiToken(token), label: 'bootstrap' });
      this.logger.log(`Created the bootstrap administrator ${BOOTSTRAP_ADMIN_EMAIL}`);
      return true;
    });
  }
}
