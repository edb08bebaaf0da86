import type { KeysetPosition, PageRequest } from '@labgate/persistence';
import { isUuid } from '@labgate/domain';
import { AppError } from './app-error';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export function encodeCursor(position: KeysetPosition): string {
  return Buffer.from(JSON.stringify([position.createdAt, position.id])).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): KeysetPosition | null {
  if (cursor === undefined || cursor === '') return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === 'string' &&
      isExactInstant(value[0]) &&
      typeof value[1] === 'string' &&
      isUuid(value[1])
    ) {
      return { createdAt: value[0], id: value[1] };
    }
  } catch {
    // fall through to the error below
  }
  throw invalidCursor();
}

/** Only the instants this API writes (toISOString, years 1970-9999): nothing Postgres could refuse. */
function isExactInstant(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(text)) return false;
  const at = new Date(text);
  return !Number.isNaN(at.getTime()) && at.toISOString() === text && at.getUTCFullYear() >= 1970;
}

export function invalidCursor(): AppError {
  return new AppError('PAGINATION.INVALID_CURSOR', 'The cursor is not one this API returned', [
    { field: 'cursor', message: 'unknown or malformed cursor' },
  ]);
}

export function pageSize(limit: number | undefined): number {
  return Math.min(Math.max(limit ?? DEFAULT_PAGE_SIZE, 1), MAX_PAGE_SIZE);
}

/** A keyset page request from the query's `limit` and `cursor`. */
export function pageRequest(limit: number | undefined, cursor: string | undefined): PageRequest {
  return { after: decodeCursor(cursor), size: pageSize(limit) };
}

/**
 * Builds a page from rows fetched with LIMIT size + 1: the extra row only says there is more.
 * A row's creation time is a Date or the text its toISOString() gives.
 */
export function toPage<R extends { created_at: Date | string; id: string }, T>(rows: R[], size: number, map: (row: R, index: number) => T): Page<T> {
  const more = rows.length > size;
  const kept = more ? rows.slice(0, size) : rows;
  const last = kept[kept.length - 1];
  return {
    items: kept.map(map),
    nextCursor: more && last ? encodeCursor({ createdAt: typeof last.created_at === 'string' ? last.created_at : last.created_at.toISOString(), id: last.id }) : null,
  };
}
