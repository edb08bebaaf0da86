import { Injectable } from '@nestjs/common';
import { GENESIS_HASH, hashEvent, verifyChain } from '@labgate/domain';
import { AuditRepository, AuditRow, PilotsRepository, setTxMemo, Tx, txMemo, Viewer } from '@labgate/persistence';
import { pilotNotFound } from '../common/not-found';
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

export interface AuditAppend {
  pilotId: string;
  /** A user id, or 'policy' / 'system' for what the workflow did by itself. */
  actor: string;
  action: string;
  payload: Record<string, unknown>;
  at?: Date;
  /**
   * The chain's head as the caller read it under the pilot's lock (null: the pilot has no chain
   * yet, as when it was created in this transaction); read here when not given.
   */
  head?: { seq: number; hash: string } | null;
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

/** The per-pilot audit chains; read by those who may see the pilot (404 for anyone else). */
@Injectable()
export class AuditService {
  constructor(
    private readonly audit: AuditRepository,
    private readonly pilots: PilotsRepository,
  ) {}

  /**
   * Appends one link to the pilot's chain inside the caller's transaction. The caller must hold
   * the pilot's row lock (SELECT … FOR UPDATE), which serialises appends to one chain; the
   * primary key (pilot_id, seq) refuses a fork should that ever be forgotten.
   */
  async append(tx: Tx, event: AuditAppend): Promise<{ seq: number; hash: string }> {
    // The link is written at commit: a second append in the transaction chains on to the head
    // remembered here, not on to what the table holds yet.
    const memo = `audit.head:${event.pilotId}`;
    const known = event.head !== undefined ? event.head : txMemo<{ seq: number; hash: string }>(tx, memo);
    const last = known !== undefined ? known : await this.audit.head(tx, event.pilotId);
    const seq = (last?.seq ?? 0) + 1;
    const prevHash = last?.hash ?? GENESIS_HASH;
    const at = (event.at ?? new Date()).toISOString();
    const hash = hashEvent(prevHash, { seq, pilotId: event.pilotId, actor: event.actor, action: event.action, payload: event.payload, at });
    await this.audit.insert(tx, { pilotId: event.pilotId, seq, actor: event.actor, action: event.action, payload: event.payload, at, prevHash, hash });
    setTxMemo(tx, memo, { seq, hash });
    return { seq, hash };
  }

  async list(viewer: Viewer, pilotId: string, limit?: number, cursor?: string): Promise<Page<AuditEventView>> {
    await this.requireVisible(viewer, pilotId);
    const size = pageSize(limit);
    const rows = await this.audit.page(pilotId, cursor ? decodeSeqCursor(cursor) : 0, size);
    const more = rows.length > size;
    const items = (more ? rows.slice(0, size) : rows).map(toView);
    return { items, nextCursor: more ? Buffer.from(String(items[items.length - 1]!.seq)).toString('base64url') : null };
  }

  /** Recomputes the whole chain from the stored rows. */
  async verify(viewer: Viewer, pilotId: string): Promise<{ valid: boolean; events: number; brokenAtSeq?: number }> {
    await this.requireVisible(viewer, pilotId);
    const rows = await this.audit.chainWithLeaves(pilotId);
    const chain = verifyChain(
      rows.map((r) => ({ seq: r.seq, pilotId: r.pilot_id, actor: r.actor, action: r.action, payload: r.payload, at: r.at.toISOString(), prevHash: r.prev_hash, hash: r.hash })),
    );
    // A chain rewritten from some event on, every hash recomputed, links up again; the
    // transparency log kept each event's hash as it was when a checkpoint signed it.
    const relogged = rows.find((r) => r.logged_hash !== null && r.logged_hash !== r.hash);
    if (!relogged || (chain.brokenAtSeq !== undefined && chain.brokenAtSeq <= relogged.seq)) return chain;
    return { valid: false, events: chain.events, brokenAtSeq: relogged.seq };
  }

  private async requireVisible(viewer: Viewer, pilotId: string): Promise<void> {
    if (!(await this.pilots.findVisible(viewer, pilotId))) throw pilotNotFound(pilotId);
  }
}

function decodeSeqCursor(cursor: string): number {
  const seq = Number(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!Number.isSafeInteger(seq) || seq < 0) throw invalidCursor();
  return seq;
}
