import { ApiProperty } from '@nestjs/swagger';
import { IsInt, IsString, Length, Max, Min } from 'class-validator';
import { MAX_CENTS, PageOf, NotBlank } from '../http/common.dto';

export class CreateProgrammeRequestDto {
  @ApiProperty({ example: 'ISF innovation envelope 2026' })
  @IsString()
  @Length(1, 200)
  @NotBlank()
  name!: string;

  @ApiProperty({ description: 'Budget envelope in euro cents', example: 250_000_000 })
  @IsInt()
  @Min(0)
  @Max(MAX_CENTS)
  envelopeCents!: number;
}

export class ProgrammeResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ format: 'uuid' }) ownerId!: string;
  @ApiProperty() envelopeCents!: number;
  @ApiProperty() committedCents!: number;
  @ApiProperty() spentCents!: number;
  @ApiProperty({ description: 'envelopeCents − committedCents' }) remainingCents!: number;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export class ProgrammePageResponseDto extends PageOf(ProgrammeResponseDto) {}
