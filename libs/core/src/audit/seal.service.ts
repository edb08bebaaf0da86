import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { merkleRoot } from '@labgate/domain';

export interface SealView {
  id: string;
  root: string;
  chains: number;
  sealedAt: string;
}

/**
 * Seals the head of every pilot's audit chain into one Merkle root: an anchor that could be
 * published outside the lab, so that rewriting history (or cutting a chain's tail) shows.
 */
@Injectable()
export class SealService {
  constructor(private readonly db: DataSource) {}

  async seal(): Promise<SealView> {
    const heads: Array<{ pilot_id: string; seq: number; hash: string }> = await this.db.query(
      `SELECT DISTINCT ON (pilot_id) pilot_id, seq, hash FROM audit_events ORDER BY pilot_id, seq DESC`,
    );
    const root = merkleRoot(heads.map((h) => h.hash));
    const [row]: Array<{ id: string; sealed_at: Date }> = await this.db.query(
      'INSERT INTO chain_seals (root, chains, heads) VALUES ($1, $2, $3) RETURNING id, sealed_at',
      [root, heads.length, JSON.stringify(heads.map((h) => ({ pilotId: h.pilot_id, seq: h.seq, hash: h.hash })))],
    );
    return { id: row!.id, root, chains: heads.length, sealedAt: row!.sealed_at.toISOString() };
  }

  async latest(): Promise<SealView | null> {
    const rows: Array<{ id: string; root: string; chains: number; sealed_at: Date }> = await this.db.query(
      'SELECT id, root, chains, sealed_at FROM chain_seals ORDER BY sealed_at DESC LIMIT 1',
    );
    const r = rows[0];
    return r ? { id: r.id, root: r.root, chains: r.chains, sealedAt: r.sealed_at.toISOString() } : null;
  }
}
