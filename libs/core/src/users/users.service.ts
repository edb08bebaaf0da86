import { Injectable } from '@nestjs/common';
import type { Role } from '@labgate/domain';
import { generateApiToken, hashApiToken } from '../auth/tokens';
import { AppError } from '../common/app-error';
import { PG_FOREIGN_KEY_VIOLATION, PG_UNIQUE_VIOLATION, pgCode, Transactor, Tx, UserRow, UsersRepository, WorkContext } from '@labgate/persistence';
import type { Principal } from '../common/principal';
import { Page, pageRequest, toPage } from '../common/pagination';

export interface UserView {
  id: string;
  name: string;
  email: string;
  agency: string;
  roles: Role[];
  createdAt: string;
  deactivatedAt: string | null;
}


export interface CreateUserInput {
  name: string;
  email: string;
  agency: string;
  roles: Role[];
  /** When the first token stops working; never, when absent. */
  tokenExpiresAt?: string;
}

export interface IssuedToken {
  token: string;
  expiresAt: string | null;
}

const toView = (r: UserRow): UserView => ({
  id: r.id,
  name: r.name,
  email: r.email,
  agency: r.agency_code,
  roles: r.roles,
  createdAt: r.created_at.toISOString(),
  deactivatedAt: r.deactivated_at?.toISOString() ?? null,
});

@Injectable()
export class UsersService {
  constructor(
    private readonly tx: Transactor,
    private readonly users: UsersRepository,
  ) {}

  /** Creates a user and its first API token; the token is returned here and never again. */
  async create(input: CreateUserInput, work: WorkContext): Promise<UserView & { token: string }> {
    const token = generateApiToken();
    const roles = [...new Set(input.roles)];
    try {
      return await this.tx.run(async (tx) => {
        const row = await this.users.insert(tx, { name: input.name, email: input.email, agency: input.agency, roles }, { hash: hashApiToken(token), expiresAt: expiry(input.tokenExpiresAt) });
        return { ...toView(row), token };
      }, work);
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

  /** An admin revokes every token of a user; requests with them are refused within a second. */
  async revokeTokens(userId: string, work: WorkContext): Promise<{ revoked: number }> {
    return this.tx.run(async (tx) => {
      await this.requireUser(tx, userId);
      return { revoked: await this.users.revokeTokens(tx, userId) };
    }, work);
  }

  /** An admin deactivates a user: every token stops working, the user and their history stay. */
  async deactivate(userId: string, work: WorkContext): Promise<UserView> {
    return this.tx.run(async (tx) => {
      await this.requireUser(tx, userId);
      const row = await this.users.deactivate(tx, userId);
      await this.users.revokeTokens(tx, userId);
      return toView(row!);
    }, work);
  }

  /** A user replaces their tokens with a new one (shown this once), optionally expiring. */
  async rotateOwnToken(user: Principal, work: WorkContext, expiresAt?: string): Promise<IssuedToken> {
    const token = generateApiToken();
    const expires = expiry(expiresAt);
    await this.tx.run(async (tx) => {
      await this.users.revokeTokens(tx, user.id);
      await this.users.addToken(tx, user.id, { hash: hashApiToken(token), label: 'rotated', expiresAt: expires });
    }, work);
    return { token, expiresAt: expires?.toISOString() ?? null };
  }

  /** One user (the Location of its creation). */
  async get(userId: string): Promise<UserView> {
    const user = await this.users.find(this.tx.none, userId);
    if (!user) throw new AppError('USER.NOT_FOUND', `User ${userId} does not exist`);
    return toView(user);
  }

  private async requireUser(tx: Tx, userId: string): Promise<void> {
    if (!(await this.users.find(tx, userId))) throw new AppError('USER.NOT_FOUND', `User ${userId} does not exist`);
  }

  async list(limit?: number, cursor?: string, filter: { agency?: string; role?: Role } = {}): Promise<Page<UserView>> {
    const page = pageRequest(limit, cursor);
    return toPage(await this.users.page(filter, page), page.size, toView);
  }
}

/** A token expiry must lie in the future. */
function expiry(value: string | undefined): Date | null {
  if (value === undefined) return null;
  const at = new Date(value);
  if (Number.isNaN(at.getTime()) || at.getTime() <= Date.now()) {
    throw new AppError('REQUEST.INVALID', 'A token expiry must be a date-time in the future', [{ field: 'expiresAt', message: 'must be a future ISO 8601 date-time' }]);
  }
  return at;
}
