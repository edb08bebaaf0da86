import { generateKeyPairSync, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import {
  checkpointText,
  consistencyProof,
  ed25519FromSeed,
  inclusionProof,
  leafHash,
  nodeHash,
  openNote,
  signNote,
  treeHash,
  verifierKey,
  verifyConsistency,
  verifyInclusion,
} from './tlog';

const leavesOf = (n: number, salt: number) => Array.from({ length: n }, (_, i) => leafHash(Buffer.from(`leaf ${salt} ${i}`)));
const flip = (b: Buffer, at = 0) => {
  const c = Buffer.from(b);
  c[at % c.length] ^= 1;
  return c;
};

describe('transparency log (RFC 9162)', () => {
  it('hashes as RFC 9162: leaves with 0x00, nodes with 0x01, split at the largest power of two', () => {
    const [a, b, c] = leavesOf(3, 1) as [Buffer, Buffer, Buffer];
    expect(treeHash([a])).toEqual(a);
    expect(treeHash([a, b])).toEqual(nodeHash(a, b));
    expect(treeHash([a, b, c])).toEqual(nodeHash(nodeHash(a, b), c));
    expect(treeHash([]).toString('hex')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    // The RFC 6962 test vector: the empty leaf.
    expect(leafHash(Buffer.alloc(0)).toString('hex')).toBe('6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d');
  });

  it('every inclusion proof verifies in trees of 1 to 5,000 leaves, and no altered one does', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5000 }), fc.nat(), fc.nat(), (n, i, salt) => {
        const leaves = leavesOf(n, salt);
        const index = i % n;
        const root = treeHash(leaves);
        const path = inclusionProof(index, leaves);
        expect(verifyInclusion(index, n, leaves[index]!, path, root)).toBe(true);
        expect(verifyInclusion(index, n, flip(leaves[index]!), path, root)).toBe(false);
        expect(verifyInclusion(index, n, leaves[index]!, path, flip(root))).toBe(false);
        if (path.length > 0) {
          expect(verifyInclusion(index, n, leaves[index]!, path.map((p, k) => (k === i % path.length ? flip(p, salt) : p)), root)).toBe(false);
          expect(verifyInclusion(index, n, leaves[index]!, path.slice(1), root)).toBe(false);
        }
        if (n > 1) expect(verifyInclusion((index + 1) % n, n, leaves[index]!, path, root)).toBe(false);
        // The size is bound by the root: a bigger tree has another root.
        expect(verifyInclusion(index, n + 1, leaves[index]!, path, treeHash(leavesOf(n + 1, salt)))).toBe(false);
      }),
      { numRuns: 60 },
    );
  });

  it('every consistency proof verifies between trees of 1 to 5,000 leaves, and no altered one does', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5000 }), fc.nat(), fc.nat(), (n, mm, salt) => {
        const leaves = leavesOf(n, salt);
        const m = 1 + (mm % n);
        const first = treeHash(leaves.slice(0, m));
        const second = treeHash(leaves);
        const proof = consistencyProof(m, leaves);
        expect(verifyConsistency(m, n, first, second, proof)).toBe(true);
        expect(verifyConsistency(m, n, flip(first), second, proof)).toBe(false);
        expect(verifyConsistency(m, n, first, flip(second), proof)).toBe(false);
        if (proof.length > 0) expect(verifyConsistency(m, n, first, second, proof.map((p, k) => (k === 0 ? flip(p, salt) : p)))).toBe(false);
        // A forged earlier tree (its last leaf changed) is not a prefix of the later one.
        const forged = treeHash(leaves.slice(0, m - 1).concat([flip(leaves[m - 1]!)]));
        if (m < n) expect(verifyConsistency(m, n, forged, second, proof)).toBe(false);
      }),
      { numRuns: 60 },
    );
  });

  it.each(Array.from({ length: 20 }, (_, i) => i))('signs checkpoints as C2SP signed notes that verify with the vkey, and only with it (key %i)', () => {
    const key = ed25519FromSeed(randomBytes(32));
    const text = checkpointText({ origin: 'labgate.example/log', size: 12, root: treeHash(leavesOf(12, 3)) });
    const note = signNote(text, 'labgate.example/log', key);
    expect(note).toMatch(/^labgate\.example\/log\n12\n[A-Za-z0-9+/]{43}=\n\n\u2014 labgate\.example\/log [A-Za-z0-9+/]+=*\n$/);
    const vkey = verifierKey('labgate.example/log', key);
    expect(vkey).toMatch(/^labgate\.example\/log\+[0-9a-f]{8}\+[A-Za-z0-9+/]+=*$/);
    expect(openNote(note, vkey)).toBe(text);
    expect(openNote(note.replace('\n12\n', '\n13\n'), vkey)).toBeNull();
    const other = verifierKey('labgate.example/log', generateKeyPairSync('ed25519').privateKey);
    expect(openNote(note, other)).toBeNull();
  });
});
