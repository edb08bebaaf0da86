import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { isUuid, type Compliance, type Gate, type GatePolicy, type Heilmeier, type PilotDomain, type Sensitivity, type Stage } from '@labgate/domain';
import { keysetCondition, PageRequest, pageLimit } from './keyset';
import { ReadBatches, rowsBySlot } from './read-batches';
import { rowColumns } from './row-columns';
import { textFor } from './texts';
import { preparedQuery, Tx, updateReturning } from './tx';
import { isFunder, pilotVisibilitySql, seesEverything, Viewer, visibilityClauses } from './visibility';

/** A pilot as the database returns it (money columns are bigint, so strings). */
export interface PilotRow {
  id: string;
  code: string;
  title: string;
  summary: string;
  domain: PilotDomain;
  stage: Stage;
  lead_agency: string;
  lead_id: string;
  partner_agencies: string[];
  programme_id: string;
  trl_current: number;
  trl_target: number;
  budget_requested_cents: string;
  committed_cents: string;
  spent_cents: string;
  personal_data: boolean;
  dpia_ref: string | null;
  sensitivity: Sensitivity;
  heilmeier: Heilmeier;
  compliance: Compliance;
  lessons_learned: string | null;
  version: number;
  stage_entered_at: Date;
  created_at: Date;
  updated_at: Date;
}

export const PILOT_COLUMNS = rowColumns<PilotRow>()(
  'id', 'code', 'title', 'summary', 'domain', 'stage', 'lead_agency', 'lead_id', 'partner_agencies', 'programme_id',
  'trl_current', 'trl_target', 'budget_requested_cents', 'committed_cents', 'spent_cents', 'personal_data', 'dpia_ref',
  'sensitivity', 'heilmeier', 'compliance', 'lessons_learned', 'version', 'stage_entered_at', 'created_at', 'updated_at',
);

const columnLists = new Map<string, string>();

export function pilotColumns(alias: string): string {
  return textFor(columnLists, alias, () => PILOT_COLUMNS.map((c) => `${alias}.${c}`).join(', '));
}

/** What a lead writes: the proposal's own fields, as columns. */
export interface PilotFields {
  title: string;
  summary: string;
  domain: PilotDomain;
  programmeId: string;
  partnerAgencies: string[];
  trl: { current: number; target: number };
  budgetRequestedCents: number;
  personalData: boolean;
  dpiaRef: string | null;
  sensitivity: Sensitivity;
  heilmeier: Heilmeier;
  compliance: Compliance;
}

/**
 * The version of a pilot's row a statement read: the row's `xmin`, the transaction that wrote
 * that version of it. Any change to the row, by any statement, writes a new version with a new
 * `xmin`; a reader outside that transaction sees only its last version of the row, so one row
 * version read outside a transaction always has the same contents. (The 32-bit counter comes round
 * only after four billion transactions: a holder of rendered versions must forget them long before.)
 */
export type RowVersion = string;

export interface PilotListRow extends PilotRow {
  row_version: RowVersion;
}

/** A list page's row as its key alone (PilotsRepository.listKeys). */
export interface PilotPageKey {
  id: string;
  /** As toISOString gives it. */
  created_at: string;
  row_version: RowVersion;
}

export interface PilotListFilter {
  stage?: Stage;
  domain?: PilotDomain;
  agency?: string;
  programmeId?: string;
  q?: string;
}

/** A read by id for one viewer, waiting for its batch (PilotsRepository.findVisibleUnless). */
interface VisibleRead {
  viewer: Viewer;
  id: string;
  /** The row version the reader holds the pilot at already, if any. */
  known: RowVersion | null;
}

/** A pilot read at the row version its reader named: its keys only, the reader has the rest. */
export interface PilotUnchanged {
  id: string;
  version: number;
  row_version: RowVersion;
  unchanged: true;
}

/** The columns a read by id leaves out when the reader holds the row version already. */
const FIELDS = PILOT_COLUMNS.filter((c) => c !== 'id' && c !== 'version');
/** Every pilot column in its usual order: the keys from the row, the rest from the lateral join. */
const KEYS_AND_FIELDS = PILOT_COLUMNS.map((c) => (c === 'id' || c === 'version' ? `p.${c}` : `f.${c}`)).join(', ');

/**
 * The batched reads by id, each row sent back to its read by its `read_slot` (rowsBySlot).
 *
 * For chairs (who see everything) the batch is just ids. For anyone else every read of a batch
 * comes from the same agency and role shape (the batch key): the agency is one parameter for the
 * whole statement, and only the user id, which decides the assigned-reviewer clause, travels per
 * read beside its pilot id. A statement never mixes agencies.
 *
 * Each read also names the row version it holds the pilot at, if any (`known`): a row still at
 * that version comes back as its keys alone (the lateral join gives no fields), any other with
 * every column. Visibility does not depend on it: the row comes back, or not, either way.
 *
 * Each pilot is looked up by its own probe of the primary key (the LATERAL subquery, which its
 * LIMIT keeps the planner from flattening into a join). As a plain join, the prepared
 * statement's generic plan (costed for ten ids) read a portfolio of a few hundred pilots whole and
 * hashed it for every batch: 2.4 ms for 14 reads against 0.06 ms by probes.
 */
const batchedRead = (funder: boolean | null): string =>
  `SELECT ${KEYS_AND_FIELDS}, p.row_version, q.n::int AS read_slot FROM ` +
  (funder === null
    ? 'unnest($1::uuid[], $2::text[]) WITH ORDINALITY AS q(id, known, n)'
    : 'unnest($1::uuid[], $2::text[], $3::uuid[]) WITH ORDINALITY AS q(id, known, user_id, n)') +
  ` CROSS JOIN LATERAL (SELECT ${pilotColumns('x')}, x.xmin AS row_version FROM pilots x WHERE x.id = q.id` +
  (funder === null ? '' : ` AND ${visibilityClauses('x', '$4', 'q.user_id', funder)}`) +
  ' LIMIT 1) p' +
  ` LEFT JOIN LATERAL (SELECT ${FIELDS.map((c) => `p.${c}`).join(', ')} WHERE q.known IS DISTINCT FROM p.row_version::text) f ON TRUE`;
const BATCHED_READ = { all: batchedRead(null), member: batchedRead(false), funder: batchedRead(true) };

/** Who may share a batched read: chairs together, otherwise one agency and one role shape. */
function readScope(viewer: Viewer): string {
  if (seesEverything(viewer)) return 'all';
  return `${isFunder(viewer) ? 'funder' : 'member'} ${viewer.agency}`;
}

/** The pilots table: proposals, their edits and their stage. Money columns belong to the ledger. */
@Injectable()
export class PilotsRepository {
  private readonly visibleReads = new ReadBatches<VisibleRead, PilotListRow | PilotUnchanged | null>((reads) => this.readVisible(reads));
  private readonly pageKeyReads = new ReadBatches<PageKeyRead, PilotPageKey[]>((reads) => this.readPageKeys(reads));

  constructor(private readonly db: DataSource) {}

  /**
   * The next number of the year's pilot codes, in a statement of its own (outside the caller's
   * transaction) so the counter row is locked for one statement only. A failed proposal leaves a
   * gap; codes stay unique and rising.
   *
   * Committed without waiting for its WAL to reach the disk (synchronous_commit off for this
   * statement's own transaction): every proposal creates its pilot afterwards in a transaction
   * that does wait, and that flush writes the WAL up to its own commit, the counter's included. A
   * crash can only lose a number no committed pilot carries, which is then handed out again.
   */
  async nextCodeNumber(year: number): Promise<number> {
    const [row]: Array<{ last: number }> = await this.db.query(
      `WITH unflushed AS MATERIALIZED (SELECT set_config('synchronous_commit', 'off', true))
       INSERT INTO pilot_code_counters AS c (year, last) SELECT $1, 1 FROM unflushed
       ON CONFLICT (year) DO UPDATE SET last = c.last + 1 RETURNING last`,
      [year],
    );
    return row!.last;
  }

  /**
   * A new pilot, with its history's start (the proposal interval) in the same statement, and the
   * current policy of `nextGate` (the gate a proposal goes to next) read with it for the
   * compliance check: null when that gate has no policy row.
   */
  async insert(
    tx: Tx,
    pilot: PilotFields & { code: string; leadAgency: string; leadId: string },
    nextGate: Gate | null,
  ): Promise<{ row: PilotRow; nextGatePolicy: GatePolicy | null }> {
    const [found]: Array<PilotRow & { next_gate_policy?: GatePolicy | null }> = await tx.query(
      `WITH p AS (
         INSERT INTO pilots (code, title, summary, domain, lead_agency, lead_id, partner_agencies, programme_id,
            trl_current, trl_target, trl_initial, budget_requested_cents, personal_data, dpia_ref, sensitivity, heilmeier, compliance)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $9, $11, $12, $13, $14, $15, $16)
         RETURNING *
       ), proposal AS (
         INSERT INTO stage_intervals (pilot_id, stage, entered_at, trl) SELECT id, 'proposal', created_at, trl_current FROM p
       )
       SELECT ${pilotColumns('p')}, (SELECT policy FROM gate_policies WHERE gate = $17) AS next_gate_policy FROM p`,
      [
        pilot.code, pilot.title, pilot.summary, pilot.domain, pilot.leadAgency, pilot.leadId, pilot.partnerAgencies, pilot.programmeId,
        pilot.trl.current, pilot.trl.target, pilot.budgetRequestedCents, pilot.personalData, pilot.dpiaRef, pilot.sensitivity,
        JSON.stringify(pilot.heilmeier), JSON.stringify(pilot.compliance), nextGate,
      ],
    );
    const { next_gate_policy: nextGatePolicy, ...row } = found!;
    return { row, nextGatePolicy: nextGatePolicy ?? null };
  }

  async update(tx: Tx, id: string, pilot: PilotFields): Promise<PilotRow> {
    const [row] = await updateReturning<PilotRow>(
      tx,
      `UPDATE pilots p SET title = $2, summary = $3, domain = $4, programme_id = $5, partner_agencies = $6,
          trl_current = $7, trl_target = $8, budget_requested_cents = $9, personal_data = $10, dpia_ref = $11,
          sensitivity = $12, heilmeier = $13, compliance = $14, version = version + 1, updated_at = now()
        WHERE p.id = $1 RETURNING ${pilotColumns('p')}`,
      [
        id, pilot.title, pilot.summary, pilot.domain, pilot.programmeId, pilot.partnerAgencies, pilot.trl.current, pilot.trl.target,
        pilot.budgetRequestedCents, pilot.personalData, pilot.dpiaRef, pilot.sensitivity, JSON.stringify(pilot.heilmeier), JSON.stringify(pilot.compliance),
      ],
    );
    return row!;
  }

  /**
   * Moves a pilot to a stage: after a go (with the TRL the submission reached), or to abandoned
   * with the lessons learned. The money that moves with it is the ledger's.
   */
  async moveStage(tx: Tx, id: string, change: { stage: Stage; trl?: number; lessonsLearned?: string }): Promise<void> {
    await tx.query(
      `UPDATE pilots SET stage = $2, trl_current = GREATEST(trl_current, COALESCE($3, trl_current)),
          lessons_learned = COALESCE($4, lessons_learned),
          abandoned_at = CASE WHEN $2 = 'abandoned' THEN now() ELSE abandoned_at END,
          stage_entered_at = now(), version = version + 1, updated_at = now()
        WHERE id = $1`,
      [id, change.stage, change.trl ?? null, change.lessonsLearned ?? null],
    );
    // The stage history moves with it: the current interval closes, the next one opens.
    await tx.query(`UPDATE stage_intervals SET left_at = now(), left_how = CASE WHEN $2 = 'abandoned' THEN 'abandoned' ELSE 'go' END WHERE pilot_id = $1 AND left_at IS NULL`, [
      id,
      change.stage,
    ]);
    await tx.query(`INSERT INTO stage_intervals (pilot_id, stage, entered_at, trl) SELECT id, stage, now(), trl_current FROM pilots WHERE id = $1`, [id]);
  }

  /** A pilot the viewer may see (or any pilot, without one), optionally locking its row. */
  async find(tx: Tx, id: string, viewer: Viewer | null, forUpdate: boolean): Promise<PilotRow | null> {
    const params: unknown[] = [id];
    const visible = viewer ? pilotVisibilitySql('p', viewer, params) : 'TRUE';
    const rows: PilotRow[] = await tx.query(
      `SELECT ${pilotColumns('p')} FROM pilots p WHERE p.id = $1 AND ${visible}${forUpdate ? ' FOR UPDATE OF p' : ''}`,
      params,
    );
    return rows[0] ?? null;
  }

  /**
   * The hot read by id, visibility folded in: the reads of one event-loop turn that share a
   * viewer's scope (readScope) go as one prepared statement (ReadBatches).
   */
  async findVisible(viewer: Viewer, id: string): Promise<PilotListRow | null> {
    return (await this.findVisibleUnless(viewer, id, null)) as PilotListRow | null;
  }

  /**
   * findVisible for a reader who holds the pilot at row version `known` already: a row still at
   * it comes back as PilotUnchanged, without its fields.
   */
  findVisibleUnless(viewer: Viewer, id: string, known: RowVersion | null): Promise<PilotListRow | PilotUnchanged | null> {
    // Anything but a UUID names no pilot: answered without a statement, so it cannot fail a batch.
    if (!isUuid(id)) return Promise.resolve(null);
    return this.visibleReads.read(readScope(viewer), { viewer, id, known });
  }

  private async readVisible(reads: readonly VisibleRead[]): Promise<Array<PilotListRow | PilotUnchanged | null>> {
    const { viewer } = reads[0]!;
    const ids = reads.map((read) => read.id);
    const known = reads.map((read) => read.known);
    const rows = seesEverything(viewer)
      ? await preparedQuery<PilotListRow>(this.db, BATCHED_READ.all, [ids, known])
      : await preparedQuery<PilotListRow>(this.db, isFunder(viewer) ? BATCHED_READ.funder : BATCHED_READ.member, [ids, known, reads.map((read) => read.viewer.id), viewer.agency]);
    return rowsBySlot(rows, reads.length).map((row, i) =>
      row !== null && row.row_version === known[i] ? { id: row.id, version: row.version, row_version: row.row_version, unchanged: true } : row,
    );
  }

  /** A list page's rows, with the row version each was read at. */
  async list(viewer: Viewer, filter: PilotListFilter, page: PageRequest): Promise<PilotListRow[]> {
    const params: unknown[] = [];
    const where = [pilotVisibilitySql('p', viewer, params), ...pageConditions('p', filter, page, params)];
    return preparedQuery<PilotListRow>(
      this.db,
      `SELECT ${pilotColumns('p')}, p.xmin AS row_version FROM pilots p WHERE ${where.join(' AND ')} ${PAGE_ORDER} ${pageLimit(page.size)}`,
      params,
    );
  }

  /**
   * A list page's keys only: the same rows as `list`, each as its id, creation time and row
   * version. A caller holding the views of those row versions already needs nothing more.
   *
   * The pages of one event-loop turn that ask for the same page (filters, cursor, size) in one
   * scope (readScope) go as one statement (ReadBatches): for chairs, the page read once and shared;
   * for anyone else, one page per reader (a LATERAL subquery each), the reader's user id beside
   * the agency they share (the assigned-reviewer clause is each reader's own).
   */
  listKeys(viewer: Viewer, filter: PilotListFilter, page: PageRequest): Promise<PilotPageKey[]> {
    const everything = seesEverything(viewer);
    // For anyone but a chair, $1 is the readers' user ids (filled in per batch) and $2 their agency.
    const params: unknown[] = everything ? [] : [null, viewer.agency];
    const where = [everything ? 'TRUE' : PAGE_VISIBILITY[isFunder(viewer) ? 'funder' : 'member'], ...pageConditions('p', filter, page, params)];
    const conditions = where.join(' AND ');
    const limit = pageLimit(page.size);
    return this.pageKeyReads.read(`${readScope(viewer)} ${limit} ${conditions} ${JSON.stringify(params)}`, { viewer, conditions, limit, params });
  }

  private async readPageKeys(reads: readonly PageKeyRead[]): Promise<PilotPageKey[][]> {
    const { viewer, conditions, limit, params } = reads[0]!;
    if (seesEverything(viewer)) {
      const text = textFor(pageTexts, `all ${limit} ${conditions}`, () => `SELECT ${PAGE_KEY} FROM pilots p WHERE ${conditions} ${PAGE_ORDER} ${limit}`);
      const rows = await preparedQuery<PilotPageKey>(this.db, text, params);
      return reads.map(() => rows);
    }
    const text = textFor(
      pageTexts,
      `some ${limit} ${conditions}`,
      () =>
        `SELECT x.id, x.created_at, x.row_version, q.n::int AS read_slot FROM unnest($1::uuid[]) WITH ORDINALITY AS q(user_id, n)` +
        ` CROSS JOIN LATERAL (SELECT ${PAGE_KEY} FROM pilots p WHERE ${conditions} ${PAGE_ORDER} ${limit}) x ORDER BY q.n, x.created_at DESC, x.id DESC`,
    );
    const rows = await preparedQuery<PilotPageKey & { read_slot: number }>(this.db, text, [reads.map((read) => read.viewer.id), ...params.slice(1)]);
    const pages = reads.map((): PilotPageKey[] => []);
    for (const { read_slot: slot, ...key } of rows) pages[slot - 1]!.push(key);
    return pages;
  }
}

/** A list page's keys for one reader, waiting for its batch (PilotsRepository.listKeys). */
interface PageKeyRead {
  viewer: Viewer;
  /** The page's conditions, LIMIT clause and parameters from $2 on: the same for every read of a batch. */
  conditions: string;
  limit: string;
  params: unknown[];
}

/**
 * A page key's columns. The creation time comes as the text toISOString would give (the cursor's
 * form), not as a timestamp to parse into a Date: only the page's last one is ever used, and
 * parsing a page's worth of dates was a fifth of what a list page allocated.
 */
const PAGE_KEY = `p.id, to_char(p.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at, p.xmin AS row_version`;
const PAGE_ORDER = 'ORDER BY p.created_at DESC, p.id DESC';
/** A batched page's visibility rule: the agency shared ($2), each reader's user id beside it. */
const PAGE_VISIBILITY = { member: visibilityClauses('p', '$2', 'q.user_id', false), funder: visibilityClauses('p', '$2', 'q.user_id', true) };
/** The batched page statements by their conditions: a handful in a process. */
const pageTexts = new Map<string, string>();

/** A list page's keyset position and filters as conditions on `alias`, appending their parameters to `params`. */
function pageConditions(alias: string, filter: PilotListFilter, page: PageRequest, params: unknown[]): string[] {
  const where = [keysetCondition(alias, page.after, params)];
  const add = (sql: (n: string) => string, value: unknown) => {
    params.push(value);
    where.push(sql(`$${params.length}`));
  };
  if (filter.stage) add((n) => `${alias}.stage = ${n}`, filter.stage);
  if (filter.domain) add((n) => `${alias}.domain = ${n}`, filter.domain);
  if (filter.programmeId) add((n) => `${alias}.programme_id = ${n}`, filter.programmeId);
  if (filter.agency) add((n) => `(${alias}.lead_agency = ${n} OR ${n} = ANY(${alias}.partner_agencies))`, filter.agency);
  if (filter.q) add((n) => `(${alias}.code || ' ' || ${alias}.title || ' ' || ${alias}.summary) ILIKE ${n}`, `%${filter.q.replace(/[\\%_]/g, '\\$&')}%`);
  return where;
}
