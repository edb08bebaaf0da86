import { Injectable } from '@nestjs/common';
import { AgenciesRepository, PG_UNIQUE_VIOLATION, pgCode, Transactor, WorkContext } from '@labgate/persistence';
import { AppError } from '../common/app-error';
import { invalidCursor, Page, pageSize } from '../common/pagination';

export interface AgencyView {
  code: string;
  name: string;
}

@Injectable()
export class AgenciesService {
  constructor(
    private readonly agencies: AgenciesRepository,
    private readonly tx: Transactor,
  ) {}

  async create(input: AgencyView, work: WorkContext): Promise<AgencyView> {
    try {
      // In a transaction, so an Idempotency-Key's record commits with the agency.
      await this.tx.run((tx) => this.agencies.insert(tx, { code: input.code, name: input.name }), work);
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
    const rows = await this.agencies.page(after, size);
    const more = rows.length > size;
    const items = more ? rows.slice(0, size) : rows;
    return { items, nextCursor: more ? Buffer.from(items[items.length - 1]!.code).toString('base64url') : null };
  }

  /** One agency (the Location of its creation). */
  async get(code: string): Promise<AgencyView> {
    const agency = await this.agencies.find(code);
    if (!agency) throw new AppError('RESOURCE.NOT_FOUND', `Agency ${code} does not exist`);
    return { code: agency.code, name: agency.name };
  }

  /** The codes among `codes` that are not agencies. */
  async unknownCodes(codes: string[]): Promise<string[]> {
    const known = new Set(await this.agencies.existingCodes(codes));
    return codes.filter((c) => !known.has(c));
  }
}

function decodeAgencyCursor(cursor: string): string {
  const code = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^[A-Z][A-Z0-9-]{1,15}$/.test(code)) throw invalidCursor();
  return code;
}
