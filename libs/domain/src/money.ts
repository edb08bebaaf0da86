import { DomainError } from './errors';

/** Money is integer cents end to end; a float or a negative amount is a bug or an attack. */
export function assertCents(value: number, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new DomainError('MONEY.INVALID', `${field} must be a non-negative whole number of cents`, [
      { field, message: 'must be a non-negative safe integer of cents' },
    ]);
  }
  return value;
}

export function remainingCents(envelopeCents: number, committedCents: number): number {
  return assertCents(envelopeCents, 'envelopeCents') - assertCents(committedCents, 'committedCents');
}

export interface CommitCheck {
  envelopeCents: number;
  committedCents: number;
  trancheCents: number;
}

/** Returns the programme's committed total after the tranche. */
export function checkCommit(input: CommitCheck): number {
  const envelope = assertCents(input.envelopeCents, 'envelopeCents');
  const committed = assertCents(input.committedCents, 'committedCents');
  const tranche = assertCents(input.trancheCents, 'trancheCents');
  // Compared as a difference so the sum of two large amounts cannot round past the envelope.
  if (tranche > envelope - committed) {
    throw new DomainError(
      'BUDGET.ENVELOPE_EXCEEDED',
      `A tranche of ${formatEuro(tranche)} exceeds the ${formatEuro(Math.max(0, envelope - committed))} remaining in the envelope`,
    );
  }
  return committed + tranche;
}

/** What an abandonment gives back to the programme: the money committed and not yet spent. */
export function releaseOnAbandon(input: { committedCents: number; spentCents: number }): number {
  return assertCents(input.committedCents, 'committedCents') - assertCents(input.spentCents, 'spentCents');
}

export interface SpendCheck {
  committedCents: number;
  spentCents: number;
  amountCents: number;
}

/** Returns the pilot's spent total after the expenditure. */
export function checkSpend(input: SpendCheck): number {
  const committed = assertCents(input.committedCents, 'committedCents');
  const spent = assertCents(input.spentCents, 'spentCents');
  const amount = assertCents(input.amountCents, 'amountCents');
  if (amount > committed - spent) {
    throw new DomainError(
      'SPEND.OVER_COMMITTED',
      `Spending ${formatEuro(amount)} would exceed the ${formatEuro(Math.max(0, committed - spent))} committed and not yet spent`,
    );
  }
  return spent + amount;
}

/** English grouping ('€1,234.56') built by hand so output never depends on the host's ICU data. */
export function formatEuro(cents: number): string {
  if (typeof cents !== 'number' || !Number.isSafeInteger(cents)) {
    throw new DomainError('MONEY.INVALID', 'Amount must be a whole number of cents', [
      { field: 'cents', message: 'must be a safe integer' },
    ]);
  }
  const sign = cents < 0 ? '-' : '';
  const absolute = Math.abs(cents);
  const euros = Math.floor(absolute / 100).toString();
  const rest = (absolute % 100).toString().padStart(2, '0');
  const grouped = euros.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign}€${grouped}.${rest}`;
}
