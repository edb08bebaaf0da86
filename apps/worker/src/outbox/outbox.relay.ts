import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { OutboxRepository, Transactor } from '@labgate/persistence';
import { isJobName, QUEUE_OF_JOB, QueueName } from '@labgate/queue';
import { Queues } from '../jobs/queues';


const BATCH = 1000;
const REDIS_TIMEOUT_MS = 5000;
/**
 * How often the relay looks for new rows. A poll of an empty partial index costs next to
 * nothing, and it bounds the delay a job waits for its relay (the review latency target is
 * 500 ms). LISTEN/NOTIFY would wake it sooner, but NOTIFY serialises the commits of every
 * transaction that sends one, and every vote would.
 */
const POLL_MS = 100;

/**
 * Moves committed outbox rows to BullMQ (jobId = outbox id). Rows are claimed with FOR UPDATE
 * SKIP LOCKED, so several workers share the work; if Redis refuses, the transaction rolls back
 * and the rows wait for the next round. A row added to Redis whose commit then failed is re-added
 * under the same jobId, which BullMQ ignores as a duplicate.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OutboxRelay.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private stopped = false;
  private failures = 0;
  private lastCleanup = 0;

  constructor(
    private readonly tx: Transactor,
    private readonly outbox: OutboxRepository,
    private readonly queues: Queues,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.kick(), POLL_MS);
    this.kick();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }

  /** Starts a drain, or asks the running one to go round again. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.kick();
      }
    });
  }

  /** Relays until the outbox is empty (or Redis refuses). Returns how many rows moved. */
  async drain(): Promise<void> {
    try {
      while (!this.stopped && (await this.relayBatch()) === BATCH) {
        // a full batch: there may be more
      }
      if (this.failures > 0) this.logger.log(`outbox relay reconnected after ${this.failures} failed round(s)`);
      this.failures = 0;
      await this.cleanup();
    } catch (err) {
      if (this.failures++ % 50 === 0) this.logger.warn(`outbox relay waiting: ${(err as Error).message}`);
    }
  }

  private async relayBatch(): Promise<number> {
    return this.tx.run(async (tx) => {
      const rows = await this.outbox.claim(tx, BATCH);
      if (rows.length === 0) return 0;
      const byQueue = new Map<QueueName, Array<{ name: string; data: Record<string, unknown>; opts: object }>>();
      const now = Date.now();
      for (const row of rows) {
        if (!isJobName(row.job_name)) {
          this.logger.error(`outbox row ${row.id} names no known job (${row.job_name}); dropped`);
          continue;
        }
        const queue = QUEUE_OF_JOB[row.job_name];
        const list = byQueue.get(queue) ?? [];
        list.push({
          name: row.job_name,
          data: row.payload,
          opts: { ...this.queues.optionsFor(row.job_name), jobId: row.id, delay: row.run_at ? Math.max(0, row.run_at.getTime() - now) : 0 },
        });
        byQueue.set(queue, list);
      }
      await withTimeout(
        Promise.all([...byQueue].map(([queue, jobs]) => this.queues.get(queue).addBulk(jobs))),
        REDIS_TIMEOUT_MS,
        'Redis did not accept the jobs in time',
      );
      await this.outbox.markSent(tx, rows.map((r) => r.id));
      return rows.length;
    });
  }

  /** Relayed rows are kept a day for diagnosis, then dropped. */
  private async cleanup(): Promise<void> {
    if (Date.now() - this.lastCleanup < 60_000) return;
    this.lastCleanup = Date.now();
    await this.outbox.dropRelayedBefore('1 day');
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(message)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
