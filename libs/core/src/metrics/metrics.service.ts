import { Injectable } from '@nestjs/common';
import { MetricsRepository, OperationalFigures } from '@labgate/persistence';

/** The database's side of the operator's figures (read at scrape time, never cached). */
@Injectable()
export class OperationalMetricsService {
  constructor(private readonly metrics: MetricsRepository) {}

  figures(): Promise<OperationalFigures> {
    return this.metrics.figures();
  }
}
