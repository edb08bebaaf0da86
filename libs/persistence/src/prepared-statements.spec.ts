import { Query } from 'pg';
import { prepareStatements, statementName } from './prepared-statements';

describe('prepared statements', () => {
  it('names a text once, the same name every time, different texts differently', () => {
    const a = statementName('SELECT 1 WHERE $1::int = 1');
    const b = statementName('SELECT 2 WHERE $1::int = 2');
    expect(a).toMatch(/^lg_/);
    expect(statementName('SELECT 1 WHERE $1::int = 1')).toBe(a);
    expect(b).not.toBe(a);
  });

  it('prepares parameterised statements and leaves the others as they are', () => {
    const calls: unknown[][] = [];
    const client = { query: (...args: unknown[]) => (calls.push(args), 'sent') };
    prepareStatements(client);
    const done = () => undefined;
    expect(client.query('SELECT * FROM pilots WHERE id = $1', ['p-1'], done)).toBeUndefined();
    client.query('BEGIN');
    client.query('SELECT now()', []);
    client.query({ name: 'mine', text: 'SELECT $1::int', values: [1] });
    // A named statement goes as a query object of node-postgres's own class, with its callback.
    expect(calls[0]).toHaveLength(1);
    expect(calls[0]![0]).toBeInstanceOf(Query);
    expect(calls[0]![0]).toMatchObject({ name: statementName('SELECT * FROM pilots WHERE id = $1'), text: 'SELECT * FROM pilots WHERE id = $1', values: ['p-1'], callback: done });
    expect(calls[1]).toEqual(['BEGIN', undefined, undefined]);
    expect(calls[2]).toEqual(['SELECT now()', [], undefined]);
    expect(calls[3]).toEqual([{ name: 'mine', text: 'SELECT $1::int', values: [1] }, undefined, undefined]);
  });

  it('stops naming new texts after five hundred, so one-off texts cannot pile up on the server', () => {
    jest.isolateModules(() => {
      // A fresh module: its own count of named texts.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const fresh = require('./prepared-statements') as typeof import('./prepared-statements');
      const first = fresh.statementName('SELECT $1 AS t0');
      for (let i = 1; i < 500; i++) expect(fresh.statementName(`SELECT $1 AS t${i}`)).toBeDefined();
      expect(fresh.statementName('SELECT $1 AS one_too_many')).toBeUndefined();
      expect(fresh.statementName('SELECT $1 AS t0')).toBe(first);

      const calls: unknown[][] = [];
      const client = { query: (...args: unknown[]) => calls.push(args) };
      fresh.prepareStatements(client);
      client.query('SELECT $1 AS one_too_many', [1]);
      expect(calls[0]).toEqual(['SELECT $1 AS one_too_many', [1], undefined]);
    });
  });
});
