import { Body, Get, Param, ParseEnumPipe, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsInt, IsNumber, IsOptional, IsString, Length, Max, Min, ValidateNested, IsObject } from 'class-validator';
import { Gate, GATES, PREREQUISITES, Prerequisite, TALLY_RULES, TallyRule } from '@labgate/domain';
import { AppError, PoliciesService, Principal } from '@labgate/core';
import { Caller, Roles } from '../auth/auth.decorators';
import { GuardedController } from '../auth/guarded-controller';

class ThresholdsDto {
  @ApiProperty({ minimum: 0, maximum: 5, example: 3 }) @IsNumber() @Min(0) @Max(5) excellence!: number;
  @ApiProperty({ minimum: 0, maximum: 5, example: 3 }) @IsNumber() @Min(0) @Max(5) impact!: number;
  @ApiProperty({ minimum: 0, maximum: 5, example: 3 }) @IsNumber() @Min(0) @Max(5) implementation!: number;
  @ApiProperty({ minimum: 0, maximum: 15, example: 10 }) @IsNumber() @Min(0) @Max(15) total!: number;
}

export class GatePolicyRequestDto {
  @ApiProperty({ description: 'Hours a review stays open (fractions allowed)', example: 240 })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  slaHours!: number;

  @ApiProperty({ example: 48 })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  reminderHoursBeforeDue!: number;

  @ApiProperty({ description: 'Share of seats that must vote, (0, 1]', example: 1 })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  quorum!: number;

  @ApiProperty({ enum: TALLY_RULES })
  @IsIn(TALLY_RULES)
  rule!: TallyRule;

  @ApiProperty({ type: [String], example: ['data-protection', 'funding'] })
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @Length(1, 32, { each: true })
  vetoSeats!: string[];

  @ApiProperty({ type: ThresholdsDto })
  @IsObject({ message: '$property must be an object' })
  @ValidateNested()
  @Type(() => ThresholdsDto)
  thresholds!: ThresholdsDto;

  @ApiProperty({ example: 2 })
  @IsInt()
  maxRounds!: number;

  @ApiPropertyOptional({ enum: PREREQUISITES, isArray: true, description: 'Compliance references a submission to this gate needs (each applies only to the pilots it concerns); the gate’s defaults when absent' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(PREREQUISITES.length)
  @IsIn(PREREQUISITES, { each: true })
  prerequisites?: Prerequisite[];
}

export class GatePolicyResponseDto extends GatePolicyRequestDto {
  @ApiProperty({ enum: GATES }) gate!: Gate;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
  @ApiProperty({ type: String, nullable: true }) updatedBy!: string | null;
}

const gatePipe = new ParseEnumPipe(Object.fromEntries(GATES.map((g) => [g, g])), {
  exceptionFactory: () => new AppError('RESOURCE.NOT_FOUND', `No such gate; gates are ${GATES.join(', ')}`),
});

@ApiTags('gate policies')
@ApiBearerAuth()
@GuardedController('v1/gate-policies')
export class GatePoliciesController {
  constructor(private readonly policies: PoliciesService) {}

  @Get(':gate')
  @ApiOkResponse({ type: GatePolicyResponseDto })
  get(@Param('gate', gatePipe) gate: Gate): Promise<GatePolicyResponseDto> {
    return this.policies.get(gate);
  }

  @Put(':gate')
  @Roles('chair')
  @ApiOkResponse({ type: GatePolicyResponseDto, description: 'New reviews run under it; open ones keep their snapshot' })
  put(@Caller() caller: Principal, @Param('gate', gatePipe) gate: Gate, @Body() body: GatePolicyRequestDto): Promise<GatePolicyResponseDto> {
    return this.policies.put(caller, gate, body);
  }
}
