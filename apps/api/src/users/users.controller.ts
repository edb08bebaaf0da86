import { Body, Controller, Get, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { UsersService } from '@labgate/core';
import { Roles } from '../auth/auth.decorators';
import { Idempotent } from '../http/idempotency.interceptor';
import { CreatedUserResponseDto, CreateUserRequestDto, UserListQueryDto, UserPageResponseDto } from './users.dto';

@ApiTags('users')
@ApiBearerAuth()
@Controller('v1/users')
@Roles('admin')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Post()
  @Idempotent()
  @ApiCreatedResponse({ type: CreatedUserResponseDto, description: 'The user, with its API token shown once' })
  create(@Body() body: CreateUserRequestDto): Promise<CreatedUserResponseDto> {
    return this.users.create(body);
  }

  @Get()
  @ApiOkResponse({ type: UserPageResponseDto })
  list(@Query() query: UserListQueryDto): Promise<UserPageResponseDto> {
    return this.users.list(query.limit, query.cursor, { agency: query.agency, role: query.role });
  }
}
