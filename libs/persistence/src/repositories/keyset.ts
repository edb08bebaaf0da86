/** Position after the last row of a page in the (created_at DESC, id DESC) keyset order. */
export interface KeysetPosition {
  createdAt: string;
  id: string;
}

/** A page request as repositories take it: already decoded and bounded by the caller. */
export interface PageRequest {
  after: KeysetPosition | null;
  size: number;
}

/**
 * The keyset condition, appended to a WHERE clause whose parameters so far number
 * `params.length`. Repositories fetch `size + 1` rows: the extra one only says there is more.
 */
export function keysetCondition(alias: string, position: KeysetPosition | null, params: unknown[]): string {
  if (!position) return 'TRUE';
  params.push(position.createdAt, position.id);
  return `(${alias}.created_at, ${alias}.id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`;
}
