import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayNotEmpty, IsArray, IsEmail, IsIn, IsISO8601, IsOptional, IsString, Length, Matches } from 'class-validator';
import { Role, ROLES } from '@labgate/domain';
import { PageOf, PageQueryDto, NotBlank } from '../http/common.dto';

export class CreateUserRequestDto {
  @ApiProperty({ example: 'Ana Ruiz' })
  @IsString()
  @Length(1, 200)
  @NotBlank()
  name!: string;

  @ApiProperty({ example: 'ana.ruiz@europol.europa.eu' })
  @IsEmail()
  @Length(3, 320)
  email!: string;

  @ApiProperty({ example: 'EUROPOL' })
  @Matches(/^[A-Z][A-Z0-9-]{1,15}$/, { message: 'must be an agency code such as EUROPOL' })
  agency!: string;

  @ApiProperty({ enum: ROLES, isArray: true, example: ['lead'] })
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(6)
  @IsIn(ROLES, { each: true })
  roles!: Role[];

  @ApiPropertyOptional({ format: 'date-time', description: 'When the first API token stops working (never, when absent)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  tokenExpiresAt?: string;
}

export class TokenRotationRequestDto {
  @ApiPropertyOptional({ format: 'date-time', description: 'When the new token stops working (never, when absent)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  expiresAt?: string;
}

export class IssuedTokenResponseDto {
  @ApiProperty({ description: 'The new API token; shown this once and never again' }) token!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) expiresAt!: string | null;
}

export class RevocationResponseDto {
  @ApiProperty({ description: 'How many live tokens were revoked' }) revoked!: number;
}

export class UserListQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ example: 'FRONTEX' })
  @IsOptional()
  @Matches(/^[A-Z][A-Z0-9-]{1,15}$/)
  agency?: string;

  @ApiPropertyOptional({ enum: ROLES })
  @IsOptional()
  @IsIn(ROLES)
  role?: Role;
}

export class UserResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() email!: string;
  @ApiProperty({ example: 'EUROPOL' }) agency!: string;
  @ApiProperty({ enum: ROLES, isArray: true }) roles!: Role[];
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'Set when an admin deactivated the user' }) deactivatedAt!: string | null;
}

export class CreatedUserResponseDto extends UserResponseDto {
  @ApiProperty({ description: 'The API token; shown this once and never again' }) token!: string;
}

export class UserPageResponseDto extends PageOf(UserResponseDto) {}
