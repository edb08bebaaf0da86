/**
 * Preloaded into the API by `cost.ts` (`NODE_OPTIONS=--require …/count-queries.js`): counts every
 * query node-postgres sends, by its text, and the round trips among them. node-postgres sends
 * each query (prepared or not, BEGIN and COMMIT included) as one message batch; outside pipeline
 * mode it waits for the answer before the next, so each query is a round trip. In pipeline mode
 * (a transaction's connection, see Transactor.run) a query sent while an earlier one on the same
 * connection is still unanswered goes without a wait of its own and is not counted as a round
 * trip (conservative: a BEGIN answered before the first statement left counts as one).
 * SIGWINCH (ignored by default, and not one of Nest's shutdown signals) writes the counts so far
 * to LABGATE_QUERY_COUNT_FILE as JSON: `{ total, roundTrips, byText: { text: count } }`.
 */
import { writeFileSync } from 'node:fs';
import { Client } from 'pg';

const file = process.env.LABGATE_QUERY_COUNT_FILE;
if (!file) throw new Error('count-queries needs LABGATE_QUERY_COUNT_FILE');

let total = 0;
let roundTrips = 0;
const byText = new Map<string, number>();
const query = Client.prototype.query;
Client.prototype.query = function countedQuery(this: Client, ...args: unknown[]) {
  total++;
  const client = this as unknown as { pipeline?: boolean; _activeQuery?: unknown; _queryQueue: unknown[]; _sentQueryQueue?: unknown[] };
  const unanswered = Boolean(client._activeQuery) || client._queryQueue.length > 0 || (client._sentQueryQueue?.length ?? 0) > 0;
  if (!(client.pipeline && unanswered)) roundTrips++;
  const first = args[0];
  const text = typeof first === 'string' ? first : ((first as { text?: string } | undefined)?.text ?? '?');
  const key = text.replace(/\s+/g, ' ').slice(0, 160);
  byText.set(key, (byText.get(key) ?? 0) + 1);
  return (query as (...a: unknown[]) => unknown).apply(this, args);
} as typeof Client.prototype.query;
process.on('SIGWINCH', () => writeFileSync(file, JSON.stringify({ total, roundTrips, byText: Object.fromEntries(byText) })));
