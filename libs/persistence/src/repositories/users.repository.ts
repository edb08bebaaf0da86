import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Role } from '@labgate/domain';
import { keysetCondition, PageRequest, pageLimit } from './keyset';
import { ReadBatches, rowsBySlot } from './read-batches';
import { rowColumns } from './row-columns';
import { preparedQuery, Tx, updateReturning } from './tx';

export interface UserRow {
  id: string;
  name: string;
  email: string;
  agency_code: string;
  roles: Role[];
  created_at: Date;
  deactivated_at: Date | null;
}

export const USER_COLUMNS = rowColumns<UserRow>()('id', 'name', 'email', 'agency_code', 'roles', 'created_at', 'deactivated_at');
const USER = USER_COLUMNS.map((c) => `u.${c}`).join(', ');
const BOOTSTRAP_LOCK = 7_100_001;

/**
 * Token lookups of one turn in one statement (ReadBatches), each row sent back by its `read_slot`
 * (rowsBySlot). Each hash is looked up by its own probe of the unique index (the LATERAL
 * subquery, which its LIMIT keeps from being flattened into a join): as a join, the generic plan
 * scanned every live token for each hash of the batch (0.47 ms for ten hashes among 385 tokens).
 */
const TOKEN_LOOKUP = `SELECT ${USER}, q.n::int AS read_slot FROM unnest($1::bytea[]) WITH ORDINALITY AS q(hash, n)
  CROSS JOIN LATERAL (SELECT ${USER} FROM api_tokens t JOIN users u ON u.id = t.user_id
    WHERE t.token_hash = q.hash AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now()) AND u.deactivated_at IS NULL LIMIT 1) u`;

/** An API token to store: only its SHA-256 is kept. */
export interface NewToken {
  hash: Buffer;
  label?: string;
  expiresAt?: Date | null;
}

/** Users and their API tokens (kept only as SHA-256 hashes). */
@Injectable()
export class UsersRepository {
  private readonly tokenLookups = new ReadBatches<Buffer, UserRow | null>((hashes) => this.lookUpTokens(hashes));

  constructor(private readonly db: DataSource) {}

  /**
   * The active user behind a token hash, unless the token was revoked or has expired. The lookups
   * of one turn go as one statement: the tokens a process remembers expire together after a quiet
   * moment, and a burst of lookups one statement each took the pool's every connection while the
   * requests behind them waited (BENCHMARKS.md).
   */
  byTokenHash(hash: Buffer): Promise<UserRow | null> {
    return this.tokenLookups.read('tokens', hash);
  }

  private async lookUpTokens(hashes: readonly Buffer[]): Promise<Array<UserRow | null>> {
    return rowsBySlot(await preparedQuery<UserRow>(this.db, TOKEN_LOOKUP, [hashes]), hashes.length);
  }

  /** Revokes every live token of the user; returns how many. */
  async revokeTokens(tx: Tx, userId: string): Promise<number> {
    const rows = await updateReturning(tx, `UPDATE api_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL RETURNING id`, [userId]);
    return rows.length;
  }

  async deactivate(tx: Tx, userId: string): Promise<UserRow | null> {
    const [row] = await updateReturning<UserRow>(tx, `UPDATE users u SET deactivated_at = COALESCE(deactivated_at, now()) WHERE u.id = $1 RETURNING ${USER}`, [userId]);
    return row ?? null;
  }

  async find(tx: Tx, id: string): Promise<UserRow | null> {
    const rows: UserRow[] = await tx.query(`SELECT ${USER} FROM users u WHERE u.id = $1`, [id]);
    return rows[0] ?? null;
  }

  /** A user and their first token, in the caller's transaction. */
  async insert(tx: Tx, user: { name: string; email: string; agency: string; roles: Role[] }, token: NewToken): Promise<UserRow> {
    const [row]: UserRow[] = await tx.query(`INSERT INTO users AS u (name, email, agency_code, roles) VALUES ($1, $2, $3, $4) RETURNING ${USER}`, [
      user.name,
      user.email,
      user.agency,
      user.roles,
    ]);
    await this.addToken(tx, row!.id, token);
    return row!;
  }

  async addToken(tx: Tx, userId: string, token: NewToken): Promise<void> {
    await tx.query(`INSERT INTO api_tokens (user_id, token_hash, label, expires_at) VALUES ($1, $2, $3, $4) ON CONFLICT (token_hash) DO NOTHING`, [
      userId,
      token.hash,
      token.label ?? 'default',
      token.expiresAt ?? null,
    ]);
  }

  async page(filter: { agency?: string; role?: Role }, page: PageRequest): Promise<UserRow[]> {
    const params: unknown[] = [];
    const where: string[] = [keysetCondition('u', page.after, params)];
    if (filter.agency) {
      params.push(filter.agency);
      where.push(`u.agency_code = $${params.length}`);
    }
    if (filter.role) {
      params.push(filter.role);
      where.push(`$${params.length} = ANY(u.roles)`);
    }
    return this.db.query(`SELECT ${USER} FROM users u WHERE ${where.join(' AND ')} ORDER BY u.created_at DESC, u.id DESC ${pageLimit(page.size)}`, params);
  }

  /** Everyone who chairs: escalations and unfilled seats are theirs. */
  async chairIds(tx: Tx): Promise<string[]> {
    const rows: Array<{ id: string }> = await tx.query(`SELECT id FROM users WHERE 'chair' = ANY(roles)`);
    return rows.map((r) => r.id);
  }

  /**
   * When no admin exists, makes the user with `email` one (creating it), serialised by an
   * advisory lock so that two API replicas starting together create one. Null when an admin exists.
   */
  async ensureAdmin(tx: Tx, email: string): Promise<string | null> {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [BOOTSTRAP_LOCK]);
    const admins: unknown[] = await tx.query(`SELECT 1 FROM users WHERE 'admin' = ANY(roles) LIMIT 1`);
    if (admins.length > 0) return null;
    const [user]: Array<{ id: string }> = await tx.query(
      `INSERT INTO users (name, email, agency_code, roles) VALUES ('Bootstrap administrator', $1, 'EUROPOL', '{admin}')
       ON CONFLICT (lower(email)) DO UPDATE SET roles = array(SELECT DISTINCT unnest(users.roles || '{admin}'::text[]))
       RETURNING id`,
      [email],
    );
    return user!.id;
  }
}
