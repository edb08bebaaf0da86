/**
 * `npm run demo`: fills a running LabGate with a realistic portfolio through its public API —
 * the pilots the Council paper and the JRC notes talk about — and takes some of them through
 * the fund gate, so that there is something to look at. Each run makes a new cast of people.
 *
 *   LABGATE_URL (http://127.0.0.1:3000) and LABGATE_ADMIN_TOKEN (else BOOTSTRAP_ADMIN_TOKEN)
 */
import { randomBytes } from 'node:crypto';

const API = (process.env.LABGATE_URL ?? 'http://127.0.0.1:3000').replace(/\/$/, '');
const ADMIN = process.env.LABGATE_ADMIN_TOKEN ?? process.env.BOOTSTRAP_ADMIN_TOKEN;
const RUN = randomBytes(3).toString('hex');

type Json = Record<string, unknown>;

async function call(token: string, method: string, path: string, body?: unknown): Promise<Json> {
  const res = await fetch(`${API}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${text}`);
  return text ? (JSON.parse(text) as Json) : {};
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
  const user = await call(ADMIN!, 'POST', '/v1/users', { name, email, agency, roles });
  return { id: String(user.id), name, agency, roles, token: String(user.token) };
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
    fate: 'fund',
  },
  {
    title: 'Traceability of cultural goods against antiquities trafficking',
    summary: 'Provenance records of excavated and traded antiquities on a shared ledger with customs and museums.',
    domain: 'blockchain', lead: 'EUROPOL', partners: ['DGHOME'], personalData: false, sensitivity: 'public',
    budget: 30_000_000, trl: [3, 6],
    objective: 'Make it hard to sell a looted object with a forged provenance in the EU market.',
    exams: exams('objects registered by three partner museums', 'seized objects matched against the register'),
    fate: 'fund',
  },
  {
    title: 'Counter-drone detection at the external land border',
    summary: 'Passive RF and acoustic sensors fused to detect smuggling drones crossing the green border.',
    domain: 'drones', lead: 'FRONTEX', partners: ['EUROPOL'], personalData: false, sensitivity: 'restricted',
    budget: 80_000_000, trl: [5, 8],
    objective: 'Detect low-flying drones used for smuggling before they cross the border line.',
    exams: exams('detection rate ≥ 90 % at 2 km in field trials', 'false alarms ≤ 1 per week per sector'),
    fate: 'abandon',
  },
  {
    title: 'Deepfake detection for child sexual abuse material triage',
    summary: 'Classifiers that flag synthetic images so investigators focus on real victims first.',
    domain: 'ai', lead: 'EUROPOL', partners: ['EUROJUST'], personalData: true, sensitivity: 'restricted',
    budget: 25_000_000, trl: [4, 6],
    objective: 'Spend investigators’ time on real victims, not on generated images.',
    exams: exams('precision ≥ 0.95 on the benchmark set', 'triage time halved in two member states'),
    fate: 'open',
  },
  {
    title: 'Post-quantum cryptography for large-scale JHA information systems',
    summary: 'Inventory and migration plan of the cryptography protecting the links of SIS, VIS and Eurodac.',
    domain: 'quantum', lead: 'EULISA', partners: ['ENISA'], personalData: false, sensitivity: 'limited',
    budget: 50_000_000, trl: [3, 5],
    objective: 'Be ready before a quantum computer can read today’s recorded traffic.',
    exams: exams('cryptographic inventory of all interfaces', 'hybrid key exchange running on one link'),
    fate: 'proposal',
  },
  {
    title: 'Remittances of migrants over secure messaging',
    summary: 'Low-cost, traceable transfers of migrants’ funds, with the World Bank, to starve informal hawala networks.',
    domain: 'blockchain', lead: 'EUAA', partners: ['DGHOME'], personalData: true, sensitivity: 'public',
    budget: 20_000_000, trl: [2, 5],
    objective: 'Make the legal channel cheaper than the smuggler’s.',
    exams: exams('transfer cost below 3 % in the pilot corridor', '1,000 transfers without a compliance failure'),
    fate: 'proposal',
  },
] as const;

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
  const programme = await call(funder.token, 'POST', '/v1/programmes', { name: `ISF innovation envelope 2027 (demo ${RUN})`, envelopeCents: 250_000_000 });

  for (const p of PILOTS) {
    const lead = leads.get(p.lead)!;
    const pilot = await call(lead.token, 'POST', '/v1/pilots', {
      title: p.title,
      summary: p.summary,
      domain: p.domain,
      programmeId: programme.id,
      partnerAgencies: p.partners,
      trl: { current: p.trl[0], target: p.trl[1] },
      budgetRequestedCents: p.budget,
      personalData: p.personalData,
      ...(p.personalData ? { dpiaRef: `DPIA-2027-${RUN}` } : {}),
      sensitivity: p.sensitivity,
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
    });
    let line = `${pilot.code}  ${p.title}  [${p.domain}, ${p.sensitivity}]`;
    if (p.fate !== 'proposal') {
      const submitted = await call(lead.token, 'POST', `/v1/pilots/${pilot.id}/submissions`, {
        trancheCents: Math.round(p.budget / 3),
        trl: p.trl[0] + 1,
        examResults: [{ exam: 'mid-term', actual: 'met on the prototype', passed: true }],
        report: 'Prototype built and tried on historical cases with the partner agencies.',
      });
      const reviewId = String(submitted.gateReviewId);
      const review = await waitForSeats(chair.token, reviewId);
      if (p.fate !== 'open') {
        for (const seat of review.seats) {
          const voter = everyone.get(String(seat.reviewerId));
          if (!voter) continue;
          const go = p.fate === 'fund' || seat.seat !== 'funding';
          await call(voter.token, 'POST', `/v1/gate-reviews/${reviewId}/votes`, {
            recommendation: go ? 'fund' : 'abandon',
            scores: go ? { excellence: 4, impact: 4.5, implementation: 4 } : { excellence: 2, impact: 2.5, implementation: 2 },
            rationale: go ? 'Clear exams, proportionate tranche.' : 'The field trial cannot be run within the envelope.',
          });
        }
      }
      line += `  → fund gate: ${p.fate === 'open' ? 'votes pending' : `voted ${p.fate}`}`;
    }
    console.log(line);
  }
  console.log(`\nProgramme ${programme.id}. Tokens of the demo cast (shown once):`);
  for (const p of everyone.values()) console.log(`  ${p.roles.join('+').padEnd(8)} ${p.agency.padEnd(9)} ${p.name.padEnd(20)} ${p.token}`);
}

async function waitForSeats(token: string, reviewId: string): Promise<{ seats: Array<{ seat: string; reviewerId: string | null; status: string }> }> {
  for (let i = 0; i < 100; i++) {
    const review = (await call(token, 'GET', `/v1/gate-reviews/${reviewId}`)) as { seats: Array<{ seat: string; reviewerId: string | null; status: string }> };
    if (review.seats.some((s) => s.status === 'pending')) return review;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the worker did not seat review ${reviewId} within 10 s: is it running?`);
}

main().catch((err: unknown) => {
  console.error(`demo: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
