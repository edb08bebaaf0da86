import { ValueTransformer } from 'typeorm';

/** Postgres bigint arrives as a string; money in cents stays well inside Number.MAX_SAFE_INTEGER. */
export const bigintCents: ValueTransformer = {
  to: (value: number | undefined) => value,
  from: (value: string | null) => (value === null ? null : Number(value)),
};
