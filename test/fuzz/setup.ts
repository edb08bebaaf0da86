import type { Pool } from 'pg';
import { ok } from '@labgate/client';
import { ApiClient, createAgency, createProgramme, createUser, pilotBody, submissionBody } from '../bench/api';
import { pollFor } from '../support/processes';
import type { FuzzTarget } from './openapi-fuzzer';

/**
 * Real things for the fuzzer's paths to name, made through the public API while the worker
 * runs: a caller of every role and one from another agency, a programme, pilots, a gate review
 * with seated reviewers, a webhook and a failed delivery. The worker must be stopped afterwards
 * (the fuzzer proves refusals write nothing, so the API must be the only writer).
 */
export async function prepareFuzzTarget(url: string, adminToken: string, db: Pool): Promise<FuzzTarget> {
  const api = new ApiClient(url, adminToken);
  const leadAgency = await createAgency(api, 'FZ');
  const partnerAgency = await createAgency(api, 'FP');
  const lead = await createUser(api, leadAgency, ['lead'], 'Project lead');
  const reviewers = [
    await createUser(api, leadAgency, ['reviewer'], 'Reviewer A'),
    await createUser(api, leadAgency, ['reviewer'], 'Reviewer A2'),
    await createUser(api, partnerAgency, ['reviewer'], 'Reviewer B'),
  ];
  const dpo = await createUser(api, leadAgency, ['dpo'], 'Data protection officer');
  const funder = await createUser(api, 'DGHOME', ['funder'], 'Funder');
  const chair = await createUser(api, 'EUROPOL', ['chair'], 'Lab chair');
  const outsider = await createUser(api, partnerAgency, ['lead'], 'Lead of another agency');
  const throwaway = await createUser(api, leadAgency, ['reviewer'], 'Throwaway user');
  const programme = await createProgramme(api, funder, 1_000_000_000);
  const propose = (title: string) =>
    ok(api.as(lead.token).POST('/v1/pilots', { body: { ...pilotBody(programme), title, partnerAgencies: [partnerAgency], budgetRequestedCents: 60_000_000 } }), 'propose');
  const pilot = await propose('Counter-drone detection at the external border');
  const reviewed = await propose('Deepfake detection for evidence intake');
  // A receiver that is not there: the opening of the review leaves a failed delivery behind.
  const hook = await ok(api.admin.POST('/v1/webhooks', { body: { url: 'http://127.0.0.1:9/hooks', events: ['gate.opened'], agency: leadAgency } }), 'subscribe');
  const { gateReviewId } = await ok(api.as(lead.token).POST('/v1/pilots/{id}/submissions', { params: { path: { id: reviewed.id } }, body: submissionBody(10_000_000) }), 'submit');
  const review = await pollFor('the review’s seats', 30_000, async () => {
    const r = await ok(api.as(chair.token).GET('/v1/gate-reviews/{id}', { params: { path: { id: gateReviewId } } }), 'review');
    return r.seats.some((s) => s.status === 'pending') ? r : undefined;
  });
  const delivery = await pollFor('a webhook delivery', 30_000, async () => (await db.query<{ id: string }>('select id from webhook_deliveries limit 1')).rows[0]?.id);
  const seated = reviewers.find((u) => review.seats.some((s) => s.reviewerId === u.id)) ?? reviewers[0]!;
  return {
    url,
    db,
    // The worker is stopped during a run: the report facts catch up here, as it would.
    settle: async (pool) => {
      await pool.query('SELECT report_catch_up(NULL)');
    },
    tokens: { admin: adminToken, lead: lead.token, reviewer: seated.token, dpo: dpo.token, chair: chair.token, funder: funder.token, outsider: outsider.token },
    fixtures: {
      pilot: pilot.id,
      programme,
      review: review.id,
      assignment: review.seats[0]!.assignmentId,
      webhook: hook.id,
      delivery,
      user: throwaway.id,
      agency: leadAgency,
    },
  };
}
