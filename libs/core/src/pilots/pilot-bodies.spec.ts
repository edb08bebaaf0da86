import type { PilotListRow, PilotPageKey, PilotsRepository } from '@labgate/persistence';
import { JoinedPages, PilotBodies, RenderedPilots } from './pilot-bodies';
import { toPilotView } from './pilot.view';

let n = 0;
function row(over: Partial<PilotListRow> = {}): PilotListRow {
  n++;
  const at = new Date(Date.UTC(2026, 10, 1, 9, 0, n));
  return {
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`, code: `JIL-2026-${String(n).padStart(4, '0')}`,
    title: `Antiquities traceability ${n} — provenance ≥ 95 % 🏺`, summary: 'Zeugenkette "quoted" \\ back\nslash', domain: 'blockchain', stage: 'proposal',
    lead_agency: 'EUROPOL', lead_id: '00000000-0000-4000-8000-00000000ffff', partner_agencies: ['FRONTEX'], programme_id: '00000000-0000-4000-8000-00000000eeee',
    trl_current: 4, trl_target: 7, budget_requested_cents: '450000000', committed_cents: '0', spent_cents: '0', personal_data: false, dpia_ref: null,
    sensitivity: 'public', heilmeier: { objective: 'o', currentPractice: 'c', novelty: 'n', impact: 'i', risks: 'r', cost: '€ 4.5 m', schedule: 's', exams: [] },
    compliance: {}, lessons_learned: null, version: 1, stage_entered_at: at, created_at: at, updated_at: at, row_version: String(1000 + n), ...over,
  };
}

const key = (r: PilotListRow): PilotPageKey => ({ id: r.id, created_at: r.created_at.toISOString(), row_version: r.row_version });

/** A repository holding rows in list order; counts its statements. */
function repositoryOf(rows: () => PilotListRow[]) {
  const calls = { keys: 0, rows: 0 };
  const repository = {
    listKeys: async (_viewer: unknown, _filter: unknown, page: { size: number }) => (calls.keys++, rows().slice(0, page.size + 1).map(key)),
    list: async (_viewer: unknown, _filter: unknown, page: { size: number }) => (calls.rows++, rows().slice(0, page.size + 1)),
  } as unknown as PilotsRepository;
  return { repository, calls };
}

const viewer = { id: 'u', name: 'Lead', email: 'lead@europol.example', agency: 'EUROPOL', roles: ['lead' as const] };

describe('RenderedPilots', () => {
  it('gives the JSON of exactly the row version it rendered, UTF-8 encoded', () => {
    const rendered = new RenderedPilots();
    const r = row();
    const json = rendered.render(r, 0);
    expect(json.toString('utf8')).toBe(JSON.stringify(toPilotView(r)));
    expect(rendered.get(r.id, r.row_version, 1)?.json).toBe(json);
    expect(rendered.get(r.id, String(Number(r.row_version) + 1), 1)).toBeUndefined();
    expect(rendered.get('00000000-0000-4000-8000-000000000000', r.row_version, 1)).toBeUndefined();
  });

  it('holds one rendering per pilot: a new version replaces the old', () => {
    const rendered = new RenderedPilots();
    const r = row();
    rendered.render(r, 0);
    const next = { ...r, title: 'Renamed', row_version: '99999' };
    rendered.render(next, 0);
    expect(rendered.size).toBe(1);
    expect(rendered.get(r.id, r.row_version, 0)).toBeUndefined();
    expect(JSON.parse(rendered.get(r.id, '99999', 0)!.json.toString()).title).toBe('Renamed');
  });

  it('forgets a rendering after its lifetime, and the oldest first when full', () => {
    const rendered = new RenderedPilots(2, 1000);
    const [a, b, c] = [row(), row(), row()];
    rendered.render(a, 0);
    expect(rendered.get(a.id, a.row_version, 999)).toBeDefined();
    expect(rendered.get(a.id, a.row_version, 1000)).toBeUndefined();
    rendered.render(b, 10);
    rendered.render(c, 20);
    expect(rendered.size).toBe(2);
    expect(rendered.get(a.id, a.row_version, 30)).toBeUndefined();
    expect(rendered.get(b.id, b.row_version, 30)).toBeDefined();
    expect(rendered.get(c.id, c.row_version, 30)).toBeDefined();
  });
});

describe('PilotBodies', () => {
  it('sends what serialising the page would, from rows and then from renderings', async () => {
    const rows = [row(), row(), row({ sensitivity: 'limited', heilmeier: { objective: '\u2028 line separator', currentPractice: 'c', novelty: 'n', impact: 'i', risks: 'r', cost: 'c', schedule: 's', exams: [] } })];
    const { repository, calls } = repositoryOf(() => rows);
    const bodies = new PilotBodies(repository);
    const expected = (items: PilotListRow[], nextCursor: string | null) => JSON.stringify({ items: items.map(toPilotView), nextCursor });

    const first = await bodies.page(viewer, { limit: 2 });
    const cursor = JSON.parse(first.toString()).nextCursor as string;
    expect(cursor).toEqual(expect.any(String));
    expect(first.toString('utf8')).toBe(expected(rows.slice(0, 2), cursor));
    expect(calls).toEqual({ keys: 1, rows: 1 });

    const again = await bodies.page(viewer, { limit: 2 });
    expect(again.equals(first)).toBe(true);
    expect(calls).toEqual({ keys: 2, rows: 1 });

    const whole = await bodies.page(viewer, { limit: 20 });
    expect(whole.toString('utf8')).toBe(expected(rows, null));
    expect(calls).toEqual({ keys: 3, rows: 2 });
    expect((await bodies.page(viewer, { limit: 20 })).equals(whole)).toBe(true);
    expect(calls).toEqual({ keys: 4, rows: 2 });
  });

  it('reads the rows again when one row on the page has a version it did not render', async () => {
    let rows = [row(), row()];
    const { repository, calls } = repositoryOf(() => rows);
    const bodies = new PilotBodies(repository);
    await bodies.page(viewer, {});
    rows = [rows[0]!, { ...rows[1]!, title: 'Changed', row_version: '777777' }];
    const body = JSON.parse((await bodies.page(viewer, {})).toString());
    expect(body.items[1].title).toBe('Changed');
    expect(calls).toEqual({ keys: 2, rows: 2 });
  });

  it('answers a page asked again with the same keys with the body it joined, and joins anew when a key or the next cursor changes', async () => {
    let rows = [row(), row()];
    const { repository, calls } = repositoryOf(() => rows);
    const bodies = new PilotBodies(repository);
    await bodies.page(viewer, { limit: 2 });
    const joined = await bodies.page(viewer, { limit: 2 });
    expect(await bodies.page(viewer, { limit: 2 })).toBe(joined);
    expect(calls).toEqual({ keys: 3, rows: 1 });

    // A third pilot after the page: the same two items, now with a next cursor.
    rows = [...rows, row()];
    const more = await bodies.page(viewer, { limit: 2 });
    expect(JSON.parse(more.toString()).nextCursor).toEqual(expect.any(String));
    expect(JSON.parse(joined.toString()).nextCursor).toBeNull();
    // A new version of the second pilot, rendered by a read by id: joined anew, from renderings.
    const changed = { ...rows[1]!, title: 'Changed', row_version: '888888' };
    bodies.rendered.render(changed, Date.now());
    rows = [rows[0]!, changed, rows[2]!];
    expect(JSON.parse((await bodies.page(viewer, { limit: 2 })).toString()).items[1].title).toBe('Changed');
    expect(calls).toEqual({ keys: 5, rows: 1 });
  });

  it('trusts a joined page as long as the oldest rendering in it', async () => {
    jest.useFakeTimers({ now: Date.UTC(2026, 11, 7, 9) });
    try {
      const rows = [row(), row()];
      const { repository, calls } = repositoryOf(() => rows);
      const bodies = new PilotBodies(repository);
      await bodies.page(viewer, {});
      jest.advanceTimersByTime(30 * 60_000);
      const joined = await bodies.page(viewer, {});
      expect(await bodies.page(viewer, {})).toBe(joined);
      // An hour after the renderings (half an hour after the join), the rows are read again.
      jest.advanceTimersByTime(30 * 60_000);
      const fresh = await bodies.page(viewer, {});
      expect(fresh).not.toBe(joined);
      expect(fresh.equals(joined)).toBe(true);
      expect(calls).toEqual({ keys: 4, rows: 2 });
    } finally {
      jest.useRealTimers();
    }
  });

  it('gives an empty page as JSON.stringify would', async () => {
    const { repository } = repositoryOf(() => []);
    expect((await new PilotBodies(repository).page(viewer, {})).toString()).toBe('{"items":[],"nextCursor":null}');
  });

  it('answers a pilot by id from the rendering of the version it named, and renders any other', async () => {
    let current = row();
    const named: Array<string | null> = [];
    let during: (() => void) | undefined;
    const repository = {
      findVisibleUnless: async (_viewer: unknown, id: string, known: string | null) => {
        named.push(known);
        during?.();
        if (id !== current.id) return null;
        return known === current.row_version ? { id, version: current.version, row_version: known, unchanged: true } : current;
      },
    } as unknown as PilotsRepository;
    const bodies = new PilotBodies(repository);

    const first = await bodies.one(viewer, current.id);
    expect(first.body.toString()).toBe(JSON.stringify(toPilotView(current)));
    expect(first.version).toBe(1);
    const second = await bodies.one(viewer, current.id);
    expect(second.body).toBe(first.body);
    expect(named).toEqual([null, current.row_version]);

    // A newer version rendered while this read was on its way: the answer is still the version the database named.
    const old = current;
    during = () => {
      during = undefined;
      bodies.rendered.render({ ...old, title: 'Newer', version: 2, row_version: '424242' }, Date.now());
    };
    const third = await bodies.one(viewer, old.id);
    expect(third.body.toString()).toBe(JSON.stringify(toPilotView(old)));

    current = { ...old, title: 'Changed', version: 3, row_version: '515151' };
    const fourth = await bodies.one(viewer, old.id);
    expect(JSON.parse(fourth.body.toString()).title).toBe('Changed');
    expect(fourth.version).toBe(3);

    await expect(bodies.one(viewer, '00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({ code: 'PILOT.NOT_FOUND' });
  });
});

describe('JoinedPages', () => {
  const keys = (...rows: PilotListRow[]) => rows.map(key);
  const [a, b, c] = [row(), row(), row()];

  it('gives a body for exactly the keys it was joined from', () => {
    const pages = new JoinedPages();
    const body = Buffer.from('ab');
    pages.set(keys(a!, b!, c!), 2, body, 0);
    expect(pages.get(keys(a!, b!, c!), 2, 1)).toBe(body);
    // The same first pilot, another second one, another version, no more pages, another size.
    expect(pages.get(keys(a!, c!, b!), 2, 1)).toBeUndefined();
    expect(pages.get(keys(a!, { ...b!, row_version: '1' }, c!), 2, 1)).toBeUndefined();
    expect(pages.get(keys(a!, b!), 2, 1)).toBeUndefined();
    expect(pages.get(keys(a!, b!, c!), 3, 1)).toBeUndefined();
  });

  it('forgets a page after its lifetime, and the oldest first when full', () => {
    const pages = new JoinedPages(2, 1000);
    const [x, y, z] = ['x', 'y', 'z'].map((text) => Buffer.from(text));
    pages.set(keys(a!), 20, x!, 0);
    expect(pages.get(keys(a!), 20, 999)).toBe(x);
    expect(pages.get(keys(a!), 20, 1000)).toBeUndefined();
    pages.set(keys(b!), 20, y!, 10);
    pages.set(keys(c!), 20, z!, 20);
    expect(pages.get(keys(a!), 20, 30)).toBeUndefined();
    expect(pages.get(keys(b!), 20, 30)).toBe(y);
    expect(pages.get(keys(c!), 20, 30)).toBe(z);
  });
});
