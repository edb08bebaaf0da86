/**
 * `npm run verify -- PROOF_FILE --key KEY`: checks a LabGate proof file offline — the
 * checkpoint's Ed25519 signature by the published key (KEY: the vkey, or a file holding it, as
 * served by GET /v1/transparency/key), the event's own hash, and the RFC 9162 path from its leaf
 * to the signed root. Exit 0 and one line describing what was proven, or exit 1 and one line
 * saying why not. Uses only node:crypto (libs/domain/src/tlog.ts; algorithm in docs/transparency.md).
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { verifyProofFile } from '@labgate/domain';

function main(): number {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { key: { type: 'string' } } });
  const [file] = positionals;
  if (!file || !values.key) {
    console.error('usage: npm run verify -- PROOF_FILE --key KEY');
    return 2;
  }
  const vkey = existsSync(values.key) ? readFileSync(values.key, 'utf8').trim() : values.key.trim();
  const result = verifyProofFile(readFileSync(file, 'utf8'), vkey);
  if (!result.ok) {
    console.error(`not verified: ${result.reason}`);
    return 1;
  }
  const e = result.event;
  console.log(`verified: ${e.action} (seq ${e.seq} of pilot ${e.pilotId}, ${e.at}) is in ${result.checkpoint.origin} at size ${result.checkpoint.size}`);
  return 0;
}

process.exitCode = main();
