import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { DATA_PROTECTION_SEAT, FUNDING_SEAT } from '@labgate/domain';

export interface SeatContext {
  gateReviewId: string;
  leadId: string;
  leadAgency: string;
  programmeOwnerId: string;
}

/**
 * Who may hold a seat, and who should: agency seats go to that agency's reviewers, the
 * data-protection seat to a DPO (the lead agency's first), the funding seat to a funder (the
 * programme's owner first); never the pilot's lead, never one person on two seats of a review
 * (nor back on a seat after declining), and among the rest the least pending load.
 */
@Injectable()
export class SeatsService {
  async pickReviewer(tx: EntityManager, ctx: SeatContext, seat: string): Promise<string | null> {
    const params: unknown[] = [ctx.gateReviewId, ctx.leadId];
    let eligible: string;
    let preference = '';
    if (seat === DATA_PROTECTION_SEAT) {
      eligible = `'dpo' = ANY(u.roles)`;
      params.push(ctx.leadAgency);
      preference = `(u.agency_code = $${params.length}) DESC,`;
    } else if (seat === FUNDING_SEAT) {
      eligible = `'funder' = ANY(u.roles)`;
      params.push(ctx.programmeOwnerId);
      preference = `(u.id = $${params.length}) DESC,`;
    } else {
      params.push(seat);
      eligible = `'reviewer' = ANY(u.roles) AND u.agency_code = $${params.length}`;
    }
    const rows: Array<{ id: string }> = await tx.query(
      `SELECT u.id FROM users u
        WHERE ${eligible} AND u.id <> $2
          AND NOT EXISTS (SELECT 1 FROM assignments a WHERE a.gate_review_id = $1 AND a.reviewer_id = u.id)
        ORDER BY ${preference}
                 (SELECT count(*) FROM assignments p WHERE p.reviewer_id = u.id AND p.status = 'pending'),
                 u.created_at, u.id
        LIMIT 1`,
      params,
    );
    return rows[0]?.id ?? null;
  }

  /** Whether `userId` could hold `seat` (for a chair's reassignment). */
  async isEligible(tx: EntityManager, ctx: SeatContext, seat: string, userId: string): Promise<boolean> {
    const rows: Array<{ agency_code: string; roles: string[] }> = await tx.query('SELECT agency_code, roles FROM users WHERE id = $1', [userId]);
    const user = rows[0];
    if (!user || userId === ctx.leadId) return false;
    if (seat === DATA_PROTECTION_SEAT) return user.roles.includes('dpo');
    if (seat === FUNDING_SEAT) return user.roles.includes('funder');
    return user.roles.includes('reviewer') && user.agency_code === seat;
  }
}
