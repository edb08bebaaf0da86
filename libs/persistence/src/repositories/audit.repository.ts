import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { pageLimit } from './keyset';
import { rowColumns } from './row-columns';
import { insertAtCommit, Tx } from './tx';

const AUDIT_INSERT_COLUMNS = ['pilot_id', 'seq', 'actor', 'action', 'payload', 'at', 'prev_hash', 'hash'] as const;

export interface AuditRow {
  pilot_id: string;
  seq: number;
  actor: string;
  action: string;
  payload: unknown;
  at: Date;
  prev_hash: string;
  hash: string;
}

export interface SealRow {
  id: string;
  root: string;
  chains: number;
  sealed_at: Date;
}

export const AUDIT_COLUMNS = rowColumns<AuditRow>()('pilot_id', 'seq', 'actor', 'action', 'payload', 'at', 'prev_hash', 'hash');
export const SEAL_COLUMNS = rowColumns<SealRow>()('id', 'root', 'chains', 'sealed_at');

/** The per-pilot hash chains (append-only: a trigger refuses UPDATE and DELETE) and their seals. */
@Injectable()
export class AuditRepository {
  constructor(private readonly db: DataSource) {}

  /** The chain's last link; the caller holds the pilot's row lock, which serialises appends. */
  async head(tx: Tx, pilotId: string): Promise<{ seq: number; hash: string } | null> {
    const rows: Array<{ seq: number; hash: string }> = await tx.query(
      'SELECT seq, hash FROM audit_events WHERE pilot_id = $1 ORDER BY seq DESC LIMIT 1',
      [pilotId],
    );
    return rows[0] ?? null;
  }

  /** Written when the transaction commits (with the other rows it appends, in one statement). */
  async insert(tx: Tx, e: { pilotId: string; seq: number; actor: string; action: string; payload: unknown; at: string; prevHash: string; hash: string }): Promise<void> {
    await insertAtCommit(tx, 'audit_events', AUDIT_INSERT_COLUMNS, [e.pilotId, e.seq, e.actor, e.action, JSON.stringify(e.payload), e.at, e.prevHash, e.hash]);
  }

  async page(pilotId: string, afterSeq: number, size: number): Promise<AuditRow[]> {
    return this.db.query(`SELECT * FROM audit_events WHERE pilot_id = $1 AND seq > $2 ORDER BY seq ${pageLimit(size)}`, [pilotId, afterSeq]);
  }

  /** The chain with, per event, the hash the transparency log took as its leaf (null until a checkpoint took it). */
  async chainWithLeaves(pilotId: string): Promise<Array<AuditRow & { logged_hash: string | null }>> {
    return this.db.query(
      'SELECT e.*, l.hash AS logged_hash FROM audit_events e LEFT JOIN tlog_leaves l ON l.pilot_id = e.pilot_id AND l.seq = e.seq WHERE e.pilot_id = $1 ORDER BY e.seq',
      [pilotId],
    );
  }

  /** The last link of every pilot's chain. */
  async heads(): Promise<Array<{ pilot_id: string; seq: number; hash: string }>> {
    return this.db.query('SELECT DISTINCT ON (pilot_id) pilot_id, seq, hash FROM audit_events ORDER BY pilot_id, seq DESC');
  }

  async insertSeal(root: string, heads: Array<{ pilotId: string; seq: number; hash: string }>): Promise<SealRow> {
    const [row]: SealRow[] = await this.db.query('INSERT INTO chain_seals (root, chains, heads) VALUES ($1, $2, $3) RETURNING id, root, chains, sealed_at', [
      root,
      heads.length,
      JSON.stringify(heads),
    ]);
    return row!;
  }

  async latestSeal(): Promise<SealRow | null> {
    const rows: SealRow[] = await this.db.query('SELECT id, root, chains, sealed_at FROM chain_seals ORDER BY sealed_at DESC LIMIT 1');
    return rows[0] ?? null;
  }
}
