/**
 * Every parameterised statement of the apps as a named prepared statement: Postgres parses and
 * plans it once per connection instead of on every call (a write makes six to ten statements;
 * their parsing and planning was a third of the database's CPU per vote).
 *
 * Names come from the statement's text, so each connection prepares a text once and every
 * connection agrees on the name. Only the first MAX_NAMED (500) distinct texts of the process get a
 * name: a statement text built with a varying number of placeholders (batched inserts) cannot
 * fill the server's memory with one-off prepared statements. Statements without parameters
 * (BEGIN, COMMIT, SET, multi-statement scripts) go as they are.
 */
const MAX_NAMED = 500;
const names = new Map<string, string>();

/** The prepared statement name of a text, or undefined once the process has named enough texts. */
export function statementName(text: string): string | undefined {
  const known = names.get(text);
  if (known !== undefined || names.size >= MAX_NAMED) return known;
  const name = `lg_${names.size.toString(36)}_${text.length.toString(36)}`;
  names.set(text, name);
  return name;
}

type QueryFn = (config: unknown, values?: unknown, callback?: unknown) => unknown;

/** Makes `client.query(text, values, …)` with parameters use a named prepared statement. */
export function prepareStatements(client: { query: QueryFn }): void {
  const query = client.query.bind(client) as QueryFn;
  client.query = (config: unknown, values?: unknown, callback?: unknown) => {
    if (typeof config === 'string' && Array.isArray(values) && values.length > 0) {
      const name = statementName(config);
      if (name) return query({ name, text: config }, values, callback);
    }
    return query(config, values, callback);
  };
}
