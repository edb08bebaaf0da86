import { Body, Get, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Located } from '../http/location';
import { ROLES, type Role } from '@labgate/domain';
import { AuthService, NotificationsService, type Principal, ReviewsService, UsersService } from '@labgate/core';
import { IssuedTokenResponseDto, TokenRotationRequestDto } from '../users/users.dto';
import { PageOf, PageQueryDto } from '../http/common.dto';
import { AssignmentPageResponseDto, AssignmentQueryDto } from '../reviews/reviews.dto';
import { Caller } from '../auth/auth.decorators';
import { Work } from '../http/correlation';
import type { WorkContext } from '@labgate/persistence';
import { GuardedController } from '../auth/guarded-controller';

export class MeResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() email!: string;
  @ApiProperty({ example: 'EUROPOL' }) agency!: string;
  @ApiProperty({ enum: ROLES, isArray: true }) roles!: Role[];
}

export class NotificationResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'assignment.created' }) event!: string;
  @ApiPropertyOptional({ format: 'uuid' }) pilotId?: string;
  @ApiPropertyOptional({ format: 'uuid' }) gateReviewId?: string;
  @ApiProperty({ type: Object }) data!: object;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export class NotificationPageResponseDto extends PageOf(NotificationResponseDto) {}

@ApiTags('me')
@ApiBearerAuth()
@GuardedController('v1/me')
export class MeController {
  constructor(
    private readonly reviews: ReviewsService,
    private readonly notifications: NotificationsService,
    private readonly users: UsersService,
    private readonly auth: AuthService,
  ) {}

  @Post('token-rotation')
  // The token is the caller's own, read through who it signs in as.
  @Located(() => '/v1/me')
  @ApiCreatedResponse({ type: IssuedTokenResponseDto, description: 'A new API token, shown once; every earlier token of the caller is revoked' })
  async rotateToken(@Caller() caller: Principal, @Body() body: TokenRotationRequestDto, @Work() work: WorkContext): Promise<IssuedTokenResponseDto> {
    const issued = await this.users.rotateOwnToken(caller, work, body.expiresAt);
    this.auth.forget(caller.id);
    return issued;
  }

  @Get('assignments')
  @ApiOkResponse({ type: AssignmentPageResponseDto, description: 'The reviewer’s inbox: seats held, newest first' })
  assignments(@Caller() caller: Principal, @Query() query: AssignmentQueryDto): Promise<AssignmentPageResponseDto> {
    return this.reviews.inbox(caller, query.status, query.limit, query.cursor);
  }

  @Get('notifications')
  @ApiOkResponse({ type: NotificationPageResponseDto })
  inbox(@Caller() caller: Principal, @Query() query: PageQueryDto): Promise<NotificationPageResponseDto> {
    return this.notifications.inbox(caller, query.limit, query.cursor);
  }

  @Get()
  @ApiOkResponse({ type: MeResponseDto })
  me(@Caller() caller: Principal): MeResponseDto {
    return { id: caller.id, name: caller.name, email: caller.email, agency: caller.agency, roles: caller.roles };
  }
}
