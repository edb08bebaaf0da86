import { createHash, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { SENSITIVITIES, type Role } from '@labgate/domain';
import { dataSourceOptions, PageRequest, PilotListFilter, PilotListRow, PilotPageKey, PilotRow, PilotsRepository, UsersRepository, Viewer } from '@labgate/persistence';
import { startApi, TestApi } from './support/api';
import { createUser } from './support/fixtures';
import { createAgency, createCast, proposePilot, seated, submit, type Cast } from './support/workflow';

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}

/**
 * Reads by id made in one turn of the event loop go to Postgres as one statement per viewer
 * scope (PilotsRepository.findVisible, ReadBatches), and token lookups as one statement. Each read must get exactly what the
 * single-read statement (`find`, held to the domain's rule by the visibility matrix suite) gives
 * that viewer, whoever else shares its statement: other users of its agency with other
 * assignments, other agencies and chairs in batches of their own.
 */
describe('reads by id batched per turn', () => {
  let api: TestApi;
  let ds: DataSource;
  let pilots: PilotsRepository;
  let cast: Cast;
  let outsiderAgency: string;
  const pilotIds: string[] = [];
  const viewers: Array<{ label: string; viewer: Viewer }> = [];
  const outsiders: Record<'pending' | 'declined' | 'none', Viewer> = {} as never;

  const asViewer = (user: { id: string; agency: string; roles: Role[] }): Viewer => ({ id: user.id, agency: user.agency, roles: user.roles });

  /** Counts the pooled connections taken (one per statement findVisible sends) while `work` runs. */
  async function statements<T>(work: () => Promise<T>): Promise<{ result: T; taken: number }> {
    const driver = ds.driver as unknown as { obtainMasterConnection(): Promise<unknown> };
    const spy = jest.spyOn(driver, 'obtainMasterConnection');
    try {
      const result = await work();
      return { result, taken: spy.mock.calls.length };
    } finally {
      spy.mockRestore();
    }
  }

  beforeAll(async () => {
    api = await startApi();
    ds = await new DataSource({ ...dataSourceOptions({ databaseUrl: process.env.DATABASE_URL! }, 'labgate-read-batch-test'), migrations: [] }).initialize();
    pilots = new PilotsRepository(ds);
    cast = await createCast(api);
    outsiderAgency = await createAgency(api, 'O');
    for (const sensitivity of SENSITIVITIES) pilotIds.push((await proposePilot(api, cast, { sensitivity, title: `Batched read ${sensitivity}` })).id);

    // Three reviewers of an agency not involved in the pilots: one holds a pending seat on every
    // pilot, one declined it, one has none. They share a batch, and only the first may see the
    // restricted pilot.
    const reviewer = async (name: string) => asViewer(await createUser(api, outsiderAgency, ['reviewer'], name));
    outsiders.pending = await reviewer('Assigned outsider');
    outsiders.declined = await reviewer('Declined outsider');
    outsiders.none = await reviewer('Unassigned outsider');
    for (const [i, pilotId] of pilotIds.entries()) {
      // The worker seats the review (the funder's funding seat among them) before anything is
      // read, so no visibility changes between the batched reads and the single ones.
      const gateReviewId = await submit(api, cast, pilotId, 10_000_000);
      await seated(api, cast, gateReviewId);
      for (const [status, user] of [['pending', outsiders.pending], ['declined', outsiders.declined]] as const) {
        await api.db.query(
          `INSERT INTO assignments (gate_review_id, pilot_id, seat, reviewer_id, status, due_at) VALUES ($1, $2, $3, $4, $5, now() + interval '7 days')`,
          [gateReviewId, pilotId, `test-outsider-${status}-${i}`, user.id, status],
        );
      }
    }

    viewers.push(
      { label: 'lead', viewer: asViewer(cast.lead) },
      { label: 'lead-agency reviewer', viewer: asViewer(cast.reviewerA) },
      { label: 'lead-agency DPO', viewer: asViewer(cast.dpo) },
      { label: 'partner reviewer', viewer: asViewer(cast.reviewerB) },
      { label: 'funder', viewer: asViewer(cast.funder) },
      { label: 'chair', viewer: asViewer(cast.chair) },
      { label: 'outsider funder', viewer: asViewer(await createUser(api, outsiderAgency, ['funder'], 'Outsider funder')) },
      { label: 'outsider lead', viewer: asViewer(await createUser(api, outsiderAgency, ['lead'], 'Outsider lead')) },
      { label: 'assigned outsider', viewer: outsiders.pending },
      { label: 'declined outsider', viewer: outsiders.declined },
      { label: 'unassigned outsider', viewer: outsiders.none },
    );
  }, 60_000);

  afterAll(async () => {
    await ds.destroy();
    await api.close();
  });

  /** The statements (text and values) the pooled connections were sent while `work` ran. */
  async function sentStatements(work: () => Promise<unknown>): Promise<Array<{ text: string; values: unknown[] }>> {
    type Query = (text: string, values: unknown[]) => Promise<unknown>;
    const driver = ds.driver as unknown as { obtainMasterConnection(): Promise<[{ query: Query }, (err?: unknown) => void]> };
    const obtain = driver.obtainMasterConnection.bind(driver);
    const sent: Array<{ text: string; values: unknown[] }> = [];
    const spy = jest.spyOn(driver, 'obtainMasterConnection').mockImplementation(async () => {
      const [client, release] = await obtain();
      const query = jest.spyOn(client, 'query');
      const done = (err?: unknown) => {
        sent.push(...query.mock.calls.map(([text, values]) => ({ text, values })));
        query.mockRestore();
        release(err);
      };
      return [client, done];
    });
    try {
      await work();
    } finally {
      spy.mockRestore();
    }
    return sent;
  }

  /** A value as an SQL literal of unknown type, which the prepared statement's parameter type then reads. */
  function literal(value: unknown): string {
    const element = (v: unknown): string => (v === null ? 'NULL' : Buffer.isBuffer(v) ? `"\\\\x${v.toString('hex')}"` : `"${String(v).replace(/["\\]/g, '\\$&')}"`);
    if (value === null) return 'NULL';
    const text = Array.isArray(value) ? `{${value.map(element).join(',')}}` : String(value);
    return `'${text.replace(/'/g, "''")}'`;
  }

  /** The relations a statement's generic plan (the one a prepared statement settles on) reads, and how. */
  async function genericPlanScans(text: string, values: unknown[]): Promise<string[]> {
    const client = new Client({ connectionString: process.env.DATABASE_URL });
    await client.connect();
    try {
      await client.query('SET plan_cache_mode = force_generic_plan');
      await client.query(`PREPARE probe AS ${text}`);
      const { rows } = await client.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(`EXPLAIN (FORMAT JSON) EXECUTE probe(${values.map(literal).join(', ')})`);
      const scans: string[] = [];
      const walk = (node: PlanNode) => {
        if (node['Relation Name']) scans.push(`${node['Node Type']} on ${node['Relation Name']}`);
        node.Plans?.forEach(walk);
      };
      walk(rows[0]!['QUERY PLAN'][0]!.Plan);
      return scans;
    } finally {
      await client.end();
    }
  }

  const withoutRowVersion = ({ row_version: _version, ...row }: PilotListRow): PilotRow => row;

  /** What the single-read statement gives each (viewer, id), one statement at a time. */
  async function oneByOne(reads: Array<{ viewer: Viewer; id: string }>): Promise<Array<PilotRow | null>> {
    const rows: Array<PilotRow | null> = [];
    for (const { viewer, id } of reads) rows.push(await pilots.find(ds.manager, id, viewer, false));
    return rows;
  }

  it('answers every read of one turn as the single-read statement does, in one statement per scope', async () => {
    const missing = randomUUID();
    const reads = viewers.flatMap(({ label, viewer }) => [...pilotIds, missing].map((id) => ({ label, viewer, id })));
    const { result: read, taken } = await statements(() => Promise.all(reads.map((r) => pilots.findVisible(r.viewer, r.id))));
    const expected = await oneByOne(reads);
    // Each row carries the row version it was read at besides the pilot's columns.
    expect(read.every((row) => row === null || /^\d+$/.test(row.row_version))).toBe(true);
    const batched = read.map((row) => row && withoutRowVersion(row));

    const mismatches = reads.flatMap((r, i) => (JSON.stringify(batched[i]) === JSON.stringify(expected[i]) ? [] : [`${r.label} reading ${r.id}`]));
    expect(mismatches).toEqual([]);
    // Rows are whole pilots and nothing of the batch's bookkeeping.
    expect(Object.keys(batched.find((row) => row !== null)!).sort()).toEqual(Object.keys(expected.find((row) => row !== null)!).sort());
    // Scopes here: the chair; members of the lead agency, of the partner agency and of the outsider
    // agency; funders of DG HOME and of the outsider agency.
    expect(taken).toBe(6);
    expect(reads).toHaveLength(44);
  });

  it('keeps each reviewer to their own seats within a shared statement', async () => {
    const restricted = pilotIds[SENSITIVITIES.indexOf('restricted')]!;
    const limited = pilotIds[SENSITIVITIES.indexOf('limited')]!;
    const order = [outsiders.none, outsiders.pending, outsiders.declined, outsiders.pending, outsiders.none];
    const { result, taken } = await statements(() =>
      Promise.all(order.flatMap((viewer) => [pilots.findVisible(viewer, restricted), pilots.findVisible(viewer, limited)])),
    );
    expect(taken).toBe(1);
    expect(result.map((row) => row?.id ?? null)).toEqual([null, null, restricted, limited, null, null, restricted, limited, null, null]);
  });

  it('sees a write committed before the reads were made', async () => {
    const id = pilotIds[0]!;
    const title = `Renamed ${randomUUID()}`;
    await api.db.query('UPDATE pilots SET title = $2, version = version + 1 WHERE id = $1', [id, title]);
    const rows = await Promise.all(viewers.map(({ viewer }) => pilots.findVisible(viewer, id)));
    expect(rows.map((row) => row?.title)).toEqual(viewers.map(() => title));
  });

  it('gives a row still at the version its reader holds as its keys alone, and any other whole', async () => {
    const id = pilotIds[SENSITIVITIES.indexOf('limited')]!;
    const lead = asViewer(cast.lead);
    const first = (await pilots.findVisible(lead, id))!;
    const other = String(Number(first.row_version) + 1);
    const { result, taken } = await statements(() =>
      Promise.all([pilots.findVisibleUnless(lead, id, first.row_version), pilots.findVisibleUnless(lead, id, other), pilots.findVisibleUnless(lead, id, null)]),
    );
    expect(taken).toBe(1);
    expect(result).toEqual([{ id, version: first.version, row_version: first.row_version, unchanged: true }, first, first]);

    // Any write gives the row a new version, one that leaves every column as it was included.
    await api.db.query('UPDATE pilots SET summary = summary WHERE id = $1', [id]);
    const after = await pilots.findVisibleUnless(lead, id, first.row_version);
    expect(after).toEqual({ ...first, row_version: expect.not.stringMatching(`^${first.row_version}$`) });
  });

  it('decides visibility whatever row version a reader names', async () => {
    const restricted = pilotIds[SENSITIVITIES.indexOf('restricted')]!;
    const held = (await pilots.findVisible(asViewer(cast.chair), restricted))!;
    const readers = [outsiders.none, outsiders.declined, outsiders.pending];
    const { result, taken } = await statements(() => Promise.all(readers.map((viewer) => pilots.findVisibleUnless(viewer, restricted, held.row_version))));
    expect(taken).toBe(1);
    expect(result).toEqual([null, null, { id: restricted, version: held.version, row_version: held.row_version, unchanged: true }]);
  });

  it('looks up the tokens of one turn in one statement, each to its own user, revoked and unknown ones to nobody', async () => {
    const users = new UsersRepository(ds);
    const revoked = await createUser(api, outsiderAgency, ['reviewer'], 'Revoked reviewer');
    expect((await api.http.post(`/v1/users/${revoked.id}/token-revocation`).set({ Authorization: `Bearer ${api.adminToken}` }).send()).status).toBe(200);
    const stored = (token: string) => createHash('sha256').update(token).digest();
    const asked = [cast.lead, cast.chair, { id: null, token: 'lg_unknown' }, revoked, cast.funder, cast.lead];
    const { result, taken } = await statements(() => Promise.all(asked.map((user) => users.byTokenHash(stored(user.token)))));
    expect(taken).toBe(1);
    expect(result.map((row) => row?.id ?? null)).toEqual([cast.lead.id, cast.chair.id, null, null, cast.funder.id, cast.lead.id]);
    expect(result[1]).toEqual(expect.objectContaining({ agency_code: 'EUROPOL', roles: ['chair'] }));
    expect(Object.keys(result[0]!)).not.toContain('read_slot');
  });

  it('answers an id that is not a UUID with nothing, without a statement and without failing the reads beside it', async () => {
    const { result, taken } = await statements(() => Promise.all([pilots.findVisible(asViewer(cast.lead), 'not-a-uuid'), pilots.findVisible(asViewer(cast.lead), pilotIds[0]!)]));
    expect(result[0]).toBeNull();
    expect(result[1]?.id).toBe(pilotIds[0]);
    expect(taken).toBe(1);
  });

  describe('list pages', () => {
    const keysOf = (rows: PilotListRow[]): PilotPageKey[] => rows.map(({ id, created_at, row_version }) => ({ id, created_at: created_at.toISOString(), row_version }));
    const cursor = { createdAt: '9999-01-01T00:00:00Z', id: randomUUID() };
    /** The pages asked: this suite's programme whole, two at a time from a cursor, and searched. */
    const pages = (): Array<{ label: string; filter: PilotListFilter; page: PageRequest }> => [
      { label: 'whole', filter: { programmeId: cast.programmeId }, page: { after: null, size: 20 } },
      { label: 'two', filter: { programmeId: cast.programmeId }, page: { after: cursor, size: 2 } },
      { label: 'searched', filter: { programmeId: cast.programmeId, q: 'Batched read' }, page: { after: null, size: 20 } },
    ];

    it('answers every page of one turn as the single-page statement does, in one statement per scope and page', async () => {
      const reads = viewers.flatMap(({ label, viewer }) => pages().map((p) => ({ ...p, label: `${label} asking ${p.label}`, viewer })));
      const { result: read, taken } = await statements(() => Promise.all(reads.map((r) => pilots.listKeys(r.viewer, r.filter, r.page))));
      const expected: PilotPageKey[][] = [];
      for (const r of reads) expected.push(keysOf(await pilots.list(r.viewer, r.filter, r.page)));
      const mismatches = reads.flatMap((r, i) => (JSON.stringify(read[i]) === JSON.stringify(expected[i]) ? [] : [r.label]));
      expect(mismatches).toEqual([]);
      // Visibility differs between the readers of one statement: the restricted pilot is on the
      // assigned outsider's page only, of the three outsider reviewers.
      const whole = (label: string) => read[reads.findIndex((r) => r.label === `${label} asking whole`)]!.map((key) => key.id);
      const restricted = pilotIds[SENSITIVITIES.indexOf('restricted')]!;
      expect([whole('assigned outsider'), whole('declined outsider'), whole('unassigned outsider')].map((ids) => ids.includes(restricted))).toEqual([true, false, false]);
      expect(whole('chair')).toHaveLength(SENSITIVITIES.length);
      // Six scopes (as for reads by id) times three pages.
      expect(taken).toBe(18);
    });

    it('sees a pilot proposed before the pages were asked', async () => {
      const proposed = await proposePilot(api, cast, { title: 'Batched read, proposed last', sensitivity: 'public' });
      const { filter, page } = pages()[0]!;
      const read = await Promise.all(viewers.map(({ viewer }) => pilots.listKeys(viewer, filter, page)));
      expect(read.map((keys) => keys[0]?.id)).toEqual(viewers.map(() => proposed.id));
    });
  });

  it('looks each pilot and each token up by its key, not by reading the table whole for the batch', async () => {
    // A portfolio of a few hundred pilots and tokens: as plain joins, the generic plans read every
    // pilot (and hashed them) or every live token for each batch. Removed afterwards: the
    // database is shared with the other suites.
    const added = await api.db.query<{ id: string }>(
      `INSERT INTO pilots (code, title, summary, domain, lead_agency, lead_id, partner_agencies, programme_id, trl_current, trl_target, trl_initial,
          budget_requested_cents, personal_data, dpia_ref, sensitivity, heilmeier, compliance)
       SELECT 'PLAN-' || n, title, summary, domain, lead_agency, lead_id, partner_agencies, programme_id, trl_current, trl_target, trl_initial,
          budget_requested_cents, personal_data, dpia_ref, 'restricted', heilmeier, compliance
       FROM pilots, generate_series(1, 400) AS n WHERE id = $1 RETURNING id`,
      [pilotIds[0]],
    );
    try {
      await api.db.query(`INSERT INTO api_tokens (user_id, token_hash, label) SELECT $1, sha256(('plan-' || n)::bytea), 'plan test' FROM generate_series(1, 400) AS n`, [
        outsiders.none.id,
      ]);
      await api.db.query('ANALYZE pilots');
      await api.db.query('ANALYZE api_tokens');
      const users = new UsersRepository(ds);
      const sent = await sentStatements(() =>
        Promise.all([
          ...[cast.lead, cast.funder, cast.chair].flatMap((user) => pilotIds.map((id) => pilots.findVisible(asViewer(user), id))),
          ...[cast.lead, cast.chair].map((user) => users.byTokenHash(createHash('sha256').update(user.token).digest())),
          ...[cast.lead, cast.reviewerA, cast.funder].map((user) => pilots.listKeys(asViewer(user), {}, { after: null, size: 20 })),
        ]),
      );
      // One statement per scope (the lead's agency as a member, DG HOME's funders, the chairs), one
      // for the tokens and one list page per scope (the lead's agency, DG HOME's funders).
      expect(sent).toHaveLength(6);
      for (const { text, values } of sent) {
        const scans = await genericPlanScans(text, values);
        expect(scans.length).toBeGreaterThan(0);
        // Each statement does read its table, by its index.
        expect(scans.some((scan) => scan === 'Index Scan on pilots' || scan === 'Index Scan on api_tokens')).toBe(true);
        expect(scans.filter((scan) => /on (pilots|api_tokens)$/.test(scan) && !scan.startsWith('Index Scan '))).toEqual([]);
      }
    } finally {
      await api.db.query('DELETE FROM pilots WHERE id = ANY($1::uuid[])', [added.map((row) => row.id)]);
      await api.db.query(`DELETE FROM api_tokens WHERE label = 'plan test'`);
    }
  });
});
