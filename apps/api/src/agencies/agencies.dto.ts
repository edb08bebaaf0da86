import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length, Matches } from 'class-validator';
import { PageOf, NotBlank } from '../http/common.dto';

export class CreateAgencyRequestDto {
  @ApiProperty({ example: 'EPPO', pattern: '^[A-Z][A-Z0-9-]{1,15}$' })
  @Matches(/^[A-Z][A-Z0-9-]{1,15}$/, { message: 'must be 2-16 upper-case letters, digits or "-", starting with a letter' })
  code!: string;

  @ApiProperty({ example: 'European Public Prosecutor’s Office' })
  @IsString()
  @Length(1, 200)
  @NotBlank()
  name!: string;
}

export class AgencyResponseDto {
  @ApiProperty({ example: 'EUROPOL' }) code!: string;
  @ApiProperty({ example: 'European Union Agency for Law Enforcement Cooperation' }) name!: string;
}

export class AgencyPageResponseDto extends PageOf(AgencyResponseDto) {}
