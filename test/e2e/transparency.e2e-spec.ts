import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { openNote, parseCheckpointText, verifyConsistency } from '@labgate/domain';
import { DIST_ROOT, LOG_DIR } from '../support/processes';
import { startApi, TestApi } from './support/api';
import { createUser, expectProblem } from './support/fixtures';
import { Cast, createCast, proposePilot, seated, settled, submit, voteAll } from './support/workflow';

const text = async (res: Promise<{ status: number; text: string }>) => {
  const r = await res;
  expect(r.status).toBe(200);
  return r.text;
};

const written = (content: string) => {
  mkdirSync(LOG_DIR, { recursive: true });
  const file = path.join(LOG_DIR, `proof-${process.pid}-${Math.random().toString(36).slice(2)}.txt`);
  writeFileSync(file, content);
  return file;
};

/** `npm run verify` on a file: its exit code and its one line. */
function verify(proof: string, key: string, extra: string[] = []): { code: number | null; line: string } {
  const run = spawnSync(process.execPath, [path.join(DIST_ROOT, 'scripts/verify.js'), written(proof), '--key', key, ...extra], { encoding: 'utf8' });
  return { code: run.status, line: (run.stdout + run.stderr).trim() };
}

/** Decisions an outsider can check offline (DESIGN §4b). */
describe('transparency log and proofs', () => {
  let api: TestApi;
  let cast: Cast;
  let vkey: string;

  beforeAll(async () => {
    api = await startApi();
    cast = await createCast(api);
    vkey = (await text(api.http.get('/v1/transparency/key').set(cast.lead.auth))).trim();
  });
  afterAll(() => api.close());

  const decided = async () => {
    const pilot = await proposePilot(api, cast);
    const review = await seated(api, cast, await submit(api, cast, pilot.id, 2_000_000));
    await voteAll(api, cast, review, () => ({ recommendation: 'fund' }));
    await settled(api, cast, review.id);
    return { pilot, review };
  };

  it('publishes the verifier key in signed-note vkey form', () => {
    expect(vkey).toMatch(/^[A-Za-z0-9./-]+\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$/);
  });

  it('proves a decision to the offline verifier, and refuses the proof with one byte changed anywhere', async () => {
    const { review } = await decided();
    const proof = await text(api.http.get(`/v1/gate-reviews/${review.id}/proof`).set(cast.lead.auth));
    const lines = proof.split('\n');
    expect(lines[0]).toBe('c2sp.org/tlog-proof@v1');
    expect(lines[1]).toMatch(/^extra [A-Za-z0-9+/=]+$/);
    expect(lines[2]).toMatch(/^index \d+$/);
    const event = JSON.parse(Buffer.from(lines[1]!.slice(6), 'base64').toString('utf8'));
    expect(event).toEqual(expect.objectContaining({ action: 'gate.decided', hash: expect.stringMatching(/^[0-9a-f]{64}$/) }));
    expect(event.payload.gateReviewId).toBe(review.id);

    const ok = verify(proof, vkey);
    expect(ok).toEqual({ code: 0, line: expect.stringMatching(/^verified: gate\.decided \(seq \d+ of pilot [0-9a-f-]{36}, .*\) is in \S+ at size \d+$/) });

    const tamperedEvent = proof.replace(lines[1]!, `extra ${Buffer.from(JSON.stringify({ ...event, payload: { ...event.payload, outcome: 'abandon' } })).toString('base64')}`);
    expect(verify(tamperedEvent, vkey)).toEqual({ code: 1, line: 'not verified: the event does not match its hash' });
    const blank = proof.indexOf('\n\n');
    // The log holds every event of the run: the path has at least one hash to alter.
    const pathLine = proof.slice(0, blank).split('\n').findIndex((l, i) => i >= 3 && l.length > 0);
    expect(pathLine).toBeGreaterThanOrEqual(3);
    const original = lines[pathLine]!;
    const flipped = Buffer.from(original, 'base64');
    flipped[0]! ^= 1;
    expect(verify(proof.replace(original, flipped.toString('base64')), vkey)).toEqual({ code: 1, line: expect.stringMatching(/^not verified: the path does not lead from leaf \d+/) });
    const note = proof.slice(blank + 2);
    const size = note.split('\n')[1]!;
    expect(verify(proof.replace(`\n${size}\n`, `\n${Number(size) + 1}\n`), vkey)).toEqual({ code: 1, line: 'not verified: the checkpoint is not signed by this key' });
    const otherKey = vkey.replace(/\+[A-Za-z0-9+/]{44}$/, `+${Buffer.concat([Buffer.from([1]), Buffer.alloc(32, 9)]).toString('base64')}`);
    expect(otherKey).not.toBe(vkey);
    expect(verify(proof, otherKey)).toEqual({ code: 1, line: 'not verified: the checkpoint is not signed by this key' });
    // A file that is not there is a reason like the others, not a stack trace.
    const missing = path.join(LOG_DIR, 'no-such-checkpoint.txt');
    expect(verify(proof, vkey, ['--from', missing, '--to', missing])).toEqual({ code: 1, line: `not verified: cannot read ${missing} (no such file)` });
  });

  it('proves that a later checkpoint extends an earlier one, and refuses a forged later root', async () => {
    const first = await decided();
    await text(api.http.get(`/v1/gate-reviews/${first.review.id}/proof`).set(cast.lead.auth));
    const earlier = await text(api.http.get('/v1/transparency/checkpoint').set(cast.lead.auth));
    const second = await decided();
    await text(api.http.get(`/v1/gate-reviews/${second.review.id}/proof`).set(cast.lead.auth));
    const later = await text(api.http.get('/v1/transparency/checkpoint').set(cast.lead.auth));
    const a = parseCheckpointText(openNote(earlier, vkey)!)!;
    const b = parseCheckpointText(openNote(later, vkey)!)!;
    expect(b.size).toBeGreaterThan(a.size);
    expect(await text(api.http.get('/v1/transparency/checkpoint').query({ size: a.size }).set(cast.lead.auth))).toBe(earlier);
    const proof = (await text(api.http.get('/v1/transparency/consistency').query({ from: a.size, to: b.size }).set(cast.lead.auth)))
      .split('\n')
      .filter(Boolean)
      .map((l) => Buffer.from(l, 'base64'));
    expect(verifyConsistency(a.size, b.size, a.root, b.root, proof)).toBe(true);
    const forged = Buffer.from(b.root);
    forged[5]! ^= 1;
    expect(verifyConsistency(a.size, b.size, a.root, forged, proof)).toBe(false);
    // The same, offline, with the verifier.
    const proofText = proof.map((h) => `${h.toString('base64')}\n`).join('');
    expect(verify(proofText, vkey, ['--from', written(earlier), '--to', written(later)])).toEqual({ code: 0, line: `verified: ${b.origin} at size ${b.size} extends size ${a.size}` });
    expect(verify(proofText, vkey, ['--from', written(later), '--to', written(earlier)]).code).toBe(1);
    expect(verify(proofText, vkey, ['--from', written(earlier), '--to', written(later.replace(b.root.toString('base64'), forged.toString('base64')))])).toEqual({
      code: 1,
      line: expect.stringMatching(/is not a checkpoint signed by this key$/),
    });
    expectProblem(await api.http.get('/v1/transparency/consistency').query({ from: b.size, to: a.size }).set(cast.lead.auth), 400);
    expectProblem(await api.http.get('/v1/transparency/checkpoint').query({ size: 10_000_000 }).set(cast.lead.auth), 404);
  });

  it('proves a vote by its content hash only, and shows proofs only to readers who may see the pilot', async () => {
    const pilot = await proposePilot(api, cast, { sensitivity: 'restricted' });
    const review = await seated(api, cast, await submit(api, cast, pilot.id, 1_000_000));
    await voteAll(api, cast, review, () => ({ recommendation: 'fund', rationale: 'A rationale that must stay secret.' }));
    await settled(api, cast, review.id);
    const audit = (await api.http.get(`/v1/pilots/${pilot.id}/audit?limit=100`).set(cast.lead.auth)).body.items as Array<{ seq: number; action: string }>;
    const voteEvent = audit.find((e) => e.action === 'vote.cast')!;
    const proof = await text(api.http.get(`/v1/pilots/${pilot.id}/audit/${voteEvent.seq}/proof`).set(cast.lead.auth));
    const extra = Buffer.from(proof.split('\n')[1]!.slice(6), 'base64').toString('utf8');
    expect(JSON.parse(extra).payload).toEqual({ gateReviewId: review.id, seat: expect.any(String), contentHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(extra).not.toContain('must stay secret');
    expect(verify(proof, vkey).code).toBe(0);

    const outsider = await createUser(api, 'EUAA', ['lead']);
    expectProblem(await api.http.get(`/v1/pilots/${pilot.id}/audit/${voteEvent.seq}/proof`).set(outsider.auth), 404);
    expectProblem(await api.http.get(`/v1/gate-reviews/${review.id}/proof`).set(outsider.auth), 404);
    expectProblem(await api.http.get(`/v1/pilots/${pilot.id}/audit/99999/proof`).set(cast.lead.auth), 404);
    expectProblem(await api.http.get(`/v1/pilots/${pilot.id}/audit/99999999999/proof`).set(cast.lead.auth), 400);
    const open = await seated(api, cast, await submit(api, cast, (await proposePilot(api, cast)).id, 1_000_000));
    expectProblem(await api.http.get(`/v1/gate-reviews/${open.id}/proof`).set(cast.lead.auth), 409, 'GATE.NOT_DECIDED');
  });
});
