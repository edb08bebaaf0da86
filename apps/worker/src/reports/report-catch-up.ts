import { Injectable, Logger } from '@nestjs/common';
import { ReportsService } from '@labgate/core';
import { PeriodicTask } from '../periodic-task';

/** How often the worker looks for pilots whose report facts wait for their refresh. */
export const REPORT_CATCH_UP_MS = 250;
/** Pilots' notes refreshed per transaction; a full batch is followed by the next at once. */
export const REPORT_CATCH_UP_BATCH = 1000;

/**
 * Keeps the report facts close behind the writes (migration ReportRefreshQueued): a write notes
 * its pilot in report_pending, and this refreshes the noted pilots a batch at a time, off the
 * write's path. Postgres alone, no queue: with Redis down the facts still follow. Reports catch up
 * on whatever is left before they read, so the worker's pace decides their cost, never their
 * figures.
 */
@Injectable()
export class ReportCatchUp extends PeriodicTask {
  private readonly logger = new Logger(ReportCatchUp.name);
  private failures = 0;

  constructor(private readonly reports: ReportsService) {
    super();
  }

  protected get intervalMs(): number {
    return REPORT_CATCH_UP_MS;
  }

  /** Refreshes batches until fewer than a full one were pending; returns how many notes it took. */
  protected async round(): Promise<number> {
    let total = 0;
    try {
      for (;;) {
        const taken = await this.reports.catchUp(REPORT_CATCH_UP_BATCH);
        total += taken;
        if (taken < REPORT_CATCH_UP_BATCH || this.stopping) break;
      }
      if (this.failures > 0) this.logger.log(`report catch-up resumed after ${this.failures} failed round(s)`);
      this.failures = 0;
    } catch (err) {
      if (this.failures++ % 50 === 0) this.logger.warn(`report catch-up waiting: ${(err as Error).message}`);
    }
    return total;
  }
}
