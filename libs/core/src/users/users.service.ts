import { Injectable } from '@nestjs/common';
import type { Role } from '@labgate/domain';
import { generateApiToken, hashApiToken } from '../auth/tokens';
import { AppError } from '../common/app-error';
import { PG_FOREIGN_KEY_VIOLATION, PG_UNIQUE_VIOLATION, pgCode, Transactor, UserRow, UsersRepository } from '@labgate/persistence';
import { Page, pageRequest, toPage } from '../common/pagination';

export interface UserView {
  id: string;
  name: string;
  email: string;
  agency: string;
  roles: Role[];
  createdAt: string;
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
  constructor(
    private readonly tx: Transactor,
    private readonly users: UsersRepository,
  ) {}

  /** Creates a user and its first API token; the token is returned here and never again. */
  async create(input: CreateUserInput): Promise<UserView & { token: string }> {
    const token = generateApiToken();
    const roles = [...new Set(input.roles)];
    try {
      return await this.tx.run(async (tx) => {
        const row = await this.users.insert(tx, { name: input.name, email: input.email, agency: input.agency, roles }, hashApiToken(token));
        return { ...toView(row), token };
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
    const page = pageRequest(limit, cursor);
    return toPage(await this.users.page(filter, page), page.size, toView);
  }
}
