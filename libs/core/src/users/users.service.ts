import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Role } from '@labgate/domain';
import { generateApiToken, hashApiToken } from '../auth/tokens';
import { AppError } from '../common/app-error';
import { decodeCursor, keysetCondition, Page, pageSize, toPage } from '../common/pagination';
import { PG_FOREIGN_KEY_VIOLATION, PG_UNIQUE_VIOLATION, pgCode } from '../common/pg-errors';

export interface UserView {
  id: string;
  name: string;
  email: string;
  agency: string;
  roles: Role[];
  createdAt: string;
}

interface UserRow {
  id: string;
  name: string;
  email: string;
  agency_code: string;
  roles: Role[];
  created_at: Date;
}

export interface CreateUserInput {
  name: string;
  email: string;
  agency: string;
  roles: Role[];
}

const toView = (r: UserRow): UserView => ({
  id: r.id,
  name: r.name,
  email: r.email,
  agency: r.agency_code,
  roles: r.roles,
  createdAt: r.created_at.toISOString(),
});

@Injectable()
export class UsersService {
  constructor(private readonly db: DataSource) {}

  /** Creates a user and its first API token; the token is returned here and never again. */
  async create(input: CreateUserInput): Promise<UserView & { token: string }> {
    const token = generateApiToken();
    const roles = [...new Set(input.roles)];
    try {
      return await this.db.transaction(async (tx) => {
        const [row]: UserRow[] = await tx.query(
          `INSERT INTO users (name, email, agency_code, roles) VALUES ($1, $2, $3, $4)
           RETURNING id, name, email, agency_code, roles, created_at`,
          [input.name, input.email, input.agency, roles],
        );
        await tx.query(`INSERT INTO api_tokens (user_id, token_hash) VALUES ($1, $2)`, [row!.id, hashApiToken(token)]);
        return { ...toView(row!), token };
      });
    } catch (err) {
      if (pgCode(err) === PG_UNIQUE_VIOLATION) {
        throw new AppError('USER.ALREADY_EXISTS', `A user with e-mail ${input.email} already exists`, [
          { field: 'email', message: 'already in use' },
        ]);
      }
      if (pgCode(err) === PG_FOREIGN_KEY_VIOLATION) {
        throw new AppError('AGENCY.UNKNOWN', `Agency ${input.agency} does not exist`, [
          { field: 'agency', message: 'unknown agency code' },
        ]);
      }
      throw err;
    }
  }

  async list(limit?: number, cursor?: string, filter: { agency?: string; role?: Role } = {}): Promise<Page<UserView>> {
    const size = pageSize(limit);
    const params: unknown[] = [];
    const where: string[] = [keysetCondition('u', decodeCursor(cursor), params)];
    if (filter.agency) {
      params.push(filter.agency);
      where.push(`u.agency_code = $${params.length}`);
    }
    if (filter.role) {
      params.push(filter.role);
      where.push(`$${params.length} = ANY(u.roles)`);
    }
    params.push(size + 1);
    const rows: UserRow[] = await this.db.query(
      `SELECT u.id, u.name, u.email, u.agency_code, u.roles, u.created_at FROM users u
        WHERE ${where.join(' AND ')} ORDER BY u.created_at DESC, u.id DESC LIMIT $${params.length}`,
      params,
    );
    return toPage(rows, size, toView);
  }
}
