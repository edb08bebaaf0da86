import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Max,
  Min,
  ValidateBy,
  ValidateNested,
  IsObject,
} from 'class-validator';
import { Outcome, OUTCOMES } from '@labgate/domain';
import { MAX_CENTS, PageOf, PageQueryDto, NotBlank } from '../http/common.dto';

const TEXT_MAX = 20_000;

/** A score 0–5 in half points, as in Horizon Europe evaluation. */
const Score = () =>
  applyDecorators(
    ApiProperty({ minimum: 0, maximum: 5, multipleOf: 0.5 }),
    IsNumber({ allowNaN: false, allowInfinity: false }),
    Min(0),
    Max(5),
    ValidateBy({
      name: 'isHalfStep',
      validator: { validate: (value: unknown) => typeof value === 'number' && Number.isInteger(value * 2), defaultMessage: () => 'must be a multiple of 0.5' },
    }),
  );

export class ExamResultDto {
  @ApiProperty({ description: 'The name of one of the pilot’s exams', example: 'mid-term' })
  @IsString()
  @Length(1, 200)
  @NotBlank()
  exam!: string;

  @ApiProperty({ example: '97 % of evidence items traced' })
  @IsString()
  @Length(1, 2000)
  @NotBlank()
  actual!: string;

  @ApiProperty()
  @IsBoolean()
  passed!: boolean;
}

export class SubmissionRequestDto {
  @ApiProperty({ description: 'Tranche requested at this gate, euro cents (≤ the rest of the requested budget)', example: 15_000_000 })
  @IsInt()
  @Min(0)
  @Max(MAX_CENTS)
  trancheCents!: number;

  @ApiProperty({ minimum: 1, maximum: 9, example: 5 })
  @IsInt()
  @Min(1)
  @Max(9)
  trl!: number;

  @ApiProperty({ type: [ExamResultDto] })
  @IsArray()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => ExamResultDto)
  examResults!: ExamResultDto[];

  @ApiProperty({ description: 'The evidence report' })
  @IsString()
  @Length(1, TEXT_MAX)
  @NotBlank()
  report!: string;
}

export class SubmissionResponseDto {
  @ApiProperty({ format: 'uuid' }) gateReviewId!: string;
  @ApiProperty({ example: 'fund' }) gate!: string;
  @ApiProperty() round!: number;
  @ApiProperty({ example: 'open' }) status!: string;
}

export class ScoresDto {
  @Score() excellence!: number;
  @Score() impact!: number;
  @Score() implementation!: number;
}

export class VoteRequestDto {
  @ApiProperty({ enum: OUTCOMES, description: 'The gate’s go word (fund, test or accelerate), revise or abandon' })
  @IsIn(OUTCOMES)
  recommendation!: Outcome;

  @ApiProperty({ type: ScoresDto })
  @IsObject({ message: '$property must be an object' })
  @ValidateNested()
  @Type(() => ScoresDto)
  scores!: ScoresDto;

  @ApiProperty()
  @IsString()
  @Length(1, TEXT_MAX)
  @NotBlank()
  rationale!: string;
}

export class VoteResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() seat!: string;
  @ApiProperty({ format: 'uuid' }) reviewerId!: string;
  @ApiProperty({ enum: OUTCOMES }) recommendation!: Outcome;
  @ApiProperty({ type: ScoresDto }) scores!: ScoresDto;
  @ApiProperty() rationale!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export class DecisionRequestDto {
  @ApiProperty({ enum: OUTCOMES })
  @IsIn(OUTCOMES)
  outcome!: Outcome;

  @ApiProperty()
  @IsString()
  @Length(1, TEXT_MAX)
  @NotBlank()
  rationale!: string;
}

export class DeclineRequestDto {
  @ApiProperty({ example: 'I advised the consortium that built the prototype.' })
  @IsString()
  @Length(1, 2000)
  @NotBlank()
  reason!: string;
}

export class ReassignRequestDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  reviewerId!: string;
}

export class SeatResponseDto {
  @ApiProperty() seat!: string;
  @ApiProperty({ format: 'uuid' }) assignmentId!: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) reviewerId!: string | null;
  @ApiProperty({ enum: ['unassigned', 'pending', 'voted', 'declined', 'cancelled'] }) status!: string;
}

export class DecisionResponseDto {
  @ApiProperty({ enum: OUTCOMES }) outcome!: Outcome;
  @ApiProperty() rationale!: string;
  @ApiProperty({ description: '"policy" or the deciding chair’s user id' }) decidedBy!: string;
  @ApiProperty({ format: 'date-time' }) decidedAt!: string;
}

export class GateReviewResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) pilotId!: string;
  @ApiProperty({ enum: ['fund', 'test', 'accelerate'] }) gate!: string;
  @ApiProperty() round!: number;
  @ApiProperty({ enum: ['open', 'escalated', 'decided', 'cancelled'] }) status!: string;
  @ApiProperty({ format: 'date-time' }) openedAt!: string;
  @ApiProperty({ format: 'date-time' }) dueAt!: string;
  @ApiProperty({ type: Object, description: 'The gate policy snapshot the review runs under' }) policy!: object;
  @ApiProperty({ type: Object }) evidence!: object;
  @ApiProperty({ type: [SeatResponseDto] }) seats!: SeatResponseDto[];
  @ApiPropertyOptional({ type: [VoteResponseDto], description: 'Before the decision, only the votes the reader may see: their own, or all of them for chairs; after it, all' }) votes?: VoteResponseDto[];
  @ApiPropertyOptional({ type: Object, description: 'The running tally (counts, means, votes cast); before the decision, to chairs only, since it sums the secret votes' }) tally?: object;
  @ApiPropertyOptional({ example: 'no-quorum' }) escalationReason?: string;
  @ApiPropertyOptional({ type: DecisionResponseDto }) decision?: DecisionResponseDto;
}

export class GateReviewPageResponseDto extends PageOf(GateReviewResponseDto) {}

export class AssignmentResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) gateReviewId!: string;
  @ApiProperty({ format: 'uuid' }) pilotId!: string;
  @ApiProperty() seat!: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) reviewerId!: string | null;
  @ApiProperty({ enum: ['unassigned', 'pending', 'voted', 'declined', 'cancelled'] }) status!: string;
  @ApiProperty({ format: 'date-time' }) dueAt!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export class AssignmentPageResponseDto extends PageOf(AssignmentResponseDto) {}

export class DeclineResponseDto {
  @ApiProperty({ type: AssignmentResponseDto }) declined!: AssignmentResponseDto;
  @ApiProperty({ type: AssignmentResponseDto, description: 'The seat’s new assignment (status unassigned when nobody eligible is left)' })
  next!: AssignmentResponseDto;
}

export class AssignmentQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: ['pending', 'voted', 'declined', 'cancelled'] })
  @IsOptional()
  @IsIn(['pending', 'voted', 'declined', 'cancelled'])
  status?: 'pending' | 'voted' | 'declined' | 'cancelled';
}
