import { Injectable, Logger } from '@nestjs/common';
import { Inject } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { APP_CONFIG, type AppConfig } from '@labgate/config';
import { SecretBox } from '../common/secret-box';
import { checkTargetUrl, resolveTarget, TargetPolicy, TargetRefusedError } from './targets';
import { DeliveryRow, PG_FOREIGN_KEY_VIOLATION, pgCode, Transactor, WebhooksRepository, type WebhookWithCounts, WorkContext } from '@labgate/persistence';
import { JobName } from '@labgate/queue';
import { OutboxService } from '../outbox/outbox.service';
import { AppError } from '../common/app-error';
import { Page, pageRequest, toPage } from '../common/pagination';
import type { Principal } from '../common/principal';

export interface WebhookView {
  id: string;
  agency: string;
  url: string;
  events: string[];
  createdAt: string;
  deliveries: { pending: number; delivered: number; failed: number };
}

export interface CreatedWebhookView extends WebhookView {
  /** `whsec_…`, shown this once. */
  secret: string;
}

export interface DeliveryView {
  id: string;
  webhookId: string;
  eventId: string;
  event: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: string;
  finishedAt: string | null;
}


/** The Standard Webhooks signature header of a body: one `v1,<base64>` per valid secret. */
export function signStandardWebhook(secrets: string[], msgId: string, at: Date, body: string): string {
  return secrets.map((secret) => new Webhook(secret.startsWith(SECRET_PREFIX) ? secret : Buffer.from(secret, 'utf8')).sign(msgId, at, body)).join(' ');
}

const SECRET_PREFIX = 'whsec_';
const newSecret = () => SECRET_PREFIX + randomBytes(24).toString('base64');
const DELIVERY_TIMEOUT_MS = 5000;

const toDeliveryView = (r: DeliveryRow): DeliveryView => ({
  id: r.id,
  webhookId: r.webhook_id,
  eventId: r.event_id,
  event: r.event,
  status: r.status,
  attempts: r.attempts,
  lastStatus: r.last_status,
  lastError: r.last_error,
  createdAt: r.created_at.toISOString(),
  finishedAt: r.finished_at?.toISOString() ?? null,
});

/** Agency webhook subscriptions and their signed, retried deliveries. */
@Injectable()
export class WebhooksService {
  private readonly logger = new Logger(WebhooksService.name);

  private readonly box: SecretBox;
  private readonly policy: TargetPolicy;

  constructor(
    private readonly webhooks: WebhooksRepository,
    private readonly tx: Transactor,
    private readonly outbox: OutboxService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.box = new SecretBox(config.secretsKey);
    this.policy = { allowHosts: config.webhookAllowHosts, resolve: config.webhookResolve };
  }

  /** A subscription of an agency; its signing secret is made here and shown this once. */
  async create(admin: Principal, input: { url: string; events: string[]; agency?: string }, work: WorkContext): Promise<CreatedWebhookView> {
    const url = checkTargetUrl(input.url, this.policy).toString();
    const secret = newSecret();
    try {
      // In a transaction, so an Idempotency-Key's record commits with the subscription.
      const row = await this.tx.run((tx) => this.webhooks.insert(tx, { agency: input.agency ?? admin.agency, url, events: [...new Set(input.events)], secret: this.box.seal(secret), createdBy: admin.id }), work);
      return { id: row.id, agency: row.agency_code, url: row.url, events: row.events, createdAt: row.created_at.toISOString(), deliveries: { pending: 0, delivered: 0, failed: 0 }, secret };
    } catch (err) {
      if (pgCode(err) === PG_FOREIGN_KEY_VIOLATION) {
        throw new AppError('AGENCY.UNKNOWN', `Agency ${input.agency} does not exist`, [{ field: 'agency', message: 'unknown agency code' }]);
      }
      throw err;
    }
  }

  /** A new secret, shown once; the previous one keeps signing (both signatures sent) for the overlap. */
  async rotateSecret(id: string, work: WorkContext): Promise<{ id: string; secret: string; previousSecretExpiresAt: string }> {
    const secret = newSecret();
    // Refused inside the transaction: it then rolls back, and an Idempotency-Key's record (written
    // by the commit) is not kept for a rotation that never happened.
    const rotated = await this.tx.run(async (tx) => {
      const row = await this.webhooks.rotateSecret(tx, id, this.box.seal(secret), this.config.webhookSecretOverlapHours);
      if (!row) throw new AppError('RESOURCE.NOT_FOUND', `Webhook ${id} does not exist`);
      return row;
    }, work);
    return { id, secret, previousSecretExpiresAt: rotated.previous_secret_expires_at.toISOString() };
  }

  async remove(id: string): Promise<void> {
    if (!(await this.webhooks.softDelete(id))) throw new AppError('RESOURCE.NOT_FOUND', `Webhook ${id} does not exist`);
  }

  /** A failed (dead-lettered) delivery tried again from its first attempt. */
  async redeliver(deliveryId: string, work: WorkContext): Promise<{ id: string; status: 'pending' }> {
    const reset = await this.tx.run(async (tx) => {
      if (!(await this.webhooks.resetFailed(tx, deliveryId))) return false;
      await this.outbox.enqueue(tx, JobName.DeliverWebhook, { deliveryId });
      return true;
    }, work);
    if (!reset) {
      const status = await this.webhooks.deliveryStatus(deliveryId);
      if (status === null) throw new AppError('RESOURCE.NOT_FOUND', `Delivery ${deliveryId} does not exist`);
      throw new AppError(
        'WEBHOOK.DELIVERY_NOT_FAILED',
        status === 'failed' ? `Delivery ${deliveryId} belongs to a deleted webhook: nothing would receive it` : `Delivery ${deliveryId} is ${status}, not failed`,
      );
    }
    return { id: deliveryId, status: 'pending' };
  }

  async list(limit?: number, cursor?: string): Promise<Page<WebhookView>> {
    const page = pageRequest(limit, cursor);
    return toPage(await this.webhooks.page(page), page.size, toWebhookView);
  }

  /** One live subscription (the Location of its creation). */
  async get(id: string): Promise<WebhookView> {
    const row = await this.webhooks.find(id);
    if (!row) throw new AppError('RESOURCE.NOT_FOUND', `Webhook ${id} does not exist`);
    return toWebhookView(row);
  }

  async deliveries(status: DeliveryView['status'] | undefined, limit?: number, cursor?: string): Promise<Page<DeliveryView>> {
    const page = pageRequest(limit, cursor);
    return toPage(await this.webhooks.deliveries(status, page), page.size, toDeliveryView);
  }

  /**
   * One attempt at a delivery. Throws when the receiver did not take it, so the queue retries
   * with backoff; on the last attempt the delivery is kept as `failed`, visible to admins.
   */
  async attempt(deliveryId: string, isLastAttempt: boolean): Promise<'delivered' | 'skipped'> {
    const delivery = await this.webhooks.deliveryWithTarget(deliveryId);
    if (!delivery || delivery.status !== 'pending' || delivery.deleted) return 'skipped';
    let status: number | null = null;
    let error: string;
    try {
      const secrets = [this.box.open(delivery.secret), ...(delivery.previous_secret ? [this.box.open(delivery.previous_secret)] : [])];
      const at = new Date();
      status = await this.post(delivery.url, delivery.body, {
        'content-type': 'application/json',
        'webhook-id': delivery.id,
        'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
        'webhook-signature': signStandardWebhook(secrets, delivery.id, at, delivery.body),
        'user-agent': 'LabGate-Webhooks/1',
      });
      if (status >= 200 && status < 300) {
        await this.webhooks.markDelivered(deliveryId, status);
        return 'delivered';
      }
      // The receiver's answer is not kept (nor echoed): only its status.
      error = status >= 300 && status < 400 ? `HTTP ${status} (redirects are not followed)` : `HTTP ${status}`;
    } catch (err) {
      error = err instanceof TargetRefusedError ? `refused: ${err.message}` : err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    }
    await this.webhooks.markAttemptFailed(deliveryId, status, error.slice(0, 300), isLastAttempt);
    if (isLastAttempt) this.logger.warn(`webhook delivery ${deliveryId} failed for good: ${error}`);
    throw new Error(`webhook delivery ${deliveryId} not accepted: ${error}`);
  }

  /**
   * One POST to the target, connecting only to an address checked after DNS resolution (the
   * lookup is pinned to it, so the name cannot be re-pointed between check and connect); no
   * redirect is followed; the response body is discarded unread.
   */
  private async post(target: string, body: string, headers: Record<string, string>): Promise<number> {
    const url = checkTargetUrl(target, this.policy);
    const resolved = await resolveTarget(url.hostname, this.policy);
    const lookup: LookupFunction = (_host, options, callback) => {
      if ((options as { all?: boolean }).all) (callback as unknown as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [resolved]);
      else callback(null, resolved.address, resolved.family);
    };
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<number>((resolve, reject) => {
      const req = send(url, { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, lookup, timeout: DELIVERY_TIMEOUT_MS }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${DELIVERY_TIMEOUT_MS} ms`)));
      req.on('error', reject);
      req.end(body);
    });
  }
}

function toWebhookView(r: WebhookWithCounts): WebhookView {
  return {
    id: r.id,
    agency: r.agency_code,
    url: r.url,
    events: r.events,
    createdAt: r.created_at.toISOString(),
    deliveries: { pending: r.pending, delivered: r.delivered, failed: r.failed },
  };
}
