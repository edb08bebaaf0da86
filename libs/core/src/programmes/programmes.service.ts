import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { assertCents } from '@labgate/domain';
import { AppError } from '../common/app-error';
import { decodeCursor, keysetCondition, Page, pageSize, toPage } from '../common/pagination';
import type { Principal } from '../common/principal';

export interface ProgrammeView {
  id: string;
  name: string;
  ownerId: string;
  envelopeCents: number;
  committedCents: number;
  spentCents: number;
  remainingCents: number;
  createdAt: string;
}

interface ProgrammeRow {
  id: string;
  name: string;
  owner_id: string;
  envelope_cents: string;
  committed_cents: string;
  spent_cents: string;
  created_at: Date;
}

const COLUMNS = 'p.id, p.name, p.owner_id, p.envelope_cents, p.committed_cents, p.spent_cents, p.created_at';

function toView(r: ProgrammeRow): ProgrammeView {
  const envelopeCents = Number(r.envelope_cents);
  const committedCents = Number(r.committed_cents);
  return {
    id: r.id,
    name: r.name,
    ownerId: r.owner_id,
    envelopeCents,
    committedCents,
    spentCents: Number(r.spent_cents),
    remainingCents: envelopeCents - committedCents,
    createdAt: r.created_at.toISOString(),
  };
}

@Injectable()
export class ProgrammesService {
  constructor(private readonly db: DataSource) {}

  async create(owner: Principal, input: { name: string; envelopeCents: number }): Promise<ProgrammeView> {
    assertCents(input.envelopeCents, 'envelopeCents');
    const [row]: ProgrammeRow[] = await this.db.query(
      `INSERT INTO programmes AS p (name, owner_id, envelope_cents) VALUES ($1, $2, $3) RETURNING ${COLUMNS}`,
      [input.name, owner.id, input.envelopeCents],
    );
    return toView(row!);
  }

  async get(id: string): Promise<ProgrammeView> {
    const rows: ProgrammeRow[] = await this.db.query(`SELECT ${COLUMNS} FROM programmes p WHERE p.id = $1`, [id]);
    if (!rows[0]) throw new AppError('PROGRAMME.NOT_FOUND', `Programme ${id} does not exist`);
    return toView(rows[0]);
  }

  async list(limit?: number, cursor?: string): Promise<Page<ProgrammeView>> {
    const size = pageSize(limit);
    const params: unknown[] = [];
    const where = keysetCondition('p', decodeCursor(cursor), params);
    params.push(size + 1);
    const rows: ProgrammeRow[] = await this.db.query(
      `SELECT ${COLUMNS} FROM programmes p WHERE ${where} ORDER BY p.created_at DESC, p.id DESC LIMIT $${params.length}`,
      params,
    );
    return toPage(rows, size, toView);
  }
}
