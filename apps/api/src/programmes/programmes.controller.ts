import { Body, Get, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Principal, ProgrammesService } from '@labgate/core';
import { Caller, Roles } from '../auth/auth.decorators';
import { PageQueryDto, ParseIdPipe } from '../http/common.dto';
import { Idempotent } from '../http/idempotency.interceptor';
import { Located } from '../http/location';
import { CreateProgrammeRequestDto, ProgrammePageResponseDto, ProgrammeResponseDto } from './programmes.dto';
import { Work } from '../http/correlation';
import type { WorkContext } from '@labgate/persistence';
import { GuardedController } from '../auth/guarded-controller';

@ApiTags('programmes')
@ApiBearerAuth()
@GuardedController('v1/programmes')
export class ProgrammesController {
  constructor(private readonly programmes: ProgrammesService) {}

  @Post()
  @Roles('funder', 'admin')
  @Idempotent()
  @Located((programme: ProgrammeResponseDto) => `/v1/programmes/${programme.id}`)
  @ApiCreatedResponse({ type: ProgrammeResponseDto })
  create(@Caller() caller: Principal, @Body() body: CreateProgrammeRequestDto, @Work() work: WorkContext): Promise<ProgrammeResponseDto> {
    return this.programmes.create(caller, body, work);
  }

  @Get()
  @ApiOkResponse({ type: ProgrammePageResponseDto })
  list(@Query() query: PageQueryDto): Promise<ProgrammePageResponseDto> {
    return this.programmes.list(query.limit, query.cursor);
  }

  @Get(':id')
  @ApiOkResponse({ type: ProgrammeResponseDto })
  get(@Param('id', ParseIdPipe) id: string): Promise<ProgrammeResponseDto> {
    return this.programmes.get(id);
  }
}
