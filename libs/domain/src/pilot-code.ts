const PREFIX = 'JIL';
const MIN_DIGITS = 4;
const PATTERN = /^JIL-(\d{4})-(\d{4,})$/;

export interface PilotCodeParts {
  year: number;
  n: number;
}

/** Human-readable codes ('JIL-2026-0007'); the number restarts each year and grows past 9999. */
export function formatPilotCode(year: number, n: number): string {
  if (!Number.isInteger(year) || year < 1000 || year > 9999) {
    throw new RangeError(`Pilot code year must be a four-digit integer, got ${year}`);
  }
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new RangeError(`Pilot code number must be a positive integer, got ${n}`);
  }
  return `${PREFIX}-${year}-${n.toString().padStart(MIN_DIGITS, '0')}`;
}

/**
 * Null for anything that is not exactly what formatPilotCode would print, so one pilot cannot
 * be reached under two spellings ('JIL-2026-00007', lower case).
 */
export function parsePilotCode(code: string): PilotCodeParts | null {
  if (typeof code !== 'string') return null;
  const match = PATTERN.exec(code);
  if (match === null) return null;
  const year = Number(match[1]);
  const n = Number(match[2]);
  if (year < 1000 || !Number.isSafeInteger(n) || n < 1) return null;
  return formatPilotCode(year, n) === code ? { year, n } : null;
}
