import { Get, Header } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { Roles } from '../auth/auth.decorators';
import { ApiMetrics } from './api-metrics';
import { GuardedController } from '../auth/guarded-controller';

@ApiTags('operations')
@ApiBearerAuth()
@SkipThrottle()
@GuardedController('metrics')
export class MetricsController {
  constructor(private readonly metrics: ApiMetrics) {}

  @Get()
  @Roles('admin')
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Prometheus text exposition (admin token)' })
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
