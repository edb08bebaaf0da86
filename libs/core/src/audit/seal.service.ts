import { Injectable } from '@nestjs/common';
import { merkleRoot } from '@labgate/domain';
import { AuditRepository, SealRow } from '@labgate/persistence';
import { TransparencyService } from '../transparency/transparency.service';

export interface SealView {
  id: string;
  root: string;
  chains: number;
  sealedAt: string;
}

const toView = (r: SealRow): SealView => ({ id: r.id, root: r.root, chains: r.chains, sealedAt: r.sealed_at.toISOString() });

/**
 * Seals the head of every pilot's audit chain into one Merkle root: an anchor that could be
 * published outside the lab, so that rewriting history (or cutting a chain's tail) shows.
 */
@Injectable()
export class SealService {
  constructor(
    private readonly audit: AuditRepository,
    private readonly transparency: TransparencyService,
  ) {}

  /** Seals the chain heads, and signs a transparency-log checkpoint over every event so far. */
  async seal(): Promise<SealView> {
    await this.transparency.checkpoint();
    const heads = await this.audit.heads();
    const root = merkleRoot(heads.map((h) => h.hash));
    return toView(await this.audit.insertSeal(root, heads.map((h) => ({ pilotId: h.pilot_id, seq: h.seq, hash: h.hash }))));
  }

  async latest(): Promise<SealView | null> {
    const row = await this.audit.latestSeal();
    return row ? toView(row) : null;
  }
}
