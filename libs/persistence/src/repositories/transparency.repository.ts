import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AuditRow } from './audit.repository';
import { Tx } from './tx';

export interface CheckpointRow {
  size: string;
  root: string;
  note: string;
}

/** One sealer at a time gives leaves their indexes (a transaction-scoped advisory lock). */
const TLOG_LOCK = 7_415_002;

/** The transparency log's leaves, checkpoints and generated key. */
@Injectable()
export class TransparencyRepository {
  constructor(private readonly db: DataSource) {}

  async lock(tx: Tx): Promise<void> {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [TLOG_LOCK]);
  }

  /** Gives every committed event not yet in the log the next indexes, in append order; the new size. */
  async appendLeaves(tx: Tx): Promise<number> {
    await tx.query(
      `INSERT INTO tlog_leaves (idx, pilot_id, seq, hash)
       SELECT (SELECT COALESCE(max(idx), -1) FROM tlog_leaves) + row_number() OVER (ORDER BY e.at, e.pilot_id, e.seq), e.pilot_id, e.seq, e.hash
         FROM audit_events e
        WHERE NOT EXISTS (SELECT 1 FROM tlog_leaves l WHERE l.pilot_id = e.pilot_id AND l.seq = e.seq)`,
    );
    const [row]: Array<{ n: string }> = await tx.query('SELECT count(*) AS n FROM tlog_leaves');
    return Number(row!.n);
  }

  /** The first `size` leaves' data (the events' hashes), in order. */
  async leafData(tx: Tx, size: number): Promise<string[]> {
    const rows: Array<{ hash: string }> = await tx.query('SELECT hash FROM tlog_leaves WHERE idx < $1 ORDER BY idx', [size]);
    return rows.map((r) => r.hash);
  }

  async leafIndex(pilotId: string, seq: number): Promise<number | null> {
    const rows: Array<{ idx: string }> = await this.db.query('SELECT idx FROM tlog_leaves WHERE pilot_id = $1 AND seq = $2', [pilotId, seq]);
    return rows[0] ? Number(rows[0].idx) : null;
  }

  /**
   * Dated when written (clock_timestamp), not when its transaction began: the transaction hashes
   * every leaf first, and a report as of a moment in between must not find a checkpoint that
   * committed after it read (a report's seal is the latest checkpoint dated at or before asOf).
   */
  async insertCheckpoint(tx: Tx, c: { size: number; root: string; note: string }): Promise<void> {
    await tx.query('INSERT INTO tlog_checkpoints (size, root, note, created_at) VALUES ($1, $2, $3, clock_timestamp()) ON CONFLICT (size) DO NOTHING', [
      c.size,
      c.root,
      c.note,
    ]);
  }

  async checkpoint(tx: Tx, size?: number): Promise<CheckpointRow | null> {
    const rows: CheckpointRow[] = size === undefined
      ? await tx.query('SELECT size, root, note FROM tlog_checkpoints ORDER BY size DESC LIMIT 1')
      : await tx.query('SELECT size, root, note FROM tlog_checkpoints WHERE size = $1', [size]);
    return rows[0] ?? null;
  }

  async event(pilotId: string, seq: number): Promise<AuditRow | null> {
    const rows: AuditRow[] = await this.db.query('SELECT * FROM audit_events WHERE pilot_id = $1 AND seq = $2', [pilotId, seq]);
    return rows[0] ?? null;
  }

  /** The seq of a review's decision event on its pilot's chain. */
  async decisionSeq(pilotId: string, gateReviewId: string): Promise<number | null> {
    const rows: Array<{ seq: number }> = await this.db.query(
      `SELECT seq FROM audit_events WHERE pilot_id = $1 AND action = 'gate.decided' AND payload->>'gateReviewId' = $2 ORDER BY seq LIMIT 1`,
      [pilotId, gateReviewId],
    );
    return rows[0]?.seq ?? null;
  }

  /** The stored key, or the one given when none is stored yet (two processes starting together agree). */
  async keyOrStore(origin: string, sealedPrivateKey: string): Promise<{ origin: string; private_key: string }> {
    await this.db.query('INSERT INTO tlog_keys (id, origin, private_key) VALUES (1, $1, $2) ON CONFLICT (id) DO NOTHING', [origin, sealedPrivateKey]);
    const [row]: Array<{ origin: string; private_key: string }> = await this.db.query('SELECT origin, private_key FROM tlog_keys WHERE id = 1');
    return row!;
  }
}
