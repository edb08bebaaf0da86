import { hashEvent, merkleRoot, verifyChain } from '@labgate/domain';
import { startApi, TestApi } from './support/api';
import { createPilot, createProgramme, createUser, TestUser } from './support/fixtures';
import { waitFor } from './support/workflow';

describe('audit chain', () => {
  let api: TestApi;
  let lead: TestUser;
  let programmeId: string;

  beforeAll(async () => {
    api = await startApi();
    lead = await createUser(api, 'EUROJUST', ['lead']);
    programmeId = await createProgramme(api, await createUser(api, 'DGHOME', ['funder']));
  });
  afterAll(() => api.close());

  async function pilotWithHistory(): Promise<string> {
    const pilot = await createPilot(api, lead, programmeId, { partnerAgencies: [] });
    for (let v = 1; v <= 3; v++) {
      await api.http.patch(`/v1/pilots/${pilot.id}`).set(lead.auth).set('If-Match', `"${v}"`).send({ summary: `Revision ${v} of the summary.` });
    }
    return pilot.id;
  }

  it('chains every event to the previous one and verifies', async () => {
    const id = await pilotWithHistory();
    const { items } = (await api.http.get(`/v1/pilots/${id}/audit`).set(lead.auth)).body;
    expect(items.map((e: { seq: number }) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(items[0].prevHash).toBe('0'.repeat(64));
    for (let i = 1; i < items.length; i++) expect(items[i].prevHash).toBe(items[i - 1].hash);
    expect(items[1]).toEqual(expect.objectContaining({ action: 'pilot.edited', actorId: lead.id, payload: { changes: { summary: 'Revision 1 of the summary.' } } }));
    expect((await api.http.get(`/v1/pilots/${id}/audit/verify`).set(lead.auth)).body).toEqual({ valid: true, events: 4 });
  });

  it('refuses UPDATE and DELETE on the audit table', async () => {
    const id = await pilotWithHistory();
    await expect(api.db.query(`UPDATE audit_events SET payload = '{}' WHERE pilot_id = $1`, [id])).rejects.toThrow(/append-only/);
    await expect(api.db.query(`DELETE FROM audit_events WHERE pilot_id = $1`, [id])).rejects.toThrow(/append-only/);
  });

  it('reports the first broken link when a row is altered directly in SQL', async () => {
    const id = await pilotWithHistory();
    // What a DBA with superuser rights could do behind the application's back.
    await api.db.transaction(async (tx) => {
      await tx.query('ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete');
      await tx.query(`UPDATE audit_events SET payload = '{"changes":{"summary":"Nothing to see here."}}' WHERE pilot_id = $1 AND seq = 3`, [id]);
      await tx.query('ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update_delete');
    });
    expect((await api.http.get(`/v1/pilots/${id}/audit/verify`).set(lead.auth)).body).toEqual({ valid: false, events: 4, brokenAtSeq: 3 });
  });

  it('finds a tail rewritten with every hash recomputed, against the hashes the transparency log took', async () => {
    const id = await pilotWithHistory();
    // A proof signs a checkpoint over every event so far: the log now holds their hashes.
    expect((await api.http.get(`/v1/pilots/${id}/audit/4/proof`).set(lead.auth)).status).toBe(200);
    const rows = await api.db.query('SELECT * FROM audit_events WHERE pilot_id = $1 ORDER BY seq', [id]);
    await api.db.transaction(async (tx) => {
      await tx.query('ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete');
      let prevHash = rows[1].prev_hash as string;
      for (const row of rows.slice(1)) {
        const payload = row.seq === 2 ? { changes: { summary: 'A summary nobody wrote.' } } : row.payload;
        const hash = hashEvent(prevHash, { seq: row.seq, pilotId: id, actor: row.actor, action: row.action, payload, at: row.at.toISOString() });
        await tx.query('UPDATE audit_events SET payload = $3, prev_hash = $4, hash = $5 WHERE pilot_id = $1 AND seq = $2', [id, row.seq, payload, prevHash, hash]);
        prevHash = hash;
      }
      await tx.query('ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update_delete');
    });
    // The rewritten chain links up on its own: only the log can tell.
    const rewritten = await api.db.query('SELECT * FROM audit_events WHERE pilot_id = $1 ORDER BY seq', [id]);
    expect(
      verifyChain(rewritten.map((r: Record<string, never>) => ({ seq: r.seq, pilotId: id, actor: r.actor, action: r.action, payload: r.payload, at: (r.at as Date).toISOString(), prevHash: r.prev_hash, hash: r.hash }))),
    ).toEqual({ valid: true, events: 4 });
    expect((await api.http.get(`/v1/pilots/${id}/audit/verify`).set(lead.auth)).body).toEqual({ valid: false, events: 4, brokenAtSeq: 2 });
  });

  it('seals the heads of all chains into a Merkle root on the worker’s schedule', async () => {
    const id = await pilotWithHistory();
    const [head] = await api.db.query('SELECT seq, hash FROM audit_events WHERE pilot_id = $1 ORDER BY seq DESC LIMIT 1', [id]);
    const seal = await waitFor('a seal covering the new chain head', async () => {
      const rows = await api.db.query(`SELECT root, chains, heads FROM chain_seals WHERE heads @> $1::jsonb ORDER BY sealed_at DESC LIMIT 1`, [
        JSON.stringify([{ pilotId: id, seq: head.seq, hash: head.hash }]),
      ]);
      return rows[0];
    }, 20000);
    expect(seal.chains).toBe(seal.heads.length);
    expect(seal.root).toBe(merkleRoot(seal.heads.map((h: { hash: string }) => h.hash)));
  });
});
