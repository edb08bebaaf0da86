import { Gate, isMoneyGate } from './stages';

export const DATA_PROTECTION_SEAT = 'data-protection';
export const FUNDING_SEAT = 'funding';

export interface SeatsInput {
  leadAgency: string;
  partnerAgencies: string[];
  personalData: boolean;
  gate: Gate;
}

/**
 * Order matters: assignment walks the seats in this order and reviews display them so,
 * hence lead first and partners in the order the lead listed them.
 */
export function seatsFor(input: SeatsInput): string[] {
  const seats: string[] = [];
  for (const agency of [input.leadAgency, ...input.partnerAgencies]) {
    if (!seats.includes(agency)) seats.push(agency);
  }
  if (input.personalData) seats.push(DATA_PROTECTION_SEAT);
  if (isMoneyGate(input.gate)) seats.push(FUNDING_SEAT);
  return seats;
}
