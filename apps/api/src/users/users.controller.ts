import { Body, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AuthService, UsersService } from '@labgate/core';
import { ParseIdPipe } from '../http/common.dto';
import { Roles } from '../auth/auth.decorators';
import { Idempotent } from '../http/idempotency.interceptor';
import { Located } from '../http/location';
import { CreatedUserResponseDto, CreateUserRequestDto, RevocationResponseDto, UserListQueryDto, UserPageResponseDto, UserResponseDto } from './users.dto';
import { Work } from '../http/correlation';
import type { WorkContext } from '@labgate/persistence';
import { GuardedController } from '../auth/guarded-controller';

@ApiTags('users')
@ApiBearerAuth()
@GuardedController('v1/users')
@Roles('admin')
export class UsersController {
  constructor(
    private readonly users: UsersService,
    private readonly auth: AuthService,
  ) {}

  @Post()
  @Idempotent({ secrets: ['token'] })
  @Located((user: CreatedUserResponseDto) => `/v1/users/${user.id}`)
  @ApiCreatedResponse({ type: CreatedUserResponseDto, description: 'The user, with its API token shown once' })
  create(@Body() body: CreateUserRequestDto, @Work() work: WorkContext): Promise<CreatedUserResponseDto> {
    return this.users.create(body, work);
  }

  @Get(':id')
  @ApiOkResponse({ type: UserResponseDto })
  get(@Param('id', ParseIdPipe) id: string): Promise<UserResponseDto> {
    return this.users.get(id);
  }

  @Post(':id/token-revocation')
  @HttpCode(200)
  @ApiOkResponse({ type: RevocationResponseDto, description: 'Every live token of the user is revoked; every API process refuses them within a second' })
  async revokeTokens(@Param('id', ParseIdPipe) id: string, @Work() work: WorkContext): Promise<RevocationResponseDto> {
    const result = await this.users.revokeTokens(id, work);
    this.auth.forget(id);
    return result;
  }

  @Post(':id/deactivation')
  @HttpCode(200)
  @ApiOkResponse({ type: UserResponseDto, description: 'The user can no longer sign in; their history stays' })
  async deactivate(@Param('id', ParseIdPipe) id: string, @Work() work: WorkContext): Promise<UserResponseDto> {
    const user = await this.users.deactivate(id, work);
    this.auth.forget(id);
    return user;
  }

  @Get()
  @ApiOkResponse({ type: UserPageResponseDto })
  list(@Query() query: UserListQueryDto): Promise<UserPageResponseDto> {
    return this.users.list(query.limit, query.cursor, { agency: query.agency, role: query.role });
  }
}
