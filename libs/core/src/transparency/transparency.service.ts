import { Inject, Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { APP_CONFIG, type AppConfig } from '@labgate/config';
import {
  canonicalJson,
  checkpointText,
  consistencyProof,
  ed25519FromSeed,
  formatProof,
  inclusionProof,
  leafHash,
  signNote,
  treeHash,
  verifierKey,
} from '@labgate/domain';
import { AuditRow, PilotsRepository, ReviewsRepository, Transactor, TransparencyRepository } from '@labgate/persistence';
import { AppError } from '../common/app-error';
import { SecretBox } from '../common/secret-box';
import type { Principal } from '../common/principal';

/**
 * The transparency log over the audit events (DESIGN §4b): leaves in append order across all
 * pilots, signed checkpoints (one per seal, and on demand when a proof needs a newer one),
 * inclusion proofs for events a reader may see, consistency proofs between checkpoints.
 */
@Injectable()
export class TransparencyService {
  private key?: Promise<{ origin: string; privateKey: KeyObject }>;
  private readonly box: SecretBox;

  constructor(
    private readonly tx: Transactor,
    private readonly log: TransparencyRepository,
    private readonly pilots: PilotsRepository,
    private readonly reviews: ReviewsRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.box = new SecretBox(config.secretsKey);
  }

  /** CHECKPOINT_SIGNING_KEY, else the key generated on first use and kept (sealed) in Postgres. */
  private signingKey(): Promise<{ origin: string; privateKey: KeyObject }> {
    this.key ??= (async () => {
      const origin = this.config.tlogOrigin;
      if (this.config.checkpointSigningKey) return { origin, privateKey: ed25519FromSeed(Buffer.from(this.config.checkpointSigningKey, 'base64')) };
      const stored = await this.log.keyOrStore(origin, this.box.seal(randomBytes(32).toString('base64')));
      return { origin: stored.origin, privateKey: ed25519FromSeed(Buffer.from(this.box.open(stored.private_key), 'base64')) };
    })();
    return this.key;
  }

  async verifierKey(): Promise<string> {
    const { origin, privateKey } = await this.signingKey();
    return verifierKey(origin, privateKey);
  }

  /** Indexes the events not yet in the log and signs a checkpoint of the new size (if it grew). */
  async checkpoint(): Promise<{ size: number; root: string; note: string } | null> {
    const { origin, privateKey } = await this.signingKey();
    return this.tx.run(async (tx) => {
      await this.log.lock(tx);
      const size = await this.log.appendLeaves(tx);
      if (size === 0) return null;
      const latest = await this.log.checkpoint(tx);
      if (latest && Number(latest.size) === size) return { size, root: latest.root, note: latest.note };
      const root = treeHash((await this.log.leafData(tx, size)).map((h) => leafHash(Buffer.from(h, 'hex'))));
      const note = signNote(checkpointText({ origin, size, root }), origin, privateKey);
      await this.log.insertCheckpoint(tx, { size, root: root.toString('hex'), note });
      return { size, root: root.toString('hex'), note };
    });
  }

  /** The latest signed checkpoint, or the one of exactly `size` leaves. */
  async checkpointNote(size?: number): Promise<string> {
    const row = await this.log.checkpoint(this.tx.none, size);
    if (!row) throw new AppError('RESOURCE.NOT_FOUND', size === undefined ? 'No checkpoint has been signed yet' : `No checkpoint of size ${size} was signed`);
    return row.note;
  }

  /** RFC 9162 consistency proof from the tree of `from` leaves to the tree of `to`, one base64 hash a line. */
  async consistency(from: number, to: number): Promise<string> {
    if (!(from >= 1 && from <= to)) {
      throw new AppError('REQUEST.INVALID', 'from and to must be sizes with 1 <= from <= to', [{ field: 'from', message: 'must be between 1 and to' }]);
    }
    for (const size of [from, to]) await this.checkpointNote(size);
    const leaves = (await this.log.leafData(this.tx.none, to)).map((h) => leafHash(Buffer.from(h, 'hex')));
    return consistencyProof(from, leaves).map((h) => `${h.toString('base64')}\n`).join('');
  }

  /** The proof file of one audit event, for a reader who may see its pilot (else 404). */
  async eventProof(viewer: Principal, pilotId: string, seq: number): Promise<string> {
    if (!Number.isInteger(seq) || seq < 1 || seq > 2_147_483_647) {
      throw new AppError('REQUEST.INVALID', 'seq must be a positive audit sequence number', [{ field: 'seq', message: 'must be an integer from 1' }]);
    }
    if (!(await this.pilots.findVisible(viewer, pilotId))) throw new AppError('PILOT.NOT_FOUND', `Pilot ${pilotId} does not exist`);
    const event = await this.log.event(pilotId, seq);
    if (!event) throw new AppError('RESOURCE.NOT_FOUND', `Pilot ${pilotId} has no audit event ${seq}`);
    return this.proofOf(event);
  }

  /** The proof file of a review's decision event. */
  async decisionProof(viewer: Principal, gateReviewId: string): Promise<string> {
    const review = await this.reviews.findVisible(viewer, gateReviewId);
    if (!review) throw new AppError('REVIEW.NOT_FOUND', `Gate review ${gateReviewId} does not exist`);
    const seq = await this.log.decisionSeq(review.pilot_id, gateReviewId);
    if (seq === null) throw new AppError('GATE.NOT_DECIDED', `Gate review ${gateReviewId} has no decision yet`);
    return this.proofOf((await this.log.event(review.pilot_id, seq))!);
  }

  private async proofOf(event: AuditRow): Promise<string> {
    let index = await this.log.leafIndex(event.pilot_id, event.seq);
    if (index === null) {
      await this.checkpoint();
      index = await this.log.leafIndex(event.pilot_id, event.seq);
    }
    let latest = await this.log.checkpoint(this.tx.none);
    if (index !== null && latest && Number(latest.size) <= index) {
      await this.checkpoint();
      latest = await this.log.checkpoint(this.tx.none);
    }
    if (index === null || !latest) throw new AppError('SERVER.UNAVAILABLE', 'The event is not in the log yet; try again');
    const size = Number(latest.size);
    const leaves = (await this.log.leafData(this.tx.none, size)).map((h) => leafHash(Buffer.from(h, 'hex')));
    const extra = canonicalJson({
      seq: event.seq,
      pilotId: event.pilot_id,
      actor: event.actor,
      action: event.action,
      payload: event.payload,
      at: event.at.toISOString(),
      prevHash: event.prev_hash,
      hash: event.hash,
    });
    return formatProof({ extra: Buffer.from(extra, 'utf8'), index, path: inclusionProof(index, leaves), checkpoint: latest.note });
  }
}
