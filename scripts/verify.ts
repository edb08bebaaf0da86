/**
 * `npm run verify -- PROOF_FILE --key KEY`: checks a LabGate proof file offline — the
 * checkpoint's Ed25519 signature by the published key (KEY: the vkey, or a file holding it, as
 * served by GET /v1/transparency/key), the event's own hash, and the RFC 9162 path from its leaf
 * to the signed root.
 *
 * `npm run verify -- CONSISTENCY_FILE --from OLD_CHECKPOINT --to NEW_CHECKPOINT --key KEY`:
 * checks that the later signed checkpoint extends the earlier one (the log was only appended to).
 *
 * Exit 0 and one line describing what was proven, or exit 1 and one line saying why not. Uses
 * only node:crypto (libs/domain/src/tlog.ts; the algorithm in docs/transparency.md).
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { openNote, parseCheckpointText, verifyConsistency, verifyProofFile } from '@labgate/domain';

function checkpointOf(file: string, vkey: string): { origin: string; size: number; root: Buffer } | string {
  const text = openNote(readFileSync(file, 'utf8'), vkey);
  if (text === null) return `${file} is not a checkpoint signed by this key`;
  return parseCheckpointText(text) ?? `${file} does not hold a checkpoint`;
}

function main(): number {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { key: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' } },
  });
  const [file] = positionals;
  if (!file || !values.key || (values.from === undefined) !== (values.to === undefined)) {
    console.error('usage: npm run verify -- PROOF_FILE --key KEY | CONSISTENCY_FILE --from OLD_CHECKPOINT --to NEW_CHECKPOINT --key KEY');
    return 2;
  }
  const vkey = existsSync(values.key) ? readFileSync(values.key, 'utf8').trim() : values.key.trim();

  if (values.from !== undefined && values.to !== undefined) {
    const older = checkpointOf(values.from, vkey);
    const newer = checkpointOf(values.to, vkey);
    for (const c of [older, newer]) {
      if (typeof c === 'string') {
        console.error(`not verified: ${c}`);
        return 1;
      }
    }
    const [a, b] = [older, newer] as Array<{ origin: string; size: number; root: Buffer }>;
    const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
    const proof = lines.map((l) => Buffer.from(l, 'base64'));
    if (proof.some((h, i) => h.length !== 32 || h.toString('base64') !== lines[i])) {
      console.error('not verified: the consistency proof is not base64 hashes, one a line');
      return 1;
    }
    if (a!.origin !== b!.origin || !verifyConsistency(a!.size, b!.size, a!.root, b!.root, proof)) {
      console.error(`not verified: the checkpoint of size ${b!.size} does not extend the one of size ${a!.size}`);
      return 1;
    }
    console.log(`verified: ${b!.origin} at size ${b!.size} extends size ${a!.size}`);
    return 0;
  }

  const result = verifyProofFile(readFileSync(file, 'utf8'), vkey);
  if (!result.ok) {
    console.error(`not verified: ${result.reason}`);
    return 1;
  }
  const e = result.event;
  console.log(`verified: ${e.action} (seq ${e.seq} of pilot ${e.pilotId}, ${e.at}) is in ${result.checkpoint.origin} at size ${result.checkpoint.size}`);
  return 0;
}

/** A file that cannot be read (missing, a directory, no permission) is a reason, on one line like the others. */
function run(): number {
  try {
    return main();
  } catch (err) {
    const { code, path } = err as NodeJS.ErrnoException;
    if (code === undefined || path === undefined) throw err;
    console.error(`not verified: cannot read ${path} (${code === 'ENOENT' ? 'no such file' : code})`);
    return 1;
  }
}

process.exitCode = run();
