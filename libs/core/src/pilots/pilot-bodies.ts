import { Injectable } from '@nestjs/common';
import { PilotListRow, PilotPageKey, PilotsRepository, RowVersion, Viewer } from '@labgate/persistence';
import { pilotNotFound } from '../common/not-found';
import { Page, pageRequest, toPage } from '../common/pagination';
import { toPilotView } from './pilot.view';
import type { PilotFilter } from './pilots.service';

/** How many pilots' JSON a process keeps (about 1.5 – 3 kB each). */
const RENDERED_CAPACITY = 4_096;

/**
 * How long a rendering is trusted: an hour, far less than the four billion transactions after
 * which a row version's number could come round again.
 */
const RENDERED_LIFETIME_MS = 60 * 60 * 1000;

interface Rendering {
  version: RowVersion;
  json: Buffer;
  at: number;
}

/**
 * The JSON of pilot views, each held with the row version it was rendered from: one entry per
 * pilot, the oldest rendering forgotten first once the process holds RENDERED_CAPACITY. Held
 * encoded (UTF-8), as the response carries it: a page joins bytes and encodes nothing.
 *
 * Only what depends on the row alone may be held here. A pilot's view is the same for every
 * viewer (toPilotView takes the row and nothing else); who may see the pilot is decided by the
 * statement that names the row version, on every request.
 */
export class RenderedPilots {
  private readonly renderings: Kept<Rendering>;

  constructor(capacity = RENDERED_CAPACITY, lifetimeMs = RENDERED_LIFETIME_MS) {
    this.renderings = new Kept(capacity, lifetimeMs);
  }

  /** The rendering of this version of the pilot, if this process made it less than a lifetime ago. */
  get(id: string, version: RowVersion, now: number): Readonly<Rendering> | undefined {
    const rendering = this.latest(id, now);
    return rendering?.version === version ? rendering : undefined;
  }

  /** The pilot's latest rendering in this process, if less than a lifetime old. */
  latest(id: string, now: number): Readonly<Rendering> | undefined {
    return this.renderings.get(id, now);
  }

  /** Renders a row read outside any transaction and keeps its JSON under the row's version. */
  render(row: PilotListRow, now: number): Buffer {
    const text = JSON.stringify(toPilotView(row));
    // A buffer of its own, not a slice of Node's shared pool, which a long-held slice would pin.
    const json = Buffer.allocUnsafeSlow(Buffer.byteLength(text));
    json.write(text);
    this.renderings.set(row.id, { version: row.row_version, json, at: now });
    return json;
  }

  get size(): number {
    return this.renderings.size;
  }
}

/**
 * Entries under a key, each trusted for `lifetimeMs` from its `at`, at most `capacity` of them:
 * the oldest kept is forgotten first, and setting a key again makes it the newest.
 */
class Kept<Entry extends { at: number }> {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly capacity: number,
    private readonly lifetimeMs: number,
  ) {}

  get(key: string, now: number): Entry | undefined {
    const entry = this.entries.get(key);
    return entry === undefined || now - entry.at >= this.lifetimeMs ? undefined : entry;
  }

  set(key: string, entry: Entry): void {
    this.entries.delete(key);
    if (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, entry);
  }

  get size(): number {
    return this.entries.size;
  }
}

/**
 * The bodies of the pilot reads' responses, JSON UTF-8 encoded, from renderings of the rows'
 * versions (RenderedPilots) where this process has them.
 *
 * A pilot by id (`GET /v1/pilots/:id`) is read naming the row version this process holds it at:
 * a row still at it comes back without its fields (PilotsRepository.findVisibleUnless), and the
 * body is the rendering. The list page (`GET /v1/pilots`) is first read as keys: which pilots,
 * in which order, at which row version, with the visibility rule and the filters applied by
 * Postgres as for any read. When this process has
 * rendered every one of those row versions, the page is their JSON joined: one small statement
 * and no rows to parse, views to build or objects to serialise. Otherwise the page is read whole,
 * as one statement of its own, and its rows rendered (and kept for the next page).
 *
 * A row version names one content (RowVersion), so a rendering is never stale: any write to a
 * pilot, committed by this process, another replica or by hand, gives the row a new version, and
 * the next page's keys name that one. The body is byte for byte what serialising the
 * Page<PilotView> would give.
 */
@Injectable()
export class PilotBodies {
  readonly rendered = new RenderedPilots();
  /** Page bodies joined from renderings, by their keys: a page asked again unchanged is not joined again. */
  private readonly joined = new JoinedPages();

  constructor(private readonly pilots: PilotsRepository) {}

  /** A pilot the viewer may see, with its version for the ETag; 404 otherwise, never 403. */
  async one(viewer: Viewer, id: string): Promise<{ body: Buffer; version: number }> {
    const now = Date.now();
    // Held before the read: a rendering of a newer version made meanwhile must not answer for this one.
    const held = this.rendered.latest(id, now);
    const row = await this.pilots.findVisibleUnless(viewer, id, held?.version ?? null);
    if (row === null) throw pilotNotFound(id);
    return { body: 'unchanged' in row ? held!.json : this.rendered.render(row, now), version: row.version };
  }

  async page(viewer: Viewer, filter: PilotFilter): Promise<Buffer> {
    const page = pageRequest(filter.limit, filter.cursor);
    const now = Date.now();
    const keys = await this.pilots.listKeys(viewer, filter, page);
    // The same keys (ids and row versions, in order, and whether more follow) make the same body.
    const joined = this.joined.get(keys, page.size, now);
    if (joined !== undefined) return joined;
    const held = this.held(keys, page.size, now);
    if (held === null) return pageBody(toPage(await this.pilots.list(viewer, filter, page), page.size, (row) => this.rendered.render(row, now)));
    const body = pageBody(held.page);
    // Trusted as long as the oldest rendering in it.
    this.joined.set(keys, page.size, body, held.renderedAt);
    return body;
  }

  /**
   * The page from renderings alone, with when the oldest of them was rendered; null when one of
   * its row versions was not rendered here.
   */
  private held(keys: PilotPageKey[], size: number, now: number): { page: Page<Buffer>; renderedAt: number } | null {
    const items: Buffer[] = [];
    let renderedAt = now;
    for (const key of keys.slice(0, size)) {
      const rendering = this.rendered.get(key.id, key.row_version, now);
      if (rendering === undefined) return null;
      items.push(rendering.json);
      renderedAt = Math.min(renderedAt, rendering.at);
    }
    return { page: toPage(keys, size, (_key, i) => items[i]!), renderedAt };
  }
}

/** How many joined page bodies a process keeps (a page of 20 pilots is 30 – 60 kB). */
const JOINED_CAPACITY = 64;

interface JoinedPage {
  /** The page's pilots' ids and row versions, in order (whether more follow is in its start). */
  keys: Array<{ id: string; row_version: RowVersion }>;
  body: Buffer;
  at: number;
}

/**
 * Page bodies by their keys: the ids and row versions of the page's pilots in order, and whether
 * more follow (the next cursor is the last pilot's creation time and id, which its row version
 * fixes). A row version names one content, so a page of the same keys is the same bytes, whoever
 * asks (visibility was decided by the statement that gave the keys). Each is trusted as long as
 * the renderings it was joined from (RENDERED_LIFETIME_MS), the oldest forgotten first.
 *
 * Found by the page's size, first key and `more`, then compared key by key: one page per such
 * start (a later page of the same start replaces it), and no string of a whole page's keys built
 * per request (it was a tenth of what a list page allocated).
 */
export class JoinedPages {
  private readonly pages: Kept<JoinedPage>;

  constructor(capacity = JOINED_CAPACITY, lifetimeMs = RENDERED_LIFETIME_MS) {
    this.pages = new Kept(capacity, lifetimeMs);
  }

  get(keys: readonly PilotPageKey[], size: number, now: number): Buffer | undefined {
    const page = this.pages.get(JoinedPages.start(keys, size), now);
    if (page === undefined) return undefined;
    const count = Math.min(keys.length, size);
    if (page.keys.length !== count) return undefined;
    for (let i = 0; i < count; i++) {
      if (page.keys[i]!.id !== keys[i]!.id || page.keys[i]!.row_version !== keys[i]!.row_version) return undefined;
    }
    return page.body;
  }

  /** Keeps `body` as the page of `keys`, trusted from `at` (when the oldest rendering in it was made). */
  set(keys: readonly PilotPageKey[], size: number, body: Buffer, at: number): void {
    const kept = keys.slice(0, size).map(({ id, row_version }) => ({ id, row_version }));
    this.pages.set(JoinedPages.start(keys, size), { keys: kept, body, at });
  }

  private static start(keys: readonly PilotPageKey[], size: number): string {
    const first = keys[0];
    return `${size}${keys.length > size ? '+' : '.'}${first === undefined ? '' : `${first.id}${first.row_version}`}`;
  }
}

const ITEMS_OPEN = Buffer.from('{"items":[');
const COMMA = Buffer.from(',');

/** What JSON.stringify would give, UTF-8 encoded, for a Page whose items are JSON already. */
function pageBody(page: Page<Buffer>): Buffer {
  const parts: Buffer[] = [ITEMS_OPEN];
  for (const [i, item] of page.items.entries()) {
    if (i > 0) parts.push(COMMA);
    parts.push(item);
  }
  parts.push(Buffer.from(`],"nextCursor":${JSON.stringify(page.nextCursor)}}`));
  return Buffer.concat(parts);
}
