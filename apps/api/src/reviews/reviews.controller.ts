import { Body, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Located } from '../http/location';
import { Principal, ReviewsService, SeatsService } from '@labgate/core';
import { Caller, Roles } from '../auth/auth.decorators';
import { ParseIdPipe } from '../http/common.dto';
import { Idempotent } from '../http/idempotency.interceptor';
import { Work } from '../http/correlation';
import type { WorkContext } from '@labgate/persistence';
import {
  AssignmentResponseDto,
  DecisionRequestDto,
  DeclineRequestDto,
  DeclineResponseDto,
  GateReviewResponseDto,
  ReassignRequestDto,
  VoteRequestDto,
  VoteResponseDto,
} from './reviews.dto';
import { GuardedController } from '../auth/guarded-controller';

@ApiTags('gate reviews')
@ApiBearerAuth()
@GuardedController('v1/gate-reviews')
export class GateReviewsController {
  constructor(private readonly reviews: ReviewsService) {}

  @Get(':id')
  @ApiOkResponse({ type: GateReviewResponseDto, description: 'Seats, tally and decision; votes so far to chairs and funders' })
  get(@Caller() caller: Principal, @Param('id', ParseIdPipe) id: string): Promise<GateReviewResponseDto> {
    return this.reviews.get(caller, id);
  }

  @Post(':id/votes')
  @Idempotent()
  // A vote is read in its review (to whom it may show: DESIGN §5).
  @Located((_vote: VoteResponseDto, request) => `/v1/gate-reviews/${request.params.id!.toLowerCase()}`)
  @ApiCreatedResponse({ type: VoteResponseDto })
  vote(@Caller() caller: Principal, @Param('id', ParseIdPipe) id: string, @Body() body: VoteRequestDto, @Work() work: WorkContext): Promise<VoteResponseDto> {
    return this.reviews.vote(caller, id, body, work);
  }

  @Post(':id/decision')
  @Roles('chair')
  @HttpCode(200)
  @Idempotent()
  @ApiOkResponse({ type: GateReviewResponseDto })
  decide(@Caller() caller: Principal, @Param('id', ParseIdPipe) id: string, @Body() body: DecisionRequestDto, @Work() work: WorkContext): Promise<GateReviewResponseDto> {
    return this.reviews.decideEscalated(caller, id, body.outcome, body.rationale, work);
  }
}

@ApiTags('gate reviews')
@ApiBearerAuth()
@GuardedController('v1/assignments')
export class AssignmentsController {
  constructor(private readonly seats: SeatsService) {}

  @Post(':id/decline')
  @HttpCode(200)
  @Idempotent()
  @ApiOkResponse({ type: DeclineResponseDto })
  decline(@Caller() caller: Principal, @Param('id', ParseIdPipe) id: string, @Body() body: DeclineRequestDto, @Work() work: WorkContext): Promise<DeclineResponseDto> {
    return this.seats.decline(caller, id, body.reason, work);
  }

  @Post(':id/reassign')
  @Roles('chair')
  @HttpCode(200)
  @Idempotent()
  @ApiOkResponse({ type: AssignmentResponseDto })
  reassign(@Caller() caller: Principal, @Param('id', ParseIdPipe) id: string, @Body() body: ReassignRequestDto, @Work() work: WorkContext): Promise<AssignmentResponseDto> {
    return this.seats.reassign(caller, id, body.reviewerId, work);
  }
}
