/**
 * Preloaded into the API by `cost.ts` (`NODE_OPTIONS=--require …/count-queries.js`): counts every
 * query node-postgres sends, by its text. node-postgres sends each query (prepared or not, BEGIN
 * and COMMIT included) as one message batch and waits for its answer, so the count is the round
 * trips. SIGWINCH (ignored by default, and not one of Nest's shutdown signals) writes the counts
 * so far to LABGATE_QUERY_COUNT_FILE as JSON: `{ total, byText: { text: count } }`.
 */
import { writeFileSync } from 'node:fs';
import { Client } from 'pg';

const file = process.env.LABGATE_QUERY_COUNT_FILE;
if (!file) throw new Error('count-queries needs LABGATE_QUERY_COUNT_FILE');

let total = 0;
const byText = new Map<string, number>();
const query = Client.prototype.query;
Client.prototype.query = function countedQuery(this: Client, ...args: unknown[]) {
  total++;
  const first = args[0];
  const text = typeof first === 'string' ? first : ((first as { text?: string } | undefined)?.text ?? '?');
  const key = text.replace(/\s+/g, ' ').slice(0, 160);
  byText.set(key, (byText.get(key) ?? 0) + 1);
  return (query as (...a: unknown[]) => unknown).apply(this, args);
} as typeof Client.prototype.query;
process.on('SIGWINCH', () => writeFileSync(file, JSON.stringify({ total, byText: Object.fromEntries(byText) })));
