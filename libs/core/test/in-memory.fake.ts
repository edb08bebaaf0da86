/**
 * In-memory stand-ins for the repositories a use case touches, for use-case tests of the core
 * services without Postgres (STYLE rule 14). They keep rows in maps and implement only what the
 * services under test call; any other method throws, so a test never passes by accident.
 */
import { DEFAULT_POLICY, Gate, Outcome, TallyResult } from '@labgate/domain';
import type {
  AssignmentRow,
  AuditRepository,
  ExpenditureRow,
  LedgerRepository,
  LockedReview,
  MoneyTarget,
  NotificationsRepository,
  OutboxRepository,
  PilotRow,
  PilotsRepository,
  ProgrammeRow,
  ReviewRow,
  ReviewsRepository,
  Transactor,
  Tx,
  UsersRepository,
  VoteRow,
  WebhooksRepository,
} from '@labgate/persistence';

/** An object of type T whose unimplemented methods throw when called. */
export function partial<T extends object>(impl: Partial<T>, name: string): T {
  return new Proxy(impl as T, {
    get(target, prop) {
      if (prop in target) return target[prop as keyof T];
      if (prop === 'then') return undefined;
      throw new Error(`${name}.${String(prop)} is not faked`);
    },
  });
}

const TX = {} as Tx;
let ids = 0;
const nextId = () => `00000000-0000-4000-8000-${String(++ids).padStart(12, '0')}`;

export class InMemoryWorld {
  readonly pilots = new Map<string, PilotRow>();
  readonly programmes = new Map<string, ProgrammeRow>();
  readonly reviews = new Map<string, ReviewRow>();
  readonly seats: AssignmentRow[] = [];
  readonly votes: Array<VoteRow & { gate_review_id: string }> = [];
  readonly audit: Array<{ pilotId: string; seq: number; action: string; payload: Record<string, unknown>; hash: string }> = [];
  readonly outbox: Array<{ jobName: string; payload: Record<string, unknown> }> = [];
  readonly inbox: Array<{ recipients: string[]; event: string }> = [];
  readonly expenditures: ExpenditureRow[] = [];

  programme(envelopeCents: number, committedCents = 0): ProgrammeRow {
    const row: ProgrammeRow = { id: nextId(), name: 'ISF envelope', owner_id: nextId(), envelope_cents: String(envelopeCents), committed_cents: String(committedCents), spent_cents: '0', created_at: new Date() };
    this.programmes.set(row.id, row);
    return row;
  }

  pilot(programme: ProgrammeRow, over: Partial<PilotRow> = {}): PilotRow {
    const now = new Date();
    const row: PilotRow = {
      id: nextId(), code: `JIL-2026-${String(ids).padStart(4, '0')}`, title: 'Deepfake triage', summary: 'Triage of suspected synthetic media.', domain: 'ai', stage: 'proposal',
      lead_agency: 'EUROPOL', lead_id: nextId(), partner_agencies: ['FRONTEX'], programme_id: programme.id, trl_current: 4, trl_target: 7,
      budget_requested_cents: '1000000', committed_cents: '0', spent_cents: '0', personal_data: true, dpia_ref: 'DPIA-1', sensitivity: 'limited',
      heilmeier: { objective: 'o', currentPractice: 'c', novelty: 'n', impact: 'i', risks: 'r', cost: 'c', schedule: 's', exams: [] },
      compliance: { aiActClass: 'limited' }, lessons_learned: null, version: 1, stage_entered_at: now, created_at: now, updated_at: now, ...over,
    };
    this.pilots.set(row.id, row);
    return row;
  }

  review(pilot: PilotRow, gate: Gate, trancheCents: number, seats: string[], over: Partial<ReviewRow> = {}): ReviewRow {
    const now = new Date();
    const row: ReviewRow = {
      id: nextId(), pilot_id: pilot.id, gate, round: 1, status: 'open', policy: { ...DEFAULT_POLICY }, evidence: { trl: 5, examResults: [], report: 'r', trancheCents },
      tranche_cents: String(trancheCents), submitted_by: pilot.lead_id, opened_at: now, due_at: new Date(now.getTime() + 86_400_000), seats_assigned_at: now,
      timer_job_ids: [nextId(), nextId()], tally: null, escalation_reason: null, escalated_at: null, decision_outcome: null, decision_rationale: null, decided_by: null, decided_at: null,
      ...over,
    };
    this.reviews.set(row.id, row);
    for (const seat of seats) {
      this.seats.push({ id: nextId(), gate_review_id: row.id, pilot_id: pilot.id, seat, reviewer_id: nextId(), status: 'pending', due_at: row.due_at, created_at: now });
    }
    return row;
  }

  vote(review: ReviewRow, seat: string, recommendation: Outcome, score = 4): void {
    const a = this.seats.find((s) => s.gate_review_id === review.id && s.seat === seat)!;
    a.status = 'voted';
    this.votes.push({ id: nextId(), gate_review_id: review.id, seat, reviewer_id: a.reviewer_id!, recommendation, excellence: String(score), impact: String(score), implementation: String(score), rationale: 'r', created_at: new Date() });
  }

  actions(pilotId: string): string[] {
    return this.audit.filter((e) => e.pilotId === pilotId).map((e) => e.action);
  }

  /** Transactions that roll back the maps when the work throws, as Postgres would. */
  transactor(): Transactor {
    return partial<Transactor>({
      run: async <T>(work: (tx: Tx) => Promise<T>) => {
        const before = this.dump();
        try {
          return await work(TX);
        } catch (err) {
          this.restore(before);
          throw err;
        }
      },
      none: TX,
    }, 'Transactor');
  }

  private dump(): string {
    return JSON.stringify({ pilots: [...this.pilots], programmes: [...this.programmes], reviews: [...this.reviews], seats: this.seats, votes: this.votes, audit: this.audit, outbox: this.outbox, inbox: this.inbox, expenditures: this.expenditures });
  }

  private restore(json: string): void {
    const revive = (_k: string, v: unknown) => (typeof v === 'string' && /^\d{4}-\d\d-\d\dT/.test(v) ? new Date(v) : v);
    const s = JSON.parse(json, revive);
    this.pilots.clear();
    for (const [k, v] of s.pilots) this.pilots.set(k, v);
    this.programmes.clear();
    for (const [k, v] of s.programmes) this.programmes.set(k, v);
    this.reviews.clear();
    for (const [k, v] of s.reviews) this.reviews.set(k, v);
    for (const key of ['seats', 'votes', 'audit', 'outbox', 'inbox', 'expenditures'] as const) (this[key] as unknown[]).splice(0, Infinity, ...s[key]);
  }

  pilotsRepository(): PilotsRepository {
    return partial<PilotsRepository>({
      find: async (_tx, id) => (this.pilots.has(id) ? { ...this.pilots.get(id)! } : null),
      moveStage: async (_tx, id, change) => {
        const p = this.pilots.get(id)!;
        p.stage = change.stage;
        if (change.trl !== undefined) p.trl_current = Math.max(p.trl_current, change.trl);
        if (change.lessonsLearned !== undefined) p.lessons_learned = change.lessonsLearned;
        p.version += 1;
      },
    }, 'PilotsRepository');
  }

  ledgerRepository(): LedgerRepository {
    const add = (row: { committed_cents: string }, cents: number) => (row.committed_cents = String(Number(row.committed_cents) + cents));
    return partial<LedgerRepository>({
      findProgramme: async (_tx, id) => (this.programmes.has(id) ? { ...this.programmes.get(id)! } : null),
      commit: async (_tx, t: MoneyTarget, cents) => {
        const programme = this.programmes.get(t.programmeId)!;
        if (Number(programme.committed_cents) + cents > Number(programme.envelope_cents)) return false;
        add(programme, cents);
        add(this.pilots.get(t.pilotId)!, cents);
        return true;
      },
      release: async (_tx, t: MoneyTarget, cents) => {
        add(this.programmes.get(t.programmeId)!, -cents);
        add(this.pilots.get(t.pilotId)!, -cents);
      },
      spend: async (_tx, t: MoneyTarget, input) => {
        const pilot = this.pilots.get(t.pilotId)!;
        pilot.spent_cents = String(Number(pilot.spent_cents) + input.amountCents);
        const programme = this.programmes.get(t.programmeId)!;
        programme.spent_cents = String(Number(programme.spent_cents) + input.amountCents);
        const row: ExpenditureRow = { id: nextId(), pilot_id: t.pilotId, amount_cents: String(input.amountCents), description: input.description, spent_on: input.spentOn, reported_by: input.reportedBy, created_at: new Date() };
        this.expenditures.push(row);
        return row;
      },
    }, 'LedgerRepository');
  }

  reviewsRepository(): ReviewsRepository {
    const waiting = (s: AssignmentRow) => s.status === 'pending' || s.status === 'unassigned';
    return partial<ReviewsRepository>({
      lock: async (_tx, id): Promise<LockedReview | null> => {
        const review = this.reviews.get(id);
        return review ? { review: { ...review }, pilot: { ...this.pilots.get(review.pilot_id)! } } : null;
      },
      seats: async (_tx, id) => this.seats.filter((s) => s.gate_review_id === id && s.status !== 'declined'),
      votes: async (_tx, id) => this.votes.filter((v) => v.gate_review_id === id),
      saveTally: async (_tx, id, tally: TallyResult) => void (this.reviews.get(id)!.tally = tally),
      markDecided: async (_tx, id, d) => {
        Object.assign(this.reviews.get(id)!, { status: 'decided', decision_outcome: d.outcome, decision_rationale: d.rationale, decided_by: d.decidedBy, decided_at: new Date() });
      },
      markEscalated: async (_tx, id, reason) => void Object.assign(this.reviews.get(id)!, { status: 'escalated', escalation_reason: reason }),
      closeWaitingSeats: async (_tx, id) => {
        const mine = this.seats.filter((s) => s.gate_review_id === id);
        for (const s of mine.filter(waiting)) s.status = 'cancelled';
        return [...new Set(mine.filter((s) => s.status !== 'declined').map((s) => s.reviewer_id!))];
      },
      cancelOpen: async (_tx, pilotId) => {
        const open = [...this.reviews.values()].filter((r) => r.pilot_id === pilotId && (r.status === 'open' || r.status === 'escalated'));
        for (const r of open) r.status = 'cancelled';
        return open;
      },
    }, 'ReviewsRepository');
  }

  auditRepository(): AuditRepository {
    return partial<AuditRepository>({
      head: async (_tx, pilotId) => {
        const chain = this.audit.filter((e) => e.pilotId === pilotId);
        return chain.length ? { seq: chain[chain.length - 1]!.seq, hash: chain[chain.length - 1]!.hash } : null;
      },
      insert: async (_tx, e) => void this.audit.push({ pilotId: e.pilotId, seq: e.seq, action: e.action, payload: e.payload as Record<string, unknown>, hash: e.hash }),
    }, 'AuditRepository');
  }

  outboxRepository(): OutboxRepository {
    return partial<OutboxRepository>({ insert: async (_tx, jobName, payload) => (this.outbox.push({ jobName, payload }), nextId()) }, 'OutboxRepository');
  }

  notificationsRepository(): NotificationsRepository {
    return partial<NotificationsRepository>({ insert: async (_tx, n) => void this.inbox.push({ recipients: n.recipients, event: n.event }) }, 'NotificationsRepository');
  }

  webhooksRepository(): WebhooksRepository {
    return partial<WebhooksRepository>({ queueDeliveries: async () => [] }, 'WebhooksRepository');
  }

  usersRepository(chairs: string[] = []): UsersRepository {
    return partial<UsersRepository>({ chairIds: async () => chairs }, 'UsersRepository');
  }
}
