/**
 * A row type's columns, listed once and checked by the compiler both ways: every key listed is a
 * key of the row, and a key of the row left out of the list does not compile. The schema test
 * then holds each list to its table, so a row type cannot drift from the database unnoticed.
 */
export function rowColumns<Row>() {
  return <const K extends ReadonlyArray<keyof Row & string>>(
    ...keys: K & (Exclude<keyof Row, K[number]> extends never ? unknown : { missing: Exclude<keyof Row, K[number]> })
  ): K => keys;
}

/** A row type's table and the columns read into it (computed ones, such as counts, left out). */
export interface RowTypeColumns {
  rowType: string;
  table: string;
  columns: readonly string[];
}
