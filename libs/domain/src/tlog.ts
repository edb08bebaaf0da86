import { createHash, createPrivateKey, createPublicKey, KeyObject, sign, verify } from 'node:crypto';
import { ChainedAuditEvent, hashEvent } from './audit';

/**
 * The transparency log: a Merkle tree hashed as RFC 9162 (§2.1) does, over one leaf per audit
 * event in append order, checkpoints in C2SP `tlog-checkpoint` form signed as C2SP signed notes
 * with Ed25519, and proof files modelled on C2SP `tlog-proof`. Dependency-free (node:crypto
 * only) so the offline verifier and a court expert's reimplementation need nothing else.
 */

const sha256 = (...parts: Buffer[]): Buffer => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};

/** RFC 9162: leaf hash = SHA-256(0x00 ‖ d). */
export function leafHash(data: Buffer): Buffer {
  return sha256(Buffer.from([0]), data);
}

/** RFC 9162: node hash = SHA-256(0x01 ‖ left ‖ right). */
export function nodeHash(left: Buffer, right: Buffer): Buffer {
  return sha256(Buffer.from([1]), left, right);
}

/** The largest power of two smaller than n (n > 1). */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH over leaf hashes (already leaf-hashed); the empty tree hashes to SHA-256(""). */
export function treeHash(leaves: readonly Buffer[], from = 0, to = leaves.length): Buffer {
  const n = to - from;
  if (n === 0) return sha256();
  if (n === 1) return leaves[from]!;
  const k = split(n);
  return nodeHash(treeHash(leaves, from, from + k), treeHash(leaves, from + k, to));
}

/** RFC 9162 §2.1.3.1 PATH(m, D[n]): the inclusion proof of leaf m in the tree of these leaves. */
export function inclusionProof(index: number, leaves: readonly Buffer[], from = 0, to = leaves.length): Buffer[] {
  const n = to - from;
  if (index < 0 || index >= n) throw new RangeError(`leaf ${index} is not in a tree of ${n}`);
  if (n === 1) return [];
  const k = split(n);
  return index < k
    ? [...inclusionProof(index, leaves, from, from + k), treeHash(leaves, from + k, to)]
    : [...inclusionProof(index - k, leaves, from + k, to), treeHash(leaves, from, from + k)];
}

/** RFC 9162 §2.1.3.2: does `path` prove leaf `index` (of hash `leaf`) in a tree of `size` with `root`? */
export function verifyInclusion(index: number, size: number, leaf: Buffer, path: readonly Buffer[], root: Buffer): boolean {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of path) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && r.equals(root);
}

/** RFC 9162 §2.1.4.1 PROOF(m, D[n]): that the tree of the first m leaves is a prefix of all n. */
export function consistencyProof(m: number, leaves: readonly Buffer[]): Buffer[] {
  const n = leaves.length;
  if (m <= 0 || m > n) throw new RangeError(`no consistency proof from ${m} to ${n}`);
  if (m === n) return [];
  return subproof(m, leaves, 0, n, true);
}

function subproof(m: number, leaves: readonly Buffer[], from: number, to: number, complete: boolean): Buffer[] {
  const n = to - from;
  if (m === n) return complete ? [] : [treeHash(leaves, from, to)];
  const k = split(n);
  return m <= k
    ? [...subproof(m, leaves, from, from + k, complete), treeHash(leaves, from + k, to)]
    : [...subproof(m - k, leaves, from + k, to, false), treeHash(leaves, from, from + k)];
}

/** RFC 9162 §2.1.4.2: does `proof` show the tree (m, first) is a prefix of (n, second)? */
export function verifyConsistency(m: number, n: number, first: Buffer, second: Buffer, proof: readonly Buffer[]): boolean {
  if (!Number.isSafeInteger(m) || !Number.isSafeInteger(n) || m <= 0 || m > n) return false;
  if (m === n) return proof.length === 0 && first.equals(second);
  let path = [...proof];
  // If m is an exact power of two, the first tree's root is the first node of the path.
  if ((m & (m - 1)) === 0) path = [first, ...path];
  if (path.length === 0) return false;
  let fn = m - 1;
  let sn = n - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return fr.equals(first) && sr.equals(second) && sn === 0;
}

// ---------------------------------------------------------------------------------------------
// Checkpoints and signed notes (C2SP tlog-checkpoint, signed-note), Ed25519.

export interface Checkpoint {
  origin: string;
  size: number;
  root: Buffer;
}

/** `<origin>\n<size>\n<base64 root>\n` */
export function checkpointText(c: Checkpoint): string {
  return `${c.origin}\n${c.size}\n${c.root.toString('base64')}\n`;
}

export function parseCheckpointText(text: string): Checkpoint | null {
  const lines = text.split('\n');
  if (lines.length < 4 || lines[3] !== '' || !/^[0-9]+$/.test(lines[1]!)) return null;
  const root = Buffer.from(lines[2]!, 'base64');
  if (root.length !== 32 || root.toString('base64') !== lines[2]) return null;
  return { origin: lines[0]!, size: Number(lines[1]), root };
}

const ED25519 = 0x01;

/** The raw 32-byte Ed25519 public key of a key object. */
function rawPublicKey(key: KeyObject): Buffer {
  return Buffer.from(key.export({ format: 'jwk' }).x!, 'base64url');
}

/** signed-note key id: the first 4 bytes of SHA-256(name ‖ "\n" ‖ 0x01 ‖ public key). */
export function noteKeyId(name: string, publicKey: Buffer): Buffer {
  return sha256(Buffer.from(`${name}\n`, 'utf8'), Buffer.from([ED25519]), publicKey).subarray(0, 4);
}

/** The verifier key in signed-note `vkey` form: `<name>+<hex key id>+<base64(0x01 ‖ key)>`. */
export function verifierKey(name: string, privateKey: KeyObject): string {
  const pub = rawPublicKey(createPublicKey(privateKey));
  return `${name}+${noteKeyId(name, pub).toString('hex')}+${Buffer.concat([Buffer.from([ED25519]), pub]).toString('base64')}`;
}

/** An Ed25519 private key from its 32-byte seed. */
export function ed25519FromSeed(seed: Buffer): KeyObject {
  if (seed.length !== 32) throw new RangeError('an Ed25519 seed is 32 bytes');
  // PKCS#8 wrapping of a raw Ed25519 seed (RFC 8410).
  const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
}

/** The note signed: the text, a blank line, `— <name> <base64(key id ‖ signature)>`. */
export function signNote(text: string, name: string, privateKey: KeyObject): string {
  const pub = rawPublicKey(createPublicKey(privateKey));
  const signature = sign(null, Buffer.from(text, 'utf8'), privateKey);
  return `${text}\n\u2014 ${name} ${Buffer.concat([noteKeyId(name, pub), signature]).toString('base64')}\n`;
}

/** The note's text when a signature by the vkey's key verifies, else null. */
export function openNote(note: string, vkey: string): string | null {
  // <name>+<hex id>+<base64 key>: the key's base64 may itself contain '+'.
  const m = /^([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/=]+)$/.exec(vkey.trim());
  if (!m) return null;
  const [, name, hexId, keyB64] = m as unknown as [string, string, string, string];
  const key = Buffer.from(keyB64, 'base64');
  if (key.length !== 33 || key[0] !== ED25519) return null;
  const pub = key.subarray(1);
  const id = noteKeyId(name, pub);
  if (id.toString('hex') !== hexId) return null;
  const at = note.lastIndexOf('\n\n');
  if (at < 0) return null;
  const text = note.slice(0, at + 1);
  const publicKey = createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), pub]), format: 'der', type: 'spki' });
  for (const line of note.slice(at + 2).split('\n')) {
    const m = /^\u2014 (\S+) (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const sig = Buffer.from(m[2]!, 'base64');
    if (sig.length !== 68 || !sig.subarray(0, 4).equals(id)) continue;
    if (verify(null, Buffer.from(text, 'utf8'), publicKey, sig.subarray(4))) return text;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Proof files: modelled on C2SP tlog-proof.

export const PROOF_HEADER = 'c2sp.org/tlog-proof@v1';

export interface InclusionProofFile {
  /** The event's canonical JSON, its `hash` included. */
  extra: Buffer;
  index: number;
  path: Buffer[];
  /** The signed checkpoint the path leads to. */
  checkpoint: string;
}

export function formatProof(p: InclusionProofFile): string {
  return [PROOF_HEADER, `extra ${p.extra.toString('base64')}`, `index ${p.index}`, ...p.path.map((h) => h.toString('base64')), '', p.checkpoint].join('\n');
}

export function parseProof(text: string): InclusionProofFile | null {
  const at = text.indexOf('\n\n');
  if (at < 0) return null;
  const head = text.slice(0, at).split('\n');
  if (head[0] !== PROOF_HEADER) return null;
  const extra = /^extra (\S+)$/.exec(head[1] ?? '');
  const index = /^index ([0-9]+)$/.exec(head[2] ?? '');
  if (!extra || !index) return null;
  const path = head.slice(3).map((line) => Buffer.from(line, 'base64'));
  if (path.some((h, i) => h.length !== 32 || h.toString('base64') !== head[3 + i])) return null;
  return { extra: Buffer.from(extra[1]!, 'base64'), index: Number(index[1]), path, checkpoint: text.slice(at + 2) };
}

export type ProofCheck = { ok: true; event: ChainedAuditEvent; checkpoint: Checkpoint } | { ok: false; reason: string };

/**
 * Everything an outsider checks, offline: the checkpoint's signature by the published key, the
 * event's own hash (its content is what the chain hashed), and the path from its leaf to the
 * signed root.
 */
export function verifyProofFile(text: string, vkey: string): ProofCheck {
  const proof = parseProof(text);
  if (!proof) return { ok: false, reason: 'not a tlog-proof@v1 file' };
  const noteText = openNote(proof.checkpoint, vkey);
  if (noteText === null) return { ok: false, reason: 'the checkpoint is not signed by this key' };
  const checkpoint = parseCheckpointText(noteText);
  if (!checkpoint) return { ok: false, reason: 'the signed text is not a checkpoint' };
  let event: ChainedAuditEvent;
  try {
    event = JSON.parse(proof.extra.toString('utf8')) as ChainedAuditEvent;
  } catch {
    return { ok: false, reason: 'the event is not JSON' };
  }
  if (typeof event !== 'object' || event === null || typeof event.hash !== 'string' || !/^[0-9a-f]{64}$/.test(event.hash)) {
    return { ok: false, reason: 'the event carries no hash' };
  }
  let recomputed: string;
  try {
    recomputed = hashEvent(String(event.prevHash), event);
  } catch {
    return { ok: false, reason: 'the event cannot be hashed' };
  }
  if (recomputed !== event.hash) return { ok: false, reason: 'the event does not match its hash' };
  if (!verifyInclusion(proof.index, checkpoint.size, leafHash(Buffer.from(event.hash, 'hex')), proof.path, checkpoint.root)) {
    return { ok: false, reason: `the path does not lead from leaf ${proof.index} to the checkpoint's root` };
  }
  return { ok: true, event, checkpoint };
}
