import { Query } from 'pg';

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
 *
 * A named statement's rows are described once per connection, not on every execution (see
 * DescribedQuery).
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

type Callback = (err: Error | null, result?: unknown) => void;
type QueryFn = (config: unknown, values?: unknown, callback?: unknown) => unknown;

/**
 * What node-postgres makes of a statement's row description: the fields, a parser per field and
 * the empty row every row is copied from (its Result's internals, pg 8.x).
 */
interface RowShape {
  fields: unknown[];
  _parsers: unknown[] | undefined;
  _prebuiltEmptyResultObject: unknown;
}

/** The members of node-postgres's Query (pg 8.x) this module reads or replaces. */
interface QueryInternals {
  name: string;
  callback?: Callback;
  _result: RowShape;
  _accumulateRows: boolean;
  prepare(connection: object): void;
  handleRowDescription(msg: unknown): void;
  listeners(event: string): unknown[];
}

const noDescribe = () => undefined;

/**
 * A named statement's execution without its Describe message once the connection knows the rows'
 * shape. node-postgres sends Describe with every execution, so Postgres sends the row description
 * again each time (25 field descriptions for a pilot) and the client parses it, builds a parser
 * per field and a fresh row template: 12 % of what a read by id allocated. A prepared statement's
 * result type cannot change within a session (Postgres refuses to execute one whose result type
 * changed, "cached plan must not change result type"), so the first description a connection
 * receives for a statement stays true for as long as the statement exists there. The shapes are
 * kept per connection, like the statements themselves, and go with it.
 */
class DescribedQuery extends (Query as unknown as new (config: unknown, values?: unknown, callback?: unknown) => QueryInternals) {
  constructor(
    config: unknown,
    values: unknown,
    callback: unknown,
    private readonly shapes: Map<string, RowShape>,
  ) {
    super(config, values, callback);
  }

  override prepare(connection: { describe: unknown }): void {
    const shape = this.shapes.get(this.name);
    if (shape === undefined) return super.prepare(connection);
    // What handleRowDescription would set from the description Postgres would send again.
    this._result.fields = shape.fields;
    this._result._parsers = shape._parsers;
    this._result._prebuiltEmptyResultObject = shape._prebuiltEmptyResultObject;
    this._accumulateRows = Boolean(this.callback) || this.listeners('row').length === 0;
    // The rest of node-postgres's own prepare (parse if needed, bind, execute, sync), without Describe.
    connection.describe = noDescribe;
    try {
      super.prepare(connection);
    } finally {
      delete (connection as { describe?: unknown }).describe;
    }
  }

  override handleRowDescription(msg: unknown): void {
    super.handleRowDescription(msg);
    const { fields, _parsers, _prebuiltEmptyResultObject } = this._result;
    this.shapes.set(this.name, { fields, _parsers, _prebuiltEmptyResultObject });
  }
}

/**
 * Makes `client.query(text, values, …)` with parameters use a named prepared statement, described
 * once per connection.
 */
export function prepareStatements(client: { query: QueryFn }): void {
  const query = client.query.bind(client) as QueryFn;
  const shapes = new Map<string, RowShape>();
  client.query = (config: unknown, values?: unknown, callback?: unknown) => {
    if (typeof config === 'string' && Array.isArray(values) && values.length > 0) {
      const name = statementName(config);
      if (name) return submit(query, new DescribedQuery({ name, text: config }, values, callback, shapes));
    }
    return query(config, values, callback);
  };
}

/** Hands a query object to the client: through its callback, or as a promise like client.query's own. */
function submit(query: QueryFn, described: QueryInternals): unknown {
  if (described.callback) {
    query(described);
    return undefined;
  }
  return new Promise((resolve, reject) => {
    described.callback = (err, result) => (err ? reject(err) : resolve(result));
    query(described);
  }).catch((err: Error) => {
    // As node-postgres does: a stack that leads back to the caller, not to the socket's read.
    Error.captureStackTrace(err);
    throw err;
  });
}
