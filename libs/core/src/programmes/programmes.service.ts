import { Injectable } from '@nestjs/common';
import { assertCents, remainingCents } from '@labgate/domain';
import { LedgerRepository, ProgrammeRow, Transactor, WorkContext } from '@labgate/persistence';
import { AppError } from '../common/app-error';
import { Page, pageRequest, toPage } from '../common/pagination';
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
    remainingCents: remainingCents(envelopeCents, committedCents),
    createdAt: r.created_at.toISOString(),
  };
}

/** Budget envelopes: funders open them; the ledger moves their money. */
@Injectable()
export class ProgrammesService {
  constructor(
    private readonly tx: Transactor,
    private readonly programmes: LedgerRepository,
  ) {}

  async create(owner: Principal, input: { name: string; envelopeCents: number }, work: WorkContext): Promise<ProgrammeView> {
    assertCents(input.envelopeCents, 'envelopeCents');
    // In a transaction, so an Idempotency-Key's record commits with the programme.
    return toView(await this.tx.run((tx) => this.programmes.createProgramme(tx, { name: input.name, ownerId: owner.id, envelopeCents: input.envelopeCents }), work));
  }

  async get(id: string): Promise<ProgrammeView> {
    const row = await this.programmes.findProgramme(this.tx.none, id, false);
    if (!row) throw new AppError('PROGRAMME.NOT_FOUND', `Programme ${id} does not exist`);
    return toView(row);
  }

  async list(limit?: number, cursor?: string): Promise<Page<ProgrammeView>> {
    const page = pageRequest(limit, cursor);
    return toPage(await this.programmes.listProgrammes(page), page.size, toView);
  }
}
