import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { GENESIS_HASH, hashEvent, verifyChain } from '@labgate/domain';
import { invalidCursor, Page, pageSize } from '../common/pagination';

export interface AuditEventView {
  seq: number;
  action: string;
  actorId: string;
  at: string;
  payload: unknown;
  prevHash: string;
  hash: string;
}

interface AuditRow {
  pilot_id: string;
  seq: number;
  actor: string;
  action: string;
  payload: unknown;
  at: Date;
  prev_hash: string;
  hash: string;
}

export interface AuditAppend {
  pilotId: string;
  /** A user id, or 'policy' / 'system' for what the workflow did by itself. */
  actor: string;
  action: string;
  payload: Record<string, unknown>;
  at?: Date;
}

const toView = (r: AuditRow): AuditEventView => ({
  seq: r.seq,
  action: r.action,
  actorId: r.actor,
  at: r.at.toISOString(),
  payload: r.payload,
  prevHash: r.prev_hash,
  hash: r.hash,
});

@Injectable()
export class AuditService {
  constructor(private readonly db: DataSource) {}

  /**
   * Appends one link to the pilot's chain inside the caller's transaction. The caller must hold
   * the pilot's row lock (SELECT … FOR UPDATE), which serialises appends to one chain; the
   * primary key (pilot_id, seq) refuses a fork should that ever be forgotten.
   */
  async append(tx: EntityManager, event: AuditAppend): Promise<{ seq: number; hash: string }> {
    const last: Array<{ seq: number; hash: string }> = await tx.query(
      'SELECT seq, hash FROM audit_events WHERE pilot_id = $1 ORDER BY seq DESC LIMIT 1',
      [event.pilotId],
    );
    const seq = (last[0]?.seq ?? 0) + 1;
    const prevHash = last[0]?.hash ?? GENESIS_HASH;
    const at = (event.at ?? new Date()).toISOString();
    const hash = hashEvent(prevHash, { seq, pilotId: event.pilotId, actor: event.actor, action: event.action, payload: event.payload, at });
    await tx.query(
      `INSERT INTO audit_events (pilot_id, seq, actor, action, payload, at, prev_hash, hash)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [event.pilotId, seq, event.actor, event.action, JSON.stringify(event.payload), at, prevHash, hash],
    );
    return { seq, hash };
  }

  async list(pilotId: string, limit?: number, cursor?: string): Promise<Page<AuditEventView>> {
    const size = pageSize(limit);
    const after = cursor ? decodeSeqCursor(cursor) : 0;
    const rows: AuditRow[] = await this.db.query(
      `SELECT * FROM audit_events WHERE pilot_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
      [pilotId, after, size + 1],
    );
    const more = rows.length > size;
    const items = (more ? rows.slice(0, size) : rows).map(toView);
    return { items, nextCursor: more ? Buffer.from(String(items[items.length - 1]!.seq)).toString('base64url') : null };
  }

  /** Recomputes the whole chain from the stored rows. */
  async verify(pilotId: string): Promise<{ valid: boolean; events: number; brokenAtSeq?: number }> {
    const rows: AuditRow[] = await this.db.query('SELECT * FROM audit_events WHERE pilot_id = $1 ORDER BY seq', [pilotId]);
    return verifyChain(
      rows.map((r) => ({
        seq: r.seq,
        pilotId: r.pilot_id,
        actor: r.actor,
        action: r.action,
        payload: r.payload,
        at: r.at.toISOString(),
        prevHash: r.prev_hash,
        hash: r.hash,
      })),
    );
  }
}

function decodeSeqCursor(cursor: string): number {
  const seq = Number(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!Number.isSafeInteger(seq) || seq < 0) throw invalidCursor();
  return seq;
}
