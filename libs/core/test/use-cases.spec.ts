/**
 * Use-case tests: the core services wired to in-memory repositories, so the path of a rule
 * through a service (tally → decision → ledger, withdrawal, spend) is tested without Postgres.
 * The end-to-end suite runs the same services against the real database.
 */
import { DEFAULT_POLICY, DomainError } from '@labgate/domain';
import { JobName } from '@labgate/queue';
import type { AgenciesService, Principal } from '../src';
import { AuditService } from '../src/audit/audit.service';
import { Ledger } from '../src/ledger/ledger.service';
import { EventsService } from '../src/notifications/events.service';
import { OutboxService } from '../src/outbox/outbox.service';
import { ExpendituresService } from '../src/pilots/expenditures.service';
import { PilotsService } from '../src/pilots/pilots.service';
import { DecisionService } from '../src/workflow/decision.service';
import { ReviewsService } from '../src/workflow/reviews.service';
import { SeatsService } from '../src/workflow/seats.service';
import { WithdrawalService } from '../src/workflow/withdrawal.service';
import { WorkflowService } from '../src/workflow/workflow.service';
import { InMemoryWorld, partial } from './in-memory.fake';
import { ComplianceTracker } from '../src/compliance/compliance-tracker.service';

function wire(world: InMemoryWorld) {
  const tx = world.transactor();
  const reviewsRepo = world.reviewsRepository();
  const ledgerRepo = world.ledgerRepository();
  const outbox = new OutboxService(world.outboxRepository());
  const events = new EventsService(world.notificationsRepository(), world.webhooksRepository(), outbox);
  const audit = new AuditService(world.auditRepository(), world.pilotsRepository());
  // Compliance stretches are not what these tests are about (the e2e test covers them).
  const compliance = partial<ComplianceTracker>({ refresh: async () => undefined }, 'ComplianceTracker');
  const ledger = new Ledger(ledgerRepo, world.pilotsRepository(), compliance);
  const decisions = new DecisionService(reviewsRepo, world.usersRepository(['chair-1']), ledger, audit, events, outbox);
  const pilots = new PilotsService(tx, world.pilotsRepository(), reviewsRepo, ledgerRepo, partial<AgenciesService>({}, 'AgenciesService'), audit, compliance);
  return {
    workflow: new WorkflowService(tx, reviewsRepo, decisions, partial<SeatsService>({}, 'SeatsService'), events, outbox),
    reviews: new ReviewsService(tx, reviewsRepo, partial({}, 'PoliciesRepository'), pilots, decisions, audit, outbox),
    withdrawals: new WithdrawalService(tx, pilots, decisions, ledger, audit, events),
    expenditures: new ExpendituresService(tx, pilots, ledger, ledgerRepo, audit),
  };
}

/** The work context a request or job hands to the services (its correlation id). */
const WORK = { correlationId: 'use-case' };

const principal = (id: string, roles: Principal['roles'], agency = 'EUROPOL'): Principal => ({ id, name: 'n', email: 'e@x.eu', agency, roles });

function codeOf(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => 'ok',
    (err: DomainError) => err.code,
  );
}

describe('tally → decision → ledger', () => {
  it('a unanimous fund commits the tranche to pilot and programme, decides, chains and closes the timers', async () => {
    const world = new InMemoryWorld();
    const programme = world.programme(1_000_000, 200_000);
    const pilot = world.pilot(programme);
    const review = world.review(pilot, 'fund', 300_000, ['EUROPOL', 'FRONTEX', 'funding']);
    for (const seat of ['EUROPOL', 'FRONTEX', 'funding']) world.vote(review, seat, 'fund');

    expect(await wire(world).workflow.tallyReview(review.id, false, WORK)).toBe('success');

    expect(world.pilots.get(pilot.id)).toMatchObject({ stage: 'funded', committed_cents: '300000', trl_current: 5 });
    expect(world.programmes.get(programme.id)!.committed_cents).toBe('500000');
    expect(world.reviews.get(review.id)).toMatchObject({ status: 'decided', decision_outcome: 'fund', decided_by: 'policy' });
    const decided = world.audit.find((e) => e.action === 'gate.decided')!;
    expect(decided.payload).toMatchObject({ fromStage: 'proposal', toStage: 'funded', committedCents: 300_000, releasedCents: 0 });
    expect(world.outbox.map((o) => o.jobName)).toEqual([JobName.CloseReviewTimers]);
    expect(world.inbox.map((n) => n.event)).toEqual(['gate.decided']);
  });

  it('a go the envelope cannot cover is escalated (insufficient-funds) and moves no money', async () => {
    const world = new InMemoryWorld();
    const programme = world.programme(1_000_000, 800_000);
    const pilot = world.pilot(programme);
    const review = world.review(pilot, 'fund', 200_001, ['EUROPOL']);
    world.vote(review, 'EUROPOL', 'fund');

    await wire(world).workflow.tallyReview(review.id, false, WORK);

    expect(world.reviews.get(review.id)).toMatchObject({ status: 'escalated', escalation_reason: 'insufficient-funds' });
    expect(world.pilots.get(pilot.id)).toMatchObject({ stage: 'proposal', committed_cents: '0' });
    expect(world.programmes.get(programme.id)!.committed_cents).toBe('800000');
    expect(world.actions(pilot.id)).toEqual(['gate.escalated']);
    expect(world.inbox[0]!.recipients).toEqual([pilot.lead_id, 'chair-1']);
  });

  it('a data-protection veto abandons and releases the committed, unspent money', async () => {
    const world = new InMemoryWorld();
    const programme = world.programme(1_000_000, 500_000);
    const pilot = world.pilot(programme, { stage: 'funded', committed_cents: '500000', spent_cents: '120000' });
    const review = world.review(pilot, 'test', 0, ['EUROPOL', 'data-protection']);
    world.vote(review, 'EUROPOL', 'test');
    world.vote(review, 'data-protection', 'abandon');

    await wire(world).workflow.tallyReview(review.id, false, WORK);

    expect(world.pilots.get(pilot.id)).toMatchObject({ stage: 'abandoned', committed_cents: '120000', spent_cents: '120000' });
    expect(world.programmes.get(programme.id)!.committed_cents).toBe('120000');
    expect(world.audit.find((e) => e.action === 'gate.decided')!.payload).toMatchObject({ outcome: 'abandon', releasedCents: 380_000 });
    expect(world.inbox.map((n) => n.event)).toEqual(['gate.decided', 'pilot.abandoned']);
  });

  it('waits while a seat has not voted: only the tally is saved', async () => {
    const world = new InMemoryWorld();
    const pilot = world.pilot(world.programme(1_000_000));
    const review = world.review(pilot, 'fund', 100, ['EUROPOL', 'FRONTEX']);
    world.vote(review, 'EUROPOL', 'fund');

    await wire(world).workflow.tallyReview(review.id, false, WORK);

    expect(world.reviews.get(review.id)).toMatchObject({ status: 'open', tally: expect.objectContaining({ status: 'pending', votesCast: 1 }) });
    expect(world.audit).toEqual([]);
  });

  it('a deadline or a reminder job before its time is skipped and changes nothing', async () => {
    const world = new InMemoryWorld();
    const pilot = world.pilot(world.programme(1_000_000));
    const review = world.review(pilot, 'fund', 100, ['EUROPOL', 'FRONTEX'], { due_at: new Date(Date.now() + 10 * 86_400_000) });
    world.vote(review, 'EUROPOL', 'abandon');
    const { workflow } = wire(world);
    expect(await workflow.tallyReview(review.id, true, WORK)).toBe('skipped');
    expect(await workflow.remindReviewers(review.id, WORK)).toBe('skipped');
    expect(world.reviews.get(review.id)).toMatchObject({ status: 'open', tally: null });
    expect(world.audit).toEqual([]);
    expect(world.inbox).toEqual([]);
  });

  it('a deadline job at its time decides over the votes cast when the quorum is met', async () => {
    const world = new InMemoryWorld();
    const pilot = world.pilot(world.programme(1_000_000));
    const review = world.review(pilot, 'fund', 100, ['EUROPOL', 'FRONTEX'], { due_at: new Date(Date.now() - 1000), policy: { ...DEFAULT_POLICY, quorum: 0.5 } });
    world.vote(review, 'EUROPOL', 'abandon');
    expect(await wire(world).workflow.tallyReview(review.id, true, WORK)).toBe('success');
    expect(world.reviews.get(review.id)).toMatchObject({ status: 'decided', decision_outcome: 'abandon' });
  });

  it('a tally of a decided review is skipped and changes nothing', async () => {
    const world = new InMemoryWorld();
    const pilot = world.pilot(world.programme(1_000_000));
    const review = world.review(pilot, 'fund', 100, ['EUROPOL'], { status: 'decided' });
    world.vote(review, 'EUROPOL', 'fund');
    expect(await wire(world).workflow.tallyReview(review.id, true, WORK)).toBe('skipped');
    expect(world.pilots.get(pilot.id)!.stage).toBe('proposal');
  });

  it("a chair's revise in the last round, or a go past the envelope, is refused and rolls back", async () => {
    const world = new InMemoryWorld();
    const programme = world.programme(100);
    const pilot = world.pilot(programme);
    const chair = principal('chair-1', ['chair']);
    const last = world.review(pilot, 'fund', 500, ['EUROPOL'], { status: 'escalated', round: 2 });
    const { reviews } = wire(world);
    expect(await codeOf(reviews.decideEscalated(chair, last.id, 'revise', 'again', WORK))).toBe('GATE.MUST_END');
    expect(await codeOf(reviews.decideEscalated(chair, last.id, 'fund', 'go', WORK))).toBe('BUDGET.ENVELOPE_EXCEEDED');
    expect(await codeOf(reviews.decideEscalated(chair, last.id, 'accelerate', 'go', WORK))).toBe('GATE.OUTCOME_INVALID');
    expect(world.reviews.get(last.id)!.status).toBe('escalated');
    expect(world.programmes.get(programme.id)!.committed_cents).toBe('0');
    expect(world.audit).toEqual([]);
  });
});

describe('withdrawal', () => {
  it('cancels the open review, releases the unspent money and abandons with the lessons', async () => {
    const world = new InMemoryWorld();
    const programme = world.programme(1_000_000, 500_000);
    const pilot = world.pilot(programme, { stage: 'funded', committed_cents: '500000', spent_cents: '100000' });
    const review = world.review(pilot, 'test', 0, ['EUROPOL']);
    const lead = principal(pilot.lead_id, ['lead']);

    const view = await wire(world).withdrawals.withdraw(lead, pilot.id, '  The sensor vendor left the market.  ', WORK);

    expect(view).toMatchObject({ stage: 'abandoned', committedCents: 100_000, lessonsLearned: 'The sensor vendor left the market.' });
    expect(world.programmes.get(programme.id)!.committed_cents).toBe('100000');
    expect(world.reviews.get(review.id)!.status).toBe('cancelled');
    expect(world.actions(pilot.id)).toEqual(['gate.cancelled', 'pilot.withdrawn']);
    expect(world.audit[1]!.payload).toMatchObject({ fromStage: 'funded', releasedCents: 400_000 });
  });

  it('refuses an abandoned pilot, blank lessons and anyone but the lead, changing nothing', async () => {
    const world = new InMemoryWorld();
    const programme = world.programme(1_000_000);
    const abandoned = world.pilot(programme, { stage: 'abandoned', lessons_learned: 'x' });
    const live = world.pilot(programme, { stage: 'funded', committed_cents: '10' });
    const { withdrawals } = wire(world);
    expect(await codeOf(withdrawals.withdraw(principal(abandoned.lead_id, ['lead']), abandoned.id, 'again', WORK))).toBe('PILOT.WRONG_STATE');
    expect(await codeOf(withdrawals.withdraw(principal(live.lead_id, ['lead']), live.id, '   ', WORK))).toBe('PILOT.LESSONS_REQUIRED');
    expect(await codeOf(withdrawals.withdraw(principal('someone', ['lead']), live.id, 'mine now', WORK))).toBe('PILOT.NOT_LEAD');
    expect(world.pilots.get(live.id)).toMatchObject({ stage: 'funded', committed_cents: '10' });
    expect(world.audit).toEqual([]);
  });
});

describe('spend', () => {
  it('adds to the pilot and the programme, up to the committed money, and chains each expenditure', async () => {
    const world = new InMemoryWorld();
    const programme = world.programme(1_000_000, 500);
    const pilot = world.pilot(programme, { stage: 'funded', committed_cents: '500' });
    const lead = principal(pilot.lead_id, ['lead']);
    const { expenditures } = wire(world);

    await expenditures.report(lead, pilot.id, { amountCents: 500, description: 'Drone detection sensors', spentOn: '2026-10-01' }, WORK);
    expect(await codeOf(expenditures.report(lead, pilot.id, { amountCents: 1, description: 'One cent more', spentOn: '2026-10-02' }, WORK))).toBe('SPEND.OVER_COMMITTED');

    expect(world.pilots.get(pilot.id)!.spent_cents).toBe('500');
    expect(world.programmes.get(programme.id)!.spent_cents).toBe('500');
    expect(world.expenditures).toHaveLength(1);
    expect(world.actions(pilot.id)).toEqual(['expenditure.reported']);
  });
});
