import type { Role } from './visibility';

export const DATA_PROTECTION_SEAT = 'data-protection';
export const FUNDING_SEAT = 'funding';

export interface SeatsInput {
  leadAgency: string;
  partnerAgencies: string[];
  personalData: boolean;
  /** What the submission asks to have committed on a go, in cents. */
  trancheCents: number;
}

/**
 * One seat per involved agency, `data-protection` when the pilot processes personal data, and
 * `funding` whenever the submission asks for money, at any gate: no money moves without a
 * funder's seat, and a submission with no tranche commits nothing, so it needs none (DESIGN §2).
 * Order matters: assignment walks the seats in this order and reviews display them so,
 * hence lead first and partners in the order the lead listed them.
 */
export function seatsFor(input: SeatsInput): string[] {
  const seats: string[] = [];
  for (const agency of [input.leadAgency, ...input.partnerAgencies]) {
    if (!seats.includes(agency)) seats.push(agency);
  }
  if (input.personalData) seats.push(DATA_PROTECTION_SEAT);
  if (input.trancheCents > 0) seats.push(FUNDING_SEAT);
  return seats;
}

/** The pilot and programme facts that decide who may hold a seat. */
export interface SeatContext {
  leadId: string;
  leadAgency: string;
  programmeOwnerId: string;
}

/**
 * Who may hold a seat, and who is preferred: agency seats go to that agency's reviewers, the
 * data-protection seat to a DPO (the lead agency's first), the funding seat to a funder (the
 * programme's owner first). Never the pilot's lead (see canHoldSeat). The SQL that picks by
 * least load takes this as parameters instead of restating it.
 */
export interface SeatRule {
  role: Role;
  /** Only users of this agency, or anyone with the role when null. */
  agency: string | null;
  preferAgency: string | null;
  preferUserId: string | null;
}

export function seatRule(seat: string, ctx: SeatContext): SeatRule {
  if (seat === DATA_PROTECTION_SEAT) return { role: 'dpo', agency: null, preferAgency: ctx.leadAgency, preferUserId: null };
  if (seat === FUNDING_SEAT) return { role: 'funder', agency: null, preferAgency: null, preferUserId: ctx.programmeOwnerId };
  return { role: 'reviewer', agency: seat, preferAgency: null, preferUserId: null };
}

/** Whether a user could hold `seat` of a review of this pilot (for a chair's reassignment). */
export function canHoldSeat(user: { id: string; agency: string; roles: readonly Role[] }, seat: string, ctx: SeatContext): boolean {
  if (user.id === ctx.leadId) return false;
  const rule = seatRule(seat, ctx);
  return user.roles.includes(rule.role) && (rule.agency === null || user.agency === rule.agency);
}
