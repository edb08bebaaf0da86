import { Injectable } from '@nestjs/common';
import { canSeeVote, checkOutcome, Outcome, requireGate, Scores, seatsFor, validateScores, requirePrerequisites, validateSubmission, voteContentHash } from '@labgate/domain';
import { JobName } from '@labgate/queue';
import { AssignmentStatus, Evidence, LockedReview, PoliciesRepository, ReviewsRepository, Transactor, Tx, WorkContext } from '@labgate/persistence';
import { AuditService } from '../audit/audit.service';
import { AppError } from '../common/app-error';
import { Page, pageRequest, toPage } from '../common/pagination';
import { hasRole, Principal } from '../common/principal';
import { OutboxService } from '../outbox/outbox.service';
import { PilotsService, requireLead } from '../pilots/pilots.service';
import { DecisionService } from './decision.service';
import { AssignmentView, GateReviewView, toAssignmentView, toReviewView, toVoteView, VoteView } from './review.view';

export interface SubmissionInput {
  trancheCents: number;
  trl: number;
  examResults: Array<{ exam: string; actual: string; passed: boolean }>;
  report: string;
}

const HOUR_MS = 3_600_000;

/** The review workflow's commands and queries as the API runs them (the worker runs the rest). */
@Injectable()
export class ReviewsService {
  constructor(
    private readonly tx: Transactor,
    private readonly reviews: ReviewsRepository,
    private readonly policies: PoliciesRepository,
    private readonly pilots: PilotsService,
    private readonly decisions: DecisionService,
    private readonly audit: AuditService,
    private readonly outbox: OutboxService,
  ) {}

  /**
   * The lead submits the pilot to its stage's gate: evidence checked against the gate, the gate
   * policy snapshotted, the review opened with one seat per DESIGN rule; seat assignment,
   * notifications and timers follow on the queue.
   */
  async submit(lead: Principal, pilotId: string, input: SubmissionInput, work: WorkContext): Promise<{ gateReviewId: string; gate: string; round: number; status: 'open' }> {
    return this.tx.run(async (tx) => {
      const pilot = await this.pilots.findVisible(tx, lead, pilotId, true);
      requireLead(pilot, lead);
      const gate = requireGate(pilot.stage);
      if (await this.reviews.hasOpenReview(tx, pilot.id)) throw new AppError('GATE.REVIEW_OPEN', `${pilot.code} already has a gate review under way`);
      validateSubmission({
        stage: pilot.stage,
        trl: input.trl,
        examResults: input.examResults,
        examNames: pilot.heilmeier.exams.map((e) => e.name),
        trancheCents: input.trancheCents,
        budgetRequestedCents: Number(pilot.budget_requested_cents),
        committedCents: Number(pilot.committed_cents),
        report: input.report,
      });
      const { policy } = await this.policies.find(gate, tx);
      requirePrerequisites({ domain: pilot.domain, compliance: pilot.compliance ?? {} }, gate, policy.prerequisites);

      const round = (await this.reviews.decidedRounds(tx, pilot.id, gate)) + 1;
      const dueAt = new Date(Date.now() + policy.slaHours * HOUR_MS);
      const evidence: Evidence = { trl: input.trl, examResults: input.examResults, report: input.report, trancheCents: input.trancheCents };
      const seats = seatsFor({ leadAgency: pilot.lead_agency, partnerAgencies: pilot.partner_agencies, personalData: pilot.personal_data, trancheCents: input.trancheCents });
      const gateReviewId = await this.reviews.open(tx, { pilotId: pilot.id, gate, round, policy, evidence, submittedBy: lead.id, dueAt, seats });
      await this.audit.append(tx, { pilotId: pilot.id, actor: lead.id, action: 'gate.submitted', payload: { gateReviewId, gate, round, seats, ...evidence } });
      await this.outbox.enqueue(tx, JobName.OpenReview, { gateReviewId });
      return { gateReviewId, gate, round, status: 'open' as const };
    }, work);
  }

  /**
   * A review of a pilot the viewer may see. Votes are secret until the decision: before it a
   * vote's content goes to its author and the chairs only (everyone sees which seats voted). The
   * running tally too: its counts and means are the votes' content, summed (one vote cast, they
   * are that vote), so before the decision only chairs see it.
   */
  async get(viewer: Principal, gateReviewId: string): Promise<GateReviewView> {
    const review = await this.reviews.findVisible(viewer, gateReviewId);
    if (!review) throw reviewNotFound(gateReviewId);
    const seats = await this.reviews.seats(this.tx.none, gateReviewId);
    const decided = review.status === 'decided';
    const chair = hasRole(viewer, 'chair');
    const votes = (await this.reviews.votes(this.tx.none, gateReviewId)).filter((v) => canSeeVote(viewer, { reviewerId: v.reviewer_id }, decided));
    return toReviewView(review, seats, votes.length > 0 || decided || chair ? votes : undefined, decided || chair);
  }

  async listForPilot(viewer: Principal, pilotId: string): Promise<GateReviewView[]> {
    await this.pilots.findVisible(this.tx.none, viewer, pilotId, false);
    return Promise.all((await this.reviews.idsOfPilot(pilotId)).map((id) => this.get(viewer, id)));
  }

  /** Only the seat's assignee votes, once; each vote queues a tally. */
  async vote(reviewer: Principal, gateReviewId: string, input: { recommendation: Outcome; scores: Scores; rationale: string }, work: WorkContext): Promise<VoteView> {
    return this.tx.run(async (tx) => {
      const locked = await this.reviews.lockForVote(tx, gateReviewId, reviewer);
      if (!locked) throw reviewNotFound(gateReviewId);
      const { review, pilot, seat, auditHead, now } = locked;
      if (!seat) throw new AppError('REVIEW.NOT_ASSIGNED', 'You hold no seat on this review');
      if (seat.status === 'voted') throw new AppError('VOTE.DUPLICATE', `You already voted on the ${seat.seat} seat`);
      if (review.status !== 'open' || seat.status !== 'pending') throw new AppError('GATE.NOT_OPEN', `The review is ${review.status}; votes are closed`);
      checkOutcome(review.gate, input.recommendation, 'recommendation');
      validateScores(input.scores);
      // Sent with the commit: everything it depends on was checked above, under the review's lock.
      const vote = await this.reviews.castVote(tx, seat, input, now);
      await this.audit.append(tx, {
        pilotId: pilot.id,
        actor: reviewer.id,
        action: 'vote.cast',
        // The seat and a hash of the content: the chain is readable by everyone who may see the
        // pilot, the vote is not (until the decision, through the review).
        payload: { gateReviewId: review.id, seat: seat.seat, contentHash: voteContentHash(input) },
        head: auditHead,
      });
      await this.outbox.enqueue(tx, JobName.TallyReview, { gateReviewId: review.id });
      return toVoteView(vote);
    }, work);
  }

  /** A chair decides an escalated review, with a rationale (decide refuses what the rules forbid). */
  async decideEscalated(chair: Principal, gateReviewId: string, outcome: Outcome, rationale: string, work: WorkContext): Promise<GateReviewView> {
    await this.tx.run(async (tx) => {
      const locked = await this.lockVisible(tx, chair, gateReviewId);
      if (locked.review.status !== 'escalated') {
        throw new AppError('GATE.NOT_ESCALATED', `The review is ${locked.review.status}; only escalated reviews are decided by a chair`);
      }
      await this.decisions.apply(tx, locked, outcome, rationale, chair.id);
    }, work);
    return this.get(chair, gateReviewId);
  }

  /** The caller's seats, newest first. */
  async inbox(reviewer: Principal, status: AssignmentStatus | undefined, limit?: number, cursor?: string): Promise<Page<AssignmentView>> {
    const page = pageRequest(limit, cursor);
    return toPage(await this.reviews.inbox(reviewer.id, status, page), page.size, toAssignmentView);
  }

  private async lockVisible(tx: Tx, viewer: Principal, gateReviewId: string): Promise<LockedReview> {
    const locked = await this.reviews.lock(tx, gateReviewId, viewer);
    if (!locked) throw reviewNotFound(gateReviewId);
    return locked;
  }
}

export function reviewNotFound(id: string): AppError {
  return new AppError('REVIEW.NOT_FOUND', `Gate review ${id} does not exist or is not visible to you`);
}
