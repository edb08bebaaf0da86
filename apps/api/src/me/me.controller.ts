import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiProperty, ApiTags } from '@nestjs/swagger';
import { ROLES, type Role } from '@labgate/domain';
import type { Principal } from '@labgate/core';
import { Caller } from '../auth/auth.decorators';

export class MeResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() email!: string;
  @ApiProperty({ example: 'EUROPOL' }) agency!: string;
  @ApiProperty({ enum: ROLES, isArray: true }) roles!: Role[];
}

@ApiTags('me')
@ApiBearerAuth()
@Controller('v1/me')
export class MeController {
  @Get()
  @ApiOkResponse({ type: MeResponseDto })
  me(@Caller() caller: Principal): MeResponseDto {
    return { id: caller.id, name: caller.name, email: caller.email, agency: caller.agency, roles: caller.roles };
  }
}
