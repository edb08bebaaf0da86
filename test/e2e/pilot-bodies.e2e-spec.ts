import request from 'supertest';
import { DataSource } from 'typeorm';
import { PilotBodies } from '@labgate/core';
import { dataSourceOptions, PilotsRepository } from '@labgate/persistence';
import { HttpProcess, startApiProcess } from '../support/processes';
import { startApi, TestApi } from './support/api';
import { createUser, TestUser } from './support/fixtures';
import { createAgency, createCast, proposePilot, type Cast } from './support/workflow';

interface PilotItem {
  id: string;
  title: string;
  summary: string;
  version: number;
  committedCents: number;
  [field: string]: unknown;
}

/**
 * The pilot by id and the list page are answered from pilots' JSON rendered earlier, held per
 * row version (PilotBodies, RenderedPilots). A read after any write must show the write,
 * whichever API replica wrote and whichever reads, including writes no API made; visibility is
 * decided by the database on every read; and a body from renderings must be the body a fresh
 * read would give.
 */
describe('pilot bodies from renderings', () => {
  let api: TestApi;
  let replica: HttpProcess;
  let b: ReturnType<typeof request>;
  let cast: Cast;
  let outsider: TestUser;
  const ids: string[] = [];

  const page = async (http: ReturnType<typeof request>, user: TestUser, query: Record<string, string | number> = {}) => {
    const res = await http.get('/v1/pilots').query({ programmeId: cast.programmeId, limit: 100, ...query }).set(user.auth);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(Number(res.headers['content-length'])).toBe(Buffer.byteLength(res.text));
    return res.body as { items: PilotItem[]; nextCursor: string | null };
  };
  const item = (items: PilotItem[], id: string) => items.find((p) => p.id === id);
  const one = async (http: ReturnType<typeof request>, user: TestUser, id: string) => {
    const res = await http.get(`/v1/pilots/${id}`).set(user.auth);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers.etag).toBe(`"${(res.body as PilotItem).version}"`);
    return res.body as PilotItem;
  };

  beforeAll(async () => {
    api = await startApi();
    replica = await startApiProcess('pages-replica');
    b = request(replica.url);
    cast = await createCast(api);
    outsider = await createUser(api, await createAgency(api, 'O'), ['lead'], 'Outside lead');
    for (const sensitivity of ['public', 'limited', 'restricted']) {
      // Text outside Latin-1 as well: the renderings are held encoded.
      ids.push((await proposePilot(api, cast, { sensitivity, title: `Custody ledger ≥ 95 % ${sensitivity} — €`, summary: `Zeugenkette, łańcuch dowodowy 🔗 ${sensitivity}` })).id);
    }
  }, 60_000);

  afterAll(async () => {
    await replica?.stop();
    await api?.close();
  });

  it('gives each item exactly what the pilot read by id gives, from both replicas, warm or cold', async () => {
    for (const http of [api.http, b, api.http, b]) {
      const { items } = await page(http, cast.lead);
      expect(items.map((p) => p.id)).toEqual([...ids].reverse());
      for (const id of ids) expect(item(items, id)).toEqual((await http.get(`/v1/pilots/${id}`).set(cast.lead.auth)).body);
    }
  });

  it('shows an edit made through the other replica on the very next page', async () => {
    const [id] = ids;
    for (const http of [api.http, b]) {
      await page(http, cast.lead);
      await one(http, cast.lead, id!);
    }
    const edited = await b.patch(`/v1/pilots/${id}`).set(cast.lead.auth).set('If-Match', '"1"').send({ title: 'Edited through the replica' });
    expect(edited.status).toBe(200);
    // The read by id first: it must not lean on the list page having rendered the new version.
    for (const http of [api.http, b]) {
      expect(await one(http, cast.lead, id!)).toEqual(edited.body);
      expect(item((await page(http, cast.lead)).items, id!)).toMatchObject({ title: 'Edited through the replica', version: 2 });
    }
  });

  it('shows a change no API made, even one that leaves version and updated_at alone', async () => {
    const id = ids[1]!;
    const before = item((await page(api.http, cast.lead)).items, id)!;
    await page(b, cast.lead);
    for (const http of [api.http, b]) expect(await one(http, cast.lead, id)).toEqual(before);
    await api.db.query(`UPDATE pilots SET summary = 'Changed by hand' WHERE id = $1`, [id]);
    for (const http of [api.http, b]) {
      expect(await one(http, cast.lead, id)).toEqual({ ...before, summary: 'Changed by hand' });
      expect(item((await page(http, cast.lead)).items, id)!).toEqual({ ...before, summary: 'Changed by hand' });
    }
  });

  it('shows a change to the money columns, which the ledger writes and the pilot routes do not', async () => {
    const id = ids[2]!;
    await page(api.http, cast.lead);
    await page(b, cast.lead);
    await api.db.query('UPDATE pilots SET committed_cents = committed_cents + 1234 WHERE id = $1', [id]);
    const fresh = (await api.http.get(`/v1/pilots/${id}`).set(cast.lead.auth)).body as PilotItem;
    expect(item((await page(api.http, cast.lead)).items, id)).toEqual(fresh);
    expect(item((await page(b, cast.lead)).items, id)).toEqual(fresh);
  });

  it('decides visibility on every page: a pilot made restricted leaves an outsider’s page at once', async () => {
    const id = ids[0]!;
    await api.db.query(`UPDATE pilots SET sensitivity = 'public' WHERE id = $1`, [id]);
    for (const http of [api.http, b]) {
      expect(item((await page(http, outsider)).items, id)).toBeDefined();
      expect((await one(http, outsider, id)).id).toBe(id);
    }
    await api.db.query(`UPDATE pilots SET sensitivity = 'restricted' WHERE id = $1`, [id]);
    for (const http of [api.http, b]) {
      expect(item((await page(http, outsider)).items, id)).toBeUndefined();
      expect((await http.get(`/v1/pilots/${id}`).set(outsider.auth)).status).toBe(404);
      expect(item((await page(http, cast.lead)).items, id)).toMatchObject({ sensitivity: 'restricted' });
    }
  });

  it('pages with cursors from renderings as from rows', async () => {
    const walk = async (http: ReturnType<typeof request>) => {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const body: { items: PilotItem[]; nextCursor: string | null } = await page(http, cast.lead, { limit: 1, ...(cursor ? { cursor } : {}) });
        if (body.nextCursor) expect(body.items).toHaveLength(1);
        seen.push(...body.items.map((p) => p.id));
        cursor = body.nextCursor;
      } while (cursor);
      return seen;
    };
    expect(await walk(api.http)).toEqual([...ids].reverse());
    expect(await walk(api.http)).toEqual([...ids].reverse());
    expect(await walk(b)).toEqual([...ids].reverse());
  });

  describe('the statements a page costs', () => {
    let ds: DataSource;
    let repository: PilotsRepository;
    let bodies: PilotBodies;

    beforeAll(async () => {
      ds = await new DataSource({ ...dataSourceOptions({ databaseUrl: process.env.DATABASE_URL! }, 'labgate-pilot-bodies-test'), migrations: [] }).initialize();
      repository = new PilotsRepository(ds);
      bodies = new PilotBodies(repository);
    });

    afterAll(async () => {
      await ds?.destroy();
    });

    it('reads rows only for row versions it has not rendered', async () => {
      const keys = jest.spyOn(repository, 'listKeys');
      const rows = jest.spyOn(repository, 'list');
      const viewer = { id: cast.lead.id, agency: cast.lead.agency, roles: cast.lead.roles };
      const filter = { programmeId: cast.programmeId, limit: 100 };
      const texts: string[] = [];
      const next = async () => texts.push((await bodies.page(viewer, filter)).toString('utf8'));

      await next();
      expect([keys.mock.calls.length, rows.mock.calls.length]).toEqual([1, 1]);
      await next();
      expect([keys.mock.calls.length, rows.mock.calls.length]).toEqual([2, 1]);
      expect(texts[1]).toBe(texts[0]);

      await api.db.query(`UPDATE pilots SET title = 'Renamed by hand' WHERE id = $1`, [ids[1]]);
      await next();
      expect([keys.mock.calls.length, rows.mock.calls.length]).toEqual([3, 2]);
      await next();
      expect([keys.mock.calls.length, rows.mock.calls.length]).toEqual([4, 2]);
      expect(texts[3]).toBe(texts[2]);
      expect(JSON.parse(texts[3]!).items.find((p: PilotItem) => p.id === ids[1]).title).toBe('Renamed by hand');

      // The pages from renderings were byte for byte the pages from rows (above); the API sends the same.
      const whole = await api.http.get('/v1/pilots').query(filter).set(cast.lead.auth);
      expect(texts[3]).toBe(whole.text);
    });
  });
});
