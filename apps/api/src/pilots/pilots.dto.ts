import { ApiProperty, ApiPropertyOptional, OmitType, PartialType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  Min,
  ValidateIf,
  ValidateNested,
  IsObject,
} from 'class-validator';
import { AI_ACT_CLASSES, AiActClass, PILOT_DOMAINS, PilotDomain, SENSITIVITIES, Sensitivity, Stage, STAGES } from '@labgate/domain';
import { MAX_CENTS, PageOf, PageQueryDto, NotBlank } from '../http/common.dto';

const TEXT_MAX = 20_000;
const AGENCY_CODE = /^[A-Z][A-Z0-9-]{1,15}$/;

export class TrlDto {
  @ApiProperty({ minimum: 1, maximum: 9, example: 4 })
  @IsInt()
  @Min(1)
  @Max(9)
  current!: number;

  @ApiProperty({ minimum: 1, maximum: 9, example: 7 })
  @IsInt()
  @Min(1)
  @Max(9)
  target!: number;
}

export class ExamDto {
  @ApiProperty({ example: 'mid-term' })
  @IsString()
  @Length(1, 200)
  @NotBlank()
  name!: string;

  @ApiProperty({ example: 'share of JIT evidence items with verifiable custody trail' })
  @IsString()
  @Length(1, 1000)
  @NotBlank()
  metric!: string;

  @ApiProperty({ example: '≥ 95 %' })
  @IsString()
  @Length(1, 1000)
  @NotBlank()
  target!: string;

  @ApiProperty({ format: 'date', example: '2027-03-31' })
  @IsISO8601({ strict: true })
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'must be a date YYYY-MM-DD' })
  dueBy!: string;
}

/** DARPA's Heilmeier catechism. */
export class HeilmeierDto {
  @ApiProperty({ description: 'What are you trying to do? No jargon.' })
  @IsString()
  @Length(1, TEXT_MAX)
  @NotBlank()
  objective!: string;

  @ApiProperty({ description: 'How is it done today, and what are the limits?' })
  @IsString()
  @Length(1, TEXT_MAX)
  @NotBlank()
  currentPractice!: string;

  @ApiProperty({ description: 'What is new, and why will it work?' })
  @IsString()
  @Length(1, TEXT_MAX)
  @NotBlank()
  novelty!: string;

  @ApiProperty({ description: 'Who cares? What difference will it make?' })
  @IsString()
  @Length(1, TEXT_MAX)
  @NotBlank()
  impact!: string;

  @ApiProperty()
  @IsString()
  @Length(1, TEXT_MAX)
  @NotBlank()
  risks!: string;

  @ApiProperty()
  @IsString()
  @Length(1, TEXT_MAX)
  @NotBlank()
  cost!: string;

  @ApiProperty()
  @IsString()
  @Length(1, TEXT_MAX)
  @NotBlank()
  schedule!: string;

  @ApiProperty({ type: [ExamDto], description: 'The mid-term and final exams the gates check' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @ArrayUnique((e: ExamDto) => e?.name, { message: 'exam names must be unique' })
  @ValidateNested({ each: true })
  @Type(() => ExamDto)
  exams!: ExamDto[];
}

/** Any catechism fields, each as strict as on creation: null is no answer to replace one with. */
export class PartialHeilmeierDto extends PartialType(HeilmeierDto, { skipNullProperties: false }) {}

export class CreatePilotRequestDto {
  @ApiProperty({ example: 'Blockchain custody ledger for joint investigation teams' })
  @IsString()
  @Length(1, 300)
  @NotBlank()
  title!: string;

  @ApiProperty()
  @IsString()
  @Length(1, TEXT_MAX)
  @NotBlank()
  summary!: string;

  @ApiProperty({ enum: PILOT_DOMAINS })
  @IsIn(PILOT_DOMAINS)
  domain!: PilotDomain;

  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  programmeId!: string;

  @ApiProperty({ type: [String], example: ['EUROJUST'] })
  @IsArray()
  @ArrayMaxSize(20)
  @ArrayUnique()
  @Matches(AGENCY_CODE, { each: true, message: 'each partner must be an agency code such as FRONTEX' })
  partnerAgencies!: string[];

  @ApiProperty({ type: TrlDto })
  @IsObject({ message: '$property must be an object' })
  @ValidateNested()
  @Type(() => TrlDto)
  trl!: TrlDto;

  @ApiProperty({ description: 'Euro cents', example: 45_000_000 })
  @IsInt()
  @Min(0)
  @Max(MAX_CENTS)
  budgetRequestedCents!: number;

  @ApiProperty()
  @IsBoolean()
  personalData!: boolean;

  @ApiPropertyOptional({ description: 'Data protection impact assessment reference; required when personalData' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  @NotBlank()
  dpiaRef?: string;

  @ApiProperty({ enum: SENSITIVITIES })
  @IsIn(SENSITIVITIES)
  sensitivity!: Sensitivity;

  @ApiProperty({ type: HeilmeierDto })
  @IsObject({ message: '$property must be an object' })
  @ValidateNested()
  @Type(() => HeilmeierDto)
  heilmeier!: HeilmeierDto;

  @ApiPropertyOptional({ enum: AI_ACT_CLASSES, description: 'EU AI Act class; needed before any gate for ai and biometrics pilots; prohibited → 422' })
  @IsOptional()
  @IsIn(AI_ACT_CLASSES)
  aiActClass?: AiActClass;

  @ApiPropertyOptional({ description: 'Fundamental-rights impact assessment reference; a high-risk AI pilot needs it before the test gate' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  @NotBlank()
  friaRef?: string;

  @ApiPropertyOptional({ description: 'Real-world testing plan reference; a high-risk AI pilot tested outside a sandbox needs it before the test gate' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  @NotBlank()
  realWorldTestingPlanRef?: string;

  @ApiPropertyOptional({ description: 'Whether the testing stage runs outside a regulatory sandbox (default false)' })
  @ValidateIf((_, value: unknown) => value !== undefined) // absent is false; null is no boolean
  @IsBoolean()
  testingOutsideSandbox?: boolean;

  @ApiPropertyOptional({ description: 'Security accreditation reference; needed before the accelerate gate' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  @NotBlank()
  securityAccreditationRef?: string;
}

/**
 * Any fields of a pilot, each checked as on creation. Null clears only what a pilot may lack (the
 * references and the AI Act class, which are optional there too); for a title, a domain or a
 * budget it is refused, as absent from a creation would be.
 */
export class UpdatePilotRequestDto extends PartialType(OmitType(CreatePilotRequestDto, ['heilmeier'] as const), { skipNullProperties: false }) {
  @ApiPropertyOptional({ type: PartialHeilmeierDto, description: 'The catechism fields given replace the stored ones' })
  @ValidateIf((_, value: unknown) => value !== undefined)
  @IsObject({ message: '$property must be an object' })
  @ValidateNested()
  @Type(() => PartialHeilmeierDto)
  heilmeier?: PartialHeilmeierDto;
}

export class PilotListQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: STAGES })
  @IsOptional()
  @IsIn(STAGES)
  stage?: Stage;

  @ApiPropertyOptional({ enum: PILOT_DOMAINS })
  @IsOptional()
  @IsIn(PILOT_DOMAINS)
  domain?: PilotDomain;

  @ApiPropertyOptional({ description: 'Lead or partner agency code', example: 'FRONTEX' })
  @IsOptional()
  @Matches(AGENCY_CODE)
  agency?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  programmeId?: string;

  @ApiPropertyOptional({ description: 'Text in code, title or summary' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  q?: string;
}

export class WithdrawalRequestDto {
  @ApiProperty({ description: 'What the lab learned; required to abandon' })
  @IsString()
  @Length(1, TEXT_MAX)
  @NotBlank()
  lessonsLearned!: string;
}

export class CreateExpenditureRequestDto {
  @ApiProperty({ description: 'Euro cents', example: 1_250_000 })
  @IsInt()
  @Min(1)
  @Max(MAX_CENTS)
  amountCents!: number;

  @ApiProperty({ example: 'Hyperledger Fabric test network hosting, Q1' })
  @IsString()
  @Length(1, 1000)
  @NotBlank()
  description!: string;

  @ApiProperty({ format: 'date', example: '2026-11-20' })
  @IsISO8601({ strict: true })
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'must be a date YYYY-MM-DD' })
  spentOn!: string;
}

export class PilotResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'JIL-2026-0007' }) code!: string;
  @ApiProperty() title!: string;
  @ApiProperty() summary!: string;
  @ApiProperty({ enum: PILOT_DOMAINS }) domain!: PilotDomain;
  @ApiProperty({ enum: STAGES }) stage!: Stage;
  @ApiProperty({ example: 'EUROPOL' }) leadAgency!: string;
  @ApiProperty({ format: 'uuid' }) leadId!: string;
  @ApiProperty({ type: [String] }) partnerAgencies!: string[];
  @ApiProperty({ format: 'uuid' }) programmeId!: string;
  @ApiProperty({ type: TrlDto }) trl!: TrlDto;
  @ApiProperty() budgetRequestedCents!: number;
  @ApiProperty() committedCents!: number;
  @ApiProperty() spentCents!: number;
  @ApiProperty() personalData!: boolean;
  @ApiProperty({ type: String, nullable: true }) dpiaRef!: string | null;
  @ApiProperty({ enum: SENSITIVITIES }) sensitivity!: Sensitivity;
  @ApiProperty({ type: HeilmeierDto }) heilmeier!: HeilmeierDto;
  @ApiProperty({ enum: AI_ACT_CLASSES, nullable: true }) aiActClass!: AiActClass | null;
  @ApiProperty({ type: String, nullable: true }) friaRef!: string | null;
  @ApiProperty({ type: String, nullable: true }) realWorldTestingPlanRef!: string | null;
  @ApiProperty() testingOutsideSandbox!: boolean;
  @ApiProperty({ type: String, nullable: true }) securityAccreditationRef!: string | null;
  @ApiProperty({ type: String, nullable: true }) lessonsLearned!: string | null;
  @ApiProperty({ description: 'Also the ETag' }) version!: number;
  @ApiProperty({ format: 'date-time' }) stageEnteredAt!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

export class PilotPageResponseDto extends PageOf(PilotResponseDto) {}

export class ExpenditureResponseDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) pilotId!: string;
  @ApiProperty() amountCents!: number;
  @ApiProperty() description!: string;
  @ApiProperty({ format: 'date' }) spentOn!: string;
  @ApiProperty({ format: 'uuid' }) reportedBy!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export class ExpenditurePageResponseDto extends PageOf(ExpenditureResponseDto) {}

export class AuditEventResponseDto {
  @ApiProperty() seq!: number;
  @ApiProperty({ example: 'pilot.created' }) action!: string;
  @ApiProperty({ description: 'User id, or "policy" / "system"' }) actorId!: string;
  @ApiProperty({ format: 'date-time' }) at!: string;
  @ApiProperty({ type: Object }) payload!: unknown;
  @ApiProperty() prevHash!: string;
  @ApiProperty() hash!: string;
}

export class AuditPageResponseDto extends PageOf(AuditEventResponseDto) {}

export class AuditVerifyResponseDto {
  @ApiProperty() valid!: boolean;
  @ApiProperty() events!: number;
  @ApiPropertyOptional() brokenAtSeq?: number;
}
