import { Body, Get, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiParam, ApiTags } from '@nestjs/swagger';
import { AgenciesService } from '@labgate/core';
import { Roles } from '../auth/auth.decorators';
import { PageQueryDto } from '../http/common.dto';
import { Idempotent } from '../http/idempotency.interceptor';
import { Located } from '../http/location';
import { AgencyPageResponseDto, AgencyResponseDto, CreateAgencyRequestDto } from './agencies.dto';
import { Work } from '../http/correlation';
import type { WorkContext } from '@labgate/persistence';
import { GuardedController } from '../auth/guarded-controller';

@ApiTags('agencies')
@ApiBearerAuth()
@GuardedController('v1/agencies')
export class AgenciesController {
  constructor(private readonly agencies: AgenciesService) {}

  @Post()
  @Roles('admin')
  @Idempotent()
  @Located((agency: AgencyResponseDto) => `/v1/agencies/${agency.code}`)
  @ApiCreatedResponse({ type: AgencyResponseDto })
  create(@Body() body: CreateAgencyRequestDto, @Work() work: WorkContext): Promise<AgencyResponseDto> {
    return this.agencies.create(body, work);
  }

  @Get()
  @ApiOkResponse({ type: AgencyPageResponseDto })
  list(@Query() query: PageQueryDto): Promise<AgencyPageResponseDto> {
    return this.agencies.list(query.limit, query.cursor);
  }

  @Get(':code')
  @ApiParam({ name: 'code', example: 'EUROPOL' })
  @ApiOkResponse({ type: AgencyResponseDto })
  get(@Param('code') code: string): Promise<AgencyResponseDto> {
    return this.agencies.get(code);
  }
}
