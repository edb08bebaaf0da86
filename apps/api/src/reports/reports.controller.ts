import { Get, Headers, Logger, Param, Query, Res, StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiNotFoundResponse, ApiOkResponse, ApiParam, ApiProduces, ApiPropertyOptional, ApiTags, OmitType } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, IsUUID, Length, Matches } from 'class-validator';
import { stringify } from 'csv-stringify';
import type { FastifyReply } from 'fastify';
import { pipeline, Transform } from 'node:stream';
import { PILOT_DOMAINS, type PilotDomain } from '@labgate/domain';
import { AppError, isChartName, PortfolioCsvRowView, type Principal, renderChart, ReportsService } from '@labgate/core';
import { Caller, Roles } from '../auth/auth.decorators';
import { Work } from '../http/correlation';
import type { WorkContext } from '@labgate/persistence';
import { GuardedController } from '../auth/guarded-controller';

export class PortfolioQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'One programme; absent: every programme' })
  @IsOptional()
  @IsUUID()
  programmeId?: string;

  @ApiPropertyOptional({ enum: PILOT_DOMAINS })
  @IsOptional()
  @IsIn(PILOT_DOMAINS)
  domain?: PilotDomain;

  @ApiPropertyOptional({ description: 'Lead agency code', example: 'EUROPOL' })
  @IsOptional()
  @Matches(/^[A-Z][A-Z0-9-]{1,15}$/)
  agency?: string;

  @ApiPropertyOptional({ description: 'ISO date (end of that day, UTC; today: now) or timestamp, not in the future: the portfolio as it stood then; default now', example: '2026-06-30' })
  @IsOptional()
  @IsString()
  @Length(10, 40)
  asOf?: string;

  @ApiPropertyOptional({ description: 'ISO date (start of that day, UTC) or timestamp: flows (decisions, spend, releases, burn) counted from then on', example: '2026-01-01' })
  @IsOptional()
  @IsString()
  @Length(10, 40)
  from?: string;

  @ApiPropertyOptional({ enum: ['json', 'csv'], description: 'Or `Accept: text/csv`' })
  @IsOptional()
  @IsIn(['json', 'csv'])
  format?: 'json' | 'csv';
}

/** The charts take the report's filters; their format is SVG. */
export class ChartQueryDto extends OmitType(PortfolioQueryDto, ['format'] as const) {}

/**
 * A report is one reader's view of money (restricted pilots' text depends on who asks): no shared
 * cache keeps it, and the same URL answers JSON or CSV by Accept.
 */
const REPORT_HEADERS = { 'cache-control': 'private, no-store', vary: 'Accept' };

const CSV_COLUMNS = [
  'code', 'title', 'stage', 'leadAgency', 'domain', 'sensitivity', 'committedCents', 'spentCents', 'releasedCents',
  'daysInCurrentStage', 'lastDecision', 'lastDecisionAt', 'programmeId', 'programme',
];

@ApiTags('reports')
@ApiBearerAuth()
@Roles('funder', 'chair', 'admin')
@GuardedController('v1/reports')
export class ReportsController {
  private readonly logger = new Logger(ReportsController.name);

  constructor(private readonly reports: ReportsService) {}

  @Get('portfolio')
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({
    description: 'The portfolio report (DESIGN §4/§5 shape), or with format=csv one row per pilot',
    headers: { 'Cache-Control': { schema: { type: 'string', example: 'private, no-store' } }, Vary: { schema: { type: 'string', example: 'Accept' } } },
    content: {
      'application/json': { schema: { type: 'object', description: 'The report; docs/reports.md lists every figure' } },
      'text/csv': { schema: { type: 'string', description: `One row per pilot: ${CSV_COLUMNS.join(', ')}` } },
    },
  })
  @ApiNotFoundResponse({ description: 'No programme with that programmeId' })
  async portfolio(
    @Caller() caller: Principal,
    @Query() query: PortfolioQueryDto,
    @Headers('accept') accept: string | undefined,
    @Work() work: WorkContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<unknown> {
    void reply.headers(REPORT_HEADERS);
    const wantsCsv = query.format === 'csv' || (query.format === undefined && /\btext\/csv\b/.test(accept ?? '') && !/application\/json/.test(accept ?? ''));
    if (!wantsCsv) return this.reports.portfolio(caller, query);

    const { scope, rows } = await this.reports.csvRows(caller, query);
    const toRecord = new Transform({
      objectMode: true,
      transform(r: PortfolioCsvRowView, _encoding, done) {
        done(null, [
          r.code, r.title ?? '', r.stage, r.lead_agency, r.domain, r.sensitivity, r.committed_cents, r.spent_cents, r.released_cents,
          r.days_in_stage, r.last_decision ?? '', r.last_decision_at?.toISOString() ?? '', r.programme_id, r.programme,
        ]);
      },
    });
    // RFC 4180 (CRLF, quoting) and formula-safe cells (a leading =, +, -, @, tab or CR gets a ').
    const csv = stringify({ header: true, columns: CSV_COLUMNS, escape_formulas: true, record_delimiter: 'windows' });
    const body = pipeline(rows, toRecord, csv, (err) => {
      // Under the request's correlation id, like the problem bodies' log lines.
      if (err) this.logger.error({ err, correlationId: work.correlationId }, 'CSV export failed');
    });
    const day = scope.asOf.toISOString().slice(0, 10);
    return new StreamableFile(body, { type: 'text/csv; charset=utf-8', disposition: `attachment; filename="labgate-portfolio-${day}.csv"` });
  }

  @Get('portfolio/:chart')
  @ApiParam({ name: 'chart', enum: ['funnel.svg', 'money.svg', 'stages.svg', 'timing.svg', 'kills.svg'] })
  @ApiProduces('image/svg+xml')
  @ApiOkResponse({
    description: 'A chart of the report, SVG rendered on the server (same filters as the report)',
    headers: { 'Cache-Control': { schema: { type: 'string', example: 'private, no-store' } } },
    content: { 'image/svg+xml': { schema: { type: 'string' } } },
  })
  async chart(@Caller() caller: Principal, @Param('chart') file: string, @Query() query: ChartQueryDto, @Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    const name = file.endsWith('.svg') ? file.slice(0, -4) : '';
    if (!isChartName(name)) throw new AppError('RESOURCE.NOT_FOUND', `No chart ${file}: funnel.svg, money.svg, stages.svg, timing.svg or kills.svg`);
    const report = await this.reports.portfolio(caller, query);
    void reply.headers(REPORT_HEADERS).header('content-type', 'image/svg+xml; charset=utf-8');
    return renderChart(name, report);
  }
}
