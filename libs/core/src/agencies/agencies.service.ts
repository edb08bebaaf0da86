import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppError } from '../common/app-error';
import { invalidCursor, Page, pageSize } from '../common/pagination';
import { PG_UNIQUE_VIOLATION, pgCode } from '../common/pg-errors';

export interface AgencyView {
  code: string;
  name: string;
}

@Injectable()
export class AgenciesService {
  constructor(private readonly db: DataSource) {}

  async create(input: AgencyView): Promise<AgencyView> {
    try {
      await this.db.query('INSERT INTO agencies (code, name) VALUES ($1, $2)', [input.code, input.name]);
    } catch (err) {
      if (pgCode(err) === PG_UNIQUE_VIOLATION) {
        throw new AppError('AGENCY.ALREADY_EXISTS', `Agency ${input.code} already exists`, [
          { field: 'code', message: 'already exists' },
        ]);
      }
      throw err;
    }
    return { code: input.code, name: input.name };
  }

  /** Agencies in code order; the cursor is the last code seen (the list is short and stable). */
  async list(limit?: number, cursor?: string): Promise<Page<AgencyView>> {
    const size = pageSize(limit);
    const after = cursor ? decodeAgencyCursor(cursor) : '';
    const rows: AgencyView[] = await this.db.query(
      'SELECT code, name FROM agencies WHERE code > $1 ORDER BY code LIMIT $2',
      [after, size + 1],
    );
    const more = rows.length > size;
    const items = more ? rows.slice(0, size) : rows;
    return { items, nextCursor: more ? Buffer.from(items[items.length - 1]!.code).toString('base64url') : null };
  }

  /** The codes among `codes` that are not agencies. */
  async unknownCodes(codes: string[]): Promise<string[]> {
    if (codes.length === 0) return [];
    const rows: Array<{ code: string }> = await this.db.query('SELECT code FROM agencies WHERE code = ANY($1)', [codes]);
    const known = new Set(rows.map((r) => r.code));
    return codes.filter((c) => !known.has(c));
  }
}

function decodeAgencyCursor(cursor: string): string {
  const code = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^[A-Z][A-Z0-9-]{1,15}$/.test(code)) throw invalidCursor();
  return code;
}
