/**
 * `npm run demo`: fills a running LabGate with a realistic portfolio through its public API —
 * the pilots the Council paper and the JRC notes talk about — and drives a year of their
 * history through the real workflow: submissions, votes, a data-protection veto, a revision,
 * an escalation decided by the chair, spend every month, a test gate, an acceleration, a kill at
 * the test gate and a withdrawal with lessons learned. Each run makes a new cast of people.
 *
 * The demo clock: the year is replayed in seconds, each step noting the story date it stands
 * for; afterwards (with DATABASE_URL) the timestamps of the demo's own rows — pilots, stage
 * intervals, money movements, spend, reviews, seats and votes — are mapped piecewise-linearly
 * from the run onto the story dates, so time in stage and monthly burn read as a year. The audit
 * chain keeps the real times it was recorded at (its hashes cover them). See docs/reports.md.
 *
 *   LABGATE_URL (http://127.0.0.1:3000), LABGATE_ADMIN_TOKEN (else BOOTSTRAP_ADMIN_TOKEN),
 *   DATABASE_URL (postgres://postgres@127.0.0.1:5432/labgate; DEMO_CLOCK=off leaves times real)
 */
import { randomBytes } from 'node:crypto';
import { createLabGateClient, ok, type LabGateClient, type Schemas } from '@labgate/client';
import { applyDemoClock } from './demo-clock';

const API = (process.env.LABGATE_URL ?? 'http://127.0.0.1:3000').replace(/\/$/, '');
const ADMIN = process.env.LABGATE_ADMIN_TOKEN ?? process.env.BOOTSTRAP_ADMIN_TOKEN;
const RUN = randomBytes(3).toString('hex');

type Body<K extends keyof Schemas> = Schemas[K];

/** The generated client acting with `token` (one per person, reused). */
const clients = new Map<string, LabGateClient>();
function as(token: string): LabGateClient {
  let client = clients.get(token);
  if (!client) clients.set(token, (client = createLabGateClient(API, token)));
  return client;
}

interface Person {
  id: string;
  name: string;
  agency: string;
  roles: string[];
  token: string;
}

async function person(name: string, agency: string, roles: string[]): Promise<Person> {
  const email = `${name.toLowerCase().replace(/[^a-z]+/g, '.')}.${RUN}@${agency.toLowerCase()}.demo.europa.eu`;
  const user = await ok(as(ADMIN!).POST('/v1/users', { body: { name, email, agency, roles: roles as Body<'CreateUserRequestDto'>['roles'] } }), 'create user');
  return { id: user.id, name, agency, roles, token: user.token };
}

const exams = (mid: string, final: string) => [
  { name: 'mid-term', metric: mid, target: 'met', dueBy: '2027-06-30' },
  { name: 'final', metric: final, target: 'met', dueBy: '2027-12-15' },
];

/** The portfolio: technology domain, agencies, and the Heilmeier answers in a line each. */
const PILOTS = [
  {
    title: 'Blockchain custody ledger for joint investigation teams',
    summary: 'A permissioned ledger recording the chain of custody of e-evidence exchanged inside JITs.',
    domain: 'blockchain', lead: 'EUROPOL', partners: ['EUROJUST'], personalData: true, sensitivity: 'limited',
    budget: 45_000_000, trl: [4, 7],
    objective: 'Let JIT members prove who held each piece of evidence and when, across borders.',
    exams: exams('evidence items with a verifiable custody trail ≥ 95 %', 'no custody challenge upheld in pilot cases'),
  },
  {
    title: 'Traceability of cultural goods against antiquities trafficking',
    summary: 'Provenance records of excavated and traded antiquities on a shared ledger with customs and museums.',
    domain: 'blockchain', lead: 'EUROPOL', partners: ['DGHOME'], personalData: false, sensitivity: 'public',
    budget: 30_000_000, trl: [3, 6],
    objective: 'Make it hard to sell a looted object with a forged provenance in the EU market.',
    exams: exams('objects registered by three partner museums', 'seized objects matched against the register'),
  },
  {
    title: 'Counter-drone detection at the external land border',
    summary: 'Passive RF and acoustic sensors fused to detect smuggling drones crossing the green border.',
    domain: 'drones', lead: 'FRONTEX', partners: ['EUROPOL'], personalData: false, sensitivity: 'restricted',
    budget: 80_000_000, trl: [5, 8],
    objective: 'Detect low-flying drones used for smuggling before they cross the border line.',
    exams: exams('detection rate ≥ 90 % at 2 km in field trials', 'false alarms ≤ 1 per week per sector'),
  },
  {
    title: 'Deepfake detection for child sexual abuse material triage',
    summary: 'Classifiers that flag synthetic images so investigators focus on real victims first.',
    domain: 'ai', lead: 'EUROPOL', partners: ['EUROJUST'], personalData: true, sensitivity: 'restricted',
    budget: 25_000_000, trl: [4, 6],
    objective: 'Spend investigators’ time on real victims, not on generated images.',
    exams: exams('precision ≥ 0.95 on the benchmark set', 'triage time halved in two member states'),
  },
  {
    title: 'Post-quantum cryptography for large-scale JHA information systems',
    summary: 'Inventory and migration plan of the cryptography protecting the links of SIS, VIS and Eurodac.',
    domain: 'quantum', lead: 'EULISA', partners: ['ENISA'], personalData: false, sensitivity: 'limited',
    budget: 50_000_000, trl: [3, 5],
    objective: 'Be ready before a quantum computer can read today’s recorded traffic.',
    exams: exams('cryptographic inventory of all interfaces', 'hybrid key exchange running on one link'),
  },
  {
    title: 'Remittances of migrants over secure messaging',
    summary: 'Low-cost, traceable transfers of migrants’ funds, with the World Bank, to starve informal hawala networks.',
    domain: 'blockchain', lead: 'EUAA', partners: ['DGHOME'], personalData: true, sensitivity: 'public',
    budget: 20_000_000, trl: [2, 5],
    objective: 'Make the legal channel cheaper than the smuggler’s.',
    exams: exams('transfer cost below 3 % in the pilot corridor', '1,000 transfers without a compliance failure'),
  },
] as const;

type Pilot = { id: string; code: string; title: string; lead: Person; reviewId?: string; trl: number };
type Step = { date: string; what: string; run: () => Promise<void> };

const GOOD = { excellence: 4, impact: 4.5, implementation: 4 };
const WEAK = { excellence: 3, impact: 3, implementation: 2.5 };
const POOR = { excellence: 2, impact: 2, implementation: 1.5 };

async function main(): Promise<void> {
  if (!ADMIN) throw new Error('set LABGATE_ADMIN_TOKEN (or BOOTSTRAP_ADMIN_TOKEN) to an admin token');
  const agencies = new Set<string>(PILOTS.flatMap((p) => [p.lead, ...p.partners]));
  const funder = await person('Marta Kowalska', 'DGHOME', ['funder']);
  const chair = await person('Jean Dupont', 'EUROPOL', ['chair']);
  const dpo = await person('Ingrid Berg', 'EUROPOL', ['dpo']);
  const leads = new Map<string, Person>();
  const reviewers = new Map<string, Person>();
  for (const agency of agencies) {
    leads.set(agency, await person(`Lead ${agency}`, agency, ['lead']));
    reviewers.set(agency, await person(`Reviewer ${agency}`, agency, ['reviewer']));
  }
  const everyone = new Map([funder, chair, dpo, ...leads.values(), ...reviewers.values()].map((p) => [p.id, p]));
  const clock: Array<{ real: Date; story: string }> = [{ real: new Date(), story: '2025-12-01' }];
  const programme = await ok(as(funder.token).POST('/v1/programmes', { body: { name: `ISF innovation envelope 2026 (demo ${RUN})`, envelopeCents: 250_000_000 } }), 'create programme');
  const pilots = new Map<string, Pilot>();
  const byTitle = (start: string) => {
    const p = [...pilots.values()].find((x) => x.title.startsWith(start));
    if (!p) throw new Error(`no demo pilot ${start}`);
    return p;
  };

  const propose = (index: number) => async () => {
    const p = PILOTS[index]!;
    const lead = leads.get(p.lead)!;
    const body = {
      title: p.title,
      summary: p.summary,
      domain: p.domain,
      programmeId: programme.id,
      partnerAgencies: [...p.partners],
      trl: { current: p.trl[0], target: p.trl[1] },
      budgetRequestedCents: p.budget,
      personalData: p.personalData,
      ...(p.personalData ? { dpiaRef: `DPIA-2026-${RUN}` } : {}),
      sensitivity: p.sensitivity,
      // AI pilots carry their AI Act class; law-enforcement triage of this kind is high-risk (Annex III).
      ...(p.domain === 'ai' ? { aiActClass: 'high-risk', friaRef: `FRIA-2026-${RUN}` } : {}),
      heilmeier: {
        objective: p.objective,
        currentPractice: 'Done by hand, per member state, with gaps between agencies.',
        novelty: 'One shared tool across the agencies involved, tested against real cases.',
        impact: 'Faster, better-founded cross-border work for the agencies involved.',
        risks: 'Integration with national systems; legal acceptance; adoption.',
        cost: `EUR ${(p.budget / 100).toLocaleString('en')} over 18 months.`,
        schedule: 'Prototype in 6 months, field test in 12, evaluation in 18.',
        exams: p.exams,
      },
    } as Body<'CreatePilotRequestDto'>;
    const pilot = await ok(as(lead.token).POST('/v1/pilots', { body }), `propose ${p.title}`);
    pilots.set(pilot.id, { id: pilot.id, code: pilot.code, title: p.title, lead, trl: p.trl[0] });
    console.log(`${pilot.code}  ${p.title}  [${p.domain}, ${p.sensitivity}]`);
  };
  const submit = (title: string, trancheCents: number) => async () => {
    const pilot = byTitle(title);
    pilot.trl = Math.min(9, pilot.trl + 1);
    const submitted = await ok(
      as(pilot.lead.token).POST('/v1/pilots/{id}/submissions', {
        params: { path: { id: pilot.id } },
        body: {
          trancheCents,
          trl: pilot.trl,
          examResults: [{ exam: 'mid-term', actual: 'met on the prototype', passed: true }],
          report: 'Prototype built and tried on historical cases with the partner agencies.',
        },
      }),
      'submit',
    );
    pilot.reviewId = submitted.gateReviewId;
    await waitForSeats(chair.token, pilot.reviewId);
  };
  /** Every seat votes `vote(seat)`; waits for the decision (or escalation). */
  const votes = (title: string, vote: (seat: string, gate: string) => string) => async () => {
    const pilot = byTitle(title);
    const read = () => ok(as(chair.token).GET('/v1/gate-reviews/{id}', { params: { path: { id: pilot.reviewId! } } }), 'read review');
    let review = await read();
    // On a shared install a seat may have gone to someone outside the demo's cast: the chair
    // gives it to the cast member who would hold it.
    for (const seat of review.seats) {
      if (seat.status !== 'pending' || everyone.has(String(seat.reviewerId))) continue;
      const holder = seat.seat === 'data-protection' ? dpo : seat.seat === 'funding' ? funder : reviewers.get(seat.seat);
      if (holder) await ok(as(chair.token).POST('/v1/assignments/{id}/reassign', { params: { path: { id: seat.assignmentId } }, body: { reviewerId: holder.id } }), 'reassign');
    }
    review = await read();
    for (const seat of review.seats) {
      const voter = everyone.get(String(seat.reviewerId));
      if (!voter || seat.status !== 'pending') continue;
      const recommendation = vote(seat.seat, review.gate) as Body<'VoteRequestDto'>['recommendation'];
      const scores = recommendation === review.gate ? GOOD : recommendation === 'revise' ? WEAK : POOR;
      const rationale =
        recommendation === review.gate ? 'Exams met, proportionate tranche.' : recommendation === 'revise' ? 'Promising; the evidence for this gate is not there yet.' : 'The field results do not justify more money.';
      await ok(as(voter.token).POST('/v1/gate-reviews/{id}/votes', { params: { path: { id: pilot.reviewId! } }, body: { recommendation, scores, rationale } }), 'vote');
    }
    const decided = await waitForDecision(chair.token, pilot.reviewId!);
    console.log(`${pilot.code}  ${review.gate} gate: ${decided}`);
  };
  const chairDecides = (title: string, outcome: string, rationale: string) => async () => {
    const pilot = byTitle(title);
    const body = { outcome, rationale } as Body<'DecisionRequestDto'>;
    await ok(as(chair.token).POST('/v1/gate-reviews/{id}/decision', { params: { path: { id: pilot.reviewId! } }, body }), 'decide');
    console.log(`${pilot.code}  decided by the chair: ${outcome}`);
  };
  const spend = (date: string, amounts: Array<[string, number]>) => async () => {
    for (const [title, amountCents] of amounts) {
      const pilot = byTitle(title);
      const body = { amountCents, description: `Work package costs ${date.slice(0, 7)}`, spentOn: date };
      await ok(as(pilot.lead.token).POST('/v1/pilots/{id}/expenditures', { params: { path: { id: pilot.id } }, body }), 'report spend');
    }
  };
  /** The lead records a compliance document (an edit: If-Match the version read). */
  const record = (title: string, fields: Record<string, string>) => async () => {
    const pilot = byTitle(title);
    const lead = as(pilot.lead.token);
    const current = await ok(lead.GET('/v1/pilots/{id}', { params: { path: { id: pilot.id } } }), 'read pilot');
    await ok(lead.PATCH('/v1/pilots/{id}', { params: { path: { id: pilot.id }, header: { 'If-Match': `"${current.version}"` } }, body: fields }), 'edit pilot');
  };
  const withdraw = (title: string, lessonsLearned: string) => async () => {
    const pilot = byTitle(title);
    await ok(as(pilot.lead.token).POST('/v1/pilots/{id}/withdrawal', { params: { path: { id: pilot.id } }, body: { lessonsLearned } }), 'withdraw');
    console.log(`${pilot.code}  withdrawn by its lead`);
  };
  const all = (_seat: string, gate: string) => gate;
  const dpoObjects = (seat: string, gate: string) => (seat === 'data-protection' ? 'revise' : gate);
  const revise = (seat: string, gate: string) => (seat === 'data-protection' || seat === 'funding' ? gate : 'revise');
  const kill = () => 'abandon';
  const monthly = (date: string, titles: string[], cents: number) => ({ date, what: `spend ${date.slice(0, 7)}`, run: spend(date, titles.map((t) => [t, cents])) });

  const JIT = 'Blockchain custody', ART = 'Traceability', DRONE = 'Counter-drone', FAKE = 'Deepfake', PQC = 'Post-quantum', REMIT = 'Remittances';
  const story: Step[] = [
    { date: '2025-12-03', what: 'propose JIT ledger', run: propose(0) },
    { date: '2025-12-10', what: 'propose antiquities', run: propose(1) },
    { date: '2026-01-08', what: 'JIT ledger to the fund gate', run: submit(JIT, 15_000_000) },
    { date: '2026-01-12', what: 'antiquities to the fund gate', run: submit(ART, 10_000_000) },
    { date: '2026-01-15', what: 'propose counter-drone', run: propose(2) },
    { date: '2026-01-20', what: 'JIT ledger: the DPO vetoes (revise)', run: votes(JIT, dpoObjects) },
    { date: '2026-01-22', what: 'antiquities funded', run: votes(ART, all) },
    { date: '2026-02-05', what: 'JIT ledger resubmitted', run: submit(JIT, 15_000_000) },
    { date: '2026-02-09', what: 'propose remittances', run: propose(5) },
    { date: '2026-02-12', what: 'counter-drone to the fund gate', run: submit(DRONE, 25_000_000) },
    { date: '2026-02-16', what: 'JIT ledger funded in round 2', run: votes(JIT, all) },
    { date: '2026-02-25', what: 'counter-drone funded', run: votes(DRONE, all) },
    { date: '2026-03-02', what: 'remittances to the fund gate', run: submit(REMIT, 6_000_000) },
    { date: '2026-03-10', what: 'propose deepfake triage', run: propose(3) },
    { date: '2026-03-16', what: 'remittances funded', run: votes(REMIT, all) },
    monthly('2026-03-31', [JIT, ART, DRONE], 1_500_000),
    { date: '2026-04-06', what: 'deepfake triage to the fund gate', run: submit(FAKE, 8_000_000) },
    { date: '2026-04-20', what: 'deepfake triage revised', run: votes(FAKE, revise) },
    monthly('2026-04-30', [JIT, ART, DRONE, REMIT], 1_000_000),
    { date: '2026-05-04', what: 'deepfake triage resubmitted', run: submit(FAKE, 8_000_000) },
    { date: '2026-05-18', what: 'deepfake triage revised again: escalated', run: votes(FAKE, revise) },
    { date: '2026-05-26', what: 'the chair funds deepfake triage', run: chairDecides(FAKE, 'fund', 'Investigators need it now; the exams are tightened for the test gate.') },
    monthly('2026-05-31', [JIT, ART, DRONE, REMIT], 1_000_000),
    { date: '2026-06-08', what: 'antiquities to the test gate', run: submit(ART, 0) },
    {
      date: '2026-06-15',
      what: 'remittances withdrawn',
      run: withdraw(REMIT, 'The corridor partner left; informal hawala fees undercut any regulated channel we could offer. Start with the fee gap, not the technology.'),
    },
    { date: '2026-06-22', what: 'antiquities to testing', run: votes(ART, all) },
    monthly('2026-06-30', [JIT, ART, DRONE, FAKE], 1_200_000),
    monthly('2026-07-31', [JIT, ART, DRONE, FAKE], 1_200_000),
    { date: '2026-08-10', what: 'counter-drone to the test gate', run: submit(DRONE, 0) },
    { date: '2026-08-24', what: 'counter-drone abandoned at the test gate', run: votes(DRONE, kill) },
    monthly('2026-08-31', [JIT, ART, FAKE], 1_000_000),
    { date: '2026-09-07', what: 'JIT ledger to the test gate', run: submit(JIT, 0) },
    { date: '2026-09-14', what: 'propose post-quantum migration', run: propose(4) },
    { date: '2026-09-21', what: 'JIT ledger to testing', run: votes(JIT, all) },
    monthly('2026-09-30', [JIT, ART, FAKE], 1_000_000),
    { date: '2026-09-28', what: 'antiquities: security accreditation obtained', run: record(ART, { securityAccreditationRef: `EU-SEC-ACC-2026-${RUN}` }) },
    { date: '2026-10-05', what: 'antiquities to the accelerate gate', run: submit(ART, 10_000_000) },
    { date: '2026-10-19', what: 'antiquities accelerated', run: votes(ART, all) },
    monthly('2026-10-31', [JIT, ART, FAKE], 1_000_000),
    { date: '2026-11-26', what: 'post-quantum migration to the fund gate', run: submit(PQC, 12_000_000) },
    monthly('2026-11-30', [JIT, ART, FAKE], 800_000),
  ];
  for (const step of story) {
    clock.push({ real: new Date(), story: step.date });
    await step.run();
  }
  clock.push({ real: new Date(), story: new Date().toISOString() });

  const ids = [...pilots.values()].map((p) => p.id);
  if (process.env.DEMO_CLOCK === 'off') console.log('\nDEMO_CLOCK=off: the history keeps the times of this run.');
  else {
    await applyDemoClock(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/labgate', clock, ids, String(programme.id));
    console.log(`\nDemo clock applied: ${clock[0]!.story} to today, ${clock.length} checkpoints.`);
  }
  console.log(`Programme ${programme.id}. Tokens of the demo cast (shown once):`);
  for (const p of everyone.values()) console.log(`  ${p.roles.join('+').padEnd(8)} ${p.agency.padEnd(9)} ${p.name.padEnd(20)} ${p.token}`);
}

async function waitForDecision(token: string, reviewId: string): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const review = await ok(as(token).GET('/v1/gate-reviews/{id}', { params: { path: { id: reviewId } } }), 'read review');
    if (review.status === 'decided') return review.decision!.outcome;
    if (review.status === 'escalated') return `escalated (${review.escalationReason ?? 'to the chair'})`;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`review ${reviewId} was not decided within 10 s: is the worker running?`);
}

async function waitForSeats(token: string, reviewId: string): Promise<Schemas['GateReviewResponseDto']> {
  for (let i = 0; i < 100; i++) {
    const review = await ok(as(token).GET('/v1/gate-reviews/{id}', { params: { path: { id: reviewId } } }), 'read review');
    if (review.seats.some((s) => s.status === 'pending')) return review;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the worker did not seat review ${reviewId} within 10 s: is it running?`);
}

main().catch((err: unknown) => {
  console.error(`demo: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
