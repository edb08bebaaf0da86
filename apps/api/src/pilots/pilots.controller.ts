import { Body, Get, Headers, HttpCode, Param, Patch, Post, Query, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiHeader,
  ApiOkResponse,
  ApiPreconditionFailedResponse,
  ApiTags,
} from '@nestjs/swagger';
import { Located } from '../http/location';
import type { FastifyReply } from 'fastify';
import { AppError, AuditService, ExpendituresService, pilotEtag, PilotBodies, PilotsService, PilotView, Principal, ReviewsService, WithdrawalService } from '@labgate/core';
import { GateReviewPageResponseDto, SubmissionRequestDto, SubmissionResponseDto } from '../reviews/reviews.dto';
import { Caller, Roles } from '../auth/auth.decorators';
import { PageQueryDto, ParseIdPipe } from '../http/common.dto';
import { Idempotent } from '../http/idempotency.interceptor';
import { Work } from '../http/correlation';
import type { WorkContext } from '@labgate/persistence';
import {
  AuditPageResponseDto,
  AuditVerifyResponseDto,
  CreateExpenditureRequestDto,
  CreatePilotRequestDto,
  ExpenditurePageResponseDto,
  ExpenditureResponseDto,
  PilotListQueryDto,
  PilotPageResponseDto,
  PilotResponseDto,
  UpdatePilotRequestDto,
  WithdrawalRequestDto,
} from './pilots.dto';
import { GuardedController } from '../auth/guarded-controller';

const JSON_BODY = 'application/json; charset=utf-8';

function withEtag(reply: FastifyReply, pilot: PilotView): PilotView {
  void reply.header('etag', pilotEtag(pilot.version));
  return pilot;
}

/** Every answer that is a pilot carries its version as ETag. */
const PILOT_ETAG = { ETag: { description: 'The version, as "<n>": send it back as If-Match to PATCH', schema: { type: 'string' } } };

@ApiTags('pilots')
@ApiBearerAuth()
@GuardedController('v1/pilots')
export class PilotsController {
  constructor(
    private readonly pilots: PilotsService,
    private readonly bodies: PilotBodies,
    private readonly expenditures: ExpendituresService,
    private readonly audit: AuditService,
    private readonly reviews: ReviewsService,
    private readonly withdrawals: WithdrawalService,
  ) {}

  @Post()
  @Roles('lead')
  @Idempotent()
  @ApiCreatedResponse({ type: PilotResponseDto, headers: PILOT_ETAG })
  async create(
    @Caller() caller: Principal,
    @Body() body: CreatePilotRequestDto,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Work() work: WorkContext,
  ): Promise<PilotResponseDto> {
    const pilot = await this.pilots.create(caller, body, work);
    void reply.header('location', `/v1/pilots/${pilot.id}`);
    return withEtag(reply, pilot);
  }

  @Get()
  @ApiOkResponse({ type: PilotPageResponseDto })
  async list(@Caller() caller: Principal, @Query() query: PilotListQueryDto, @Res({ passthrough: true }) reply: FastifyReply): Promise<Buffer> {
    // The page comes as encoded JSON already (PilotBodies): sent as it is, typed as every JSON body is.
    void reply.type(JSON_BODY);
    return this.bodies.page(caller, query);
  }

  @Get(':id')
  @ApiOkResponse({ type: PilotResponseDto, headers: PILOT_ETAG })
  async get(
    @Caller() caller: Principal,
    @Param('id', ParseIdPipe) id: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Buffer> {
    // Encoded JSON already (PilotBodies), like the list page.
    const { body, version } = await this.bodies.one(caller, id);
    void reply.header('etag', pilotEtag(version)).type(JSON_BODY);
    return body;
  }

  @Patch(':id')
  @ApiHeader({ name: 'If-Match', required: true, description: 'The ETag of the version you edited' })
  @ApiOkResponse({ type: PilotResponseDto, headers: PILOT_ETAG })
  @ApiPreconditionFailedResponse({ description: 'The pilot changed since you read it' })
  async update(
    @Caller() caller: Principal,
    @Param('id', ParseIdPipe) id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Body() body: UpdatePilotRequestDto,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Work() work: WorkContext,
  ): Promise<PilotResponseDto> {
    if (Object.keys(body).length === 0) {
      throw new AppError('REQUEST.INVALID', 'The PATCH body changes nothing', [{ field: '', message: 'give at least one editable field' }]);
    }
    return withEtag(reply, await this.pilots.update(caller, id, ifMatch, body, work));
  }

  @Post(':id/withdrawal')
  @HttpCode(200)
  @Idempotent()
  @ApiOkResponse({ type: PilotResponseDto })
  async withdraw(
    @Caller() caller: Principal,
    @Param('id', ParseIdPipe) id: string,
    @Body() body: WithdrawalRequestDto,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Work() work: WorkContext,
  ): Promise<PilotResponseDto> {
    return withEtag(reply, await this.withdrawals.withdraw(caller, id, body.lessonsLearned, work));
  }

  @Post(':id/submissions')
  @HttpCode(202)
  @Idempotent()
  @ApiAcceptedResponse({ type: SubmissionResponseDto, description: 'The gate review is open; seats are assigned on the queue' })
  submit(
    @Caller() caller: Principal,
    @Param('id', ParseIdPipe) id: string,
    @Body() body: SubmissionRequestDto,
    @Work() work: WorkContext,
  ): Promise<SubmissionResponseDto> {
    return this.reviews.submit(caller, id, body, work);
  }

  @Get(':id/gate-reviews')
  @ApiOkResponse({ type: GateReviewPageResponseDto, description: 'Every gate review of the pilot, oldest first (a pilot has a handful: one page)' })
  async gateReviews(@Caller() caller: Principal, @Param('id', ParseIdPipe) id: string): Promise<GateReviewPageResponseDto> {
    return { items: await this.reviews.listForPilot(caller, id), nextCursor: null };
  }

  @Post(':id/expenditures')
  @Idempotent()
  // Spend has no page of its own: it is read in the pilot's list of expenditures.
  @Located((spend: ExpenditureResponseDto) => `/v1/pilots/${spend.pilotId}/expenditures`)
  @ApiCreatedResponse({ type: ExpenditureResponseDto })
  reportExpenditure(
    @Caller() caller: Principal,
    @Param('id', ParseIdPipe) id: string,
    @Body() body: CreateExpenditureRequestDto,
    @Work() work: WorkContext,
  ): Promise<ExpenditureResponseDto> {
    return this.expenditures.report(caller, id, body, work);
  }

  @Get(':id/expenditures')
  @ApiOkResponse({ type: ExpenditurePageResponseDto })
  listExpenditures(
    @Caller() caller: Principal,
    @Param('id', ParseIdPipe) id: string,
    @Query() query: PageQueryDto,
  ): Promise<ExpenditurePageResponseDto> {
    return this.expenditures.list(caller, id, query.limit, query.cursor);
  }

  @Get(':id/audit')
  @ApiOkResponse({ type: AuditPageResponseDto })
  async auditTrail(
    @Caller() caller: Principal,
    @Param('id', ParseIdPipe) id: string,
    @Query() query: PageQueryDto,
  ): Promise<AuditPageResponseDto> {
    return this.audit.list(caller, id, query.limit, query.cursor);
  }

  @Get(':id/audit/verify')
  @ApiOkResponse({ type: AuditVerifyResponseDto })
  async verifyAudit(@Caller() caller: Principal, @Param('id', ParseIdPipe) id: string): Promise<AuditVerifyResponseDto> {
    return this.audit.verify(caller, id);
  }
}
