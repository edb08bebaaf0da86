import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { rowColumns } from './row-columns';
import { insertAtCommit, Tx } from './tx';

const OUTBOX_INSERT_COLUMNS = ['id', 'job_name', 'payload', 'run_at'] as const;

export interface OutboxRow {
  id: string;
  job_name: string;
  payload: Record<string, unknown>;
  run_at: Date | null;
}

export const OUTBOX_COLUMNS = rowColumns<OutboxRow>()('id', 'job_name', 'payload', 'run_at');

/** The transactional outbox: jobs written with the state change that calls for them. */
@Injectable()
export class OutboxRepository {
  constructor(private readonly db: DataSource) {}

  /** Written when the transaction commits (with the other rows it appends, in one statement). */
  async insert(tx: Tx, jobName: string, payload: Record<string, unknown>, runAt: Date | null): Promise<string> {
    const id = randomUUID();
    await insertAtCommit(tx, 'outbox', OUTBOX_INSERT_COLUMNS, [id, jobName, JSON.stringify(payload), runAt]);
    return id;
  }

  /** Unsent rows, oldest first, locked so that relays in several workers share the work. */
  async claim(tx: Tx, limit: number): Promise<OutboxRow[]> {
    return tx.query('SELECT id, job_name, payload, run_at FROM outbox WHERE sent_at IS NULL ORDER BY created_at LIMIT $1 FOR UPDATE SKIP LOCKED', [limit]);
  }

  async markSent(tx: Tx, ids: string[]): Promise<void> {
    await tx.query('UPDATE outbox SET sent_at = now() WHERE id = ANY($1::uuid[])', [ids]);
  }

  /** Relayed rows are kept a day for diagnosis, then dropped. */
  async dropRelayedBefore(interval: string): Promise<void> {
    await this.db.query(`DELETE FROM outbox WHERE sent_at < now() - $1::interval`, [interval]);
  }
}
