import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Role } from '@labgate/domain';
import type { Principal } from '../common/principal';
import { hashApiToken } from './tokens';

interface PrincipalRow {
  id: string;
  name: string;
  email: string;
  agency_code: string;
  roles: Role[];
}

export const BOOTSTRAP_ADMIN_EMAIL = 'admin@labgate.local';
const BOOTSTRAP_LOCK = 7_100_001;
/** Tokens resolve from memory for a few seconds: every request needs one, and users rarely change. */
const CACHE_TTL_MS = 5_000;
const CACHE_MAX = 10_000;

@Injectable()
export class AuthService {
  private readonly logger = new Logger(AuthService.name);
  private readonly cache = new Map<string, { principal: Principal | null; expires: number }>();

  constructor(private readonly db: DataSource) {}

  /** The user behind a bearer token, or null for an unknown or revoked one. */
  async resolveToken(token: string): Promise<Principal | null> {
    const hash = hashApiToken(token);
    const key = hash.toString('base64');
    const cached = this.cache.get(key);
    const now = Date.now();
    if (cached && cached.expires > now) return cached.principal;
    const rows: PrincipalRow[] = await this.db.query(
      `SELECT u.id, u.name, u.email, u.agency_code, u.roles
         FROM api_tokens t JOIN users u ON u.id = t.user_id
        WHERE t.token_hash = $1 AND t.revoked_at IS NULL`,
      [hash],
    );
    const row = rows[0];
    const principal = row ? { id: row.id, name: row.name, email: row.email, agency: row.agency_code, roles: row.roles } : null;
    // Unknown tokens are not remembered: a token created a moment ago must work at once.
    if (principal) {
      if (this.cache.size >= CACHE_MAX) this.cache.clear();
      this.cache.set(key, { principal, expires: now + CACHE_TTL_MS });
    }
    return principal;
  }

  /**
   * When no admin exists, creates one whose API token is the configured bootstrap token.
   * Serialised by an advisory lock so that two API replicas starting together create one admin.
   */
  async ensureBootstrapAdmin(token: string | undefined): Promise<boolean> {
    if (!token) return false;
    return this.db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [BOOTSTRAP_LOCK]);
      const admins: unknown[] = await tx.query(`SELECT 1 FROM users WHERE 'admin' = ANY(roles) LIMIT 1`);
      if (admins.length > 0) return false;
      const [user]: Array<{ id: string }> = await tx.query(
        `INSERT INTO users (name, email, agency_code, roles) VALUES ('Bootstrap administrator', $1, 'EUROPOL', '{admin}')
         ON CONFLICT (lower(email)) DO UPDATE SET roles = array(SELECT DISTINCT unnest(users.roles || '{admin}'::text[]))
         RETURNING id`,
        [BOOTSTRAP_ADMIN_EMAIL],
      );
      await tx.query(
        `INSERT INTO api_tokens (user_id, token_hash, label) VALUES ($1, $2, 'bootstrap')
         ON CONFLICT (token_hash) DO NOTHING`,
        [user!.id, hashApiToken(token)],
      );
      this.logger.log(`Created the bootstrap administrator ${BOOTSTRAP_ADMIN_EMAIL}`);
      return true;
    });
  }
}
