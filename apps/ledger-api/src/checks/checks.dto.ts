import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsInt, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min, MinLength, ValidateNested } from 'class-validator';
import { AUDIT_KINDS, AuditKind, COMPARISON_OUTCOMES, ComparisonOutcome, PROPOSAL_KINDS, ProposalKind } from '@ledger/domain';
import { CommandDto } from '../common/command.dto';
import { AGENCY_CODE, IsCalendarDate, IsOpaquePersonId, MONTH, RECORD_ID } from '../access/shared/validators';

export const QUARTER = /^\d{4}-Q[1-4]$/;
const ENTRY_ID = /^[A-Za-z0-9_:.]{1,160}$/;

export class AgencyMonthParams {
  @ApiProperty({ example: 'SWD001' })
  @Matches(AGENCY_CODE, { message: 'agencyCode must be 1–32 letters, digits or underscores' })
  agencyCode!: string;

  @ApiProperty({ example: '2025-03', description: 'Asia/Taipei month YYYY-MM' })
  @Matches(MONTH, { message: 'month must be YYYY-MM' })
  month!: string;
}

export class AgencyQuarterParams {
  @ApiProperty({ example: 'SWD001' })
  @Matches(AGENCY_CODE, { message: 'agencyCode must be 1–32 letters, digits or underscores' })
  agencyCode!: string;

  @ApiProperty({ example: '2025-Q1', description: 'Asia/Taipei quarter YYYY-Qn' })
  @Matches(QUARTER, { message: 'quarter must be YYYY-Qn' })
  quarter!: string;
}

export class DrawSampleDto extends CommandDto {
  @ApiPropertyOptional({ example: 'f2c28698f72ed7674dc709da48876826bc0006bf00238e6147e4510b8544a9d6', description: 'The seed you recomputed (hex); the draw is refused (422 SAMPLE_SEED_MISMATCH) when the ledger\'s differs' })
  @IsOptional()
  @Matches(/^[0-9a-fA-F]{64}$/, { message: 'expectedSeed must be 64 hex digits' })
  expectedSeed?: string;
}

export class CompareEntryDto extends CommandDto {
  @ApiProperty({ example: 'SWD001.0123456789abcdef0123456789abcdef.17', description: 'A sampled logged query (<importId>.<lineNo>)' })
  @Matches(ENTRY_ID, { message: 'entryId must be a logged query id' })
  entryId!: string;

  @ApiProperty({ enum: COMPARISON_OUTCOMES, example: 'MATCH' })
  @IsIn(COMPARISON_OUTCOMES)
  outcome!: ComparisonOutcome;

  @ApiPropertyOptional({ example: 'SWD001_2025_000123', description: 'The registration compared with; absent for MISSING' })
  @IsOptional()
  @Matches(RECORD_ID, { message: 'registrationId must be 1–64 letters, digits, "_" or ":"' })
  registrationId?: string;

  @ApiPropertyOptional({ example: '案號相符,事由一致' })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  note?: string;

  @ApiPropertyOptional({ example: false, description: '要點 十二(二): a major anomaly opens a joint audit with the ethics and IT units' })
  @IsOptional()
  @IsBoolean()
  majorAnomaly?: boolean;
}

export class SignOffDto extends CommandDto {
  @ApiProperty({ example: 'person_9f2c4e7a1b3d5f60718293a4b5c6d7e8', description: "The agency's designated dedicated staff who did the check (要點 十(一))" })
  @IsOpaquePersonId()
  checkerPersonId!: string;
}

export class SubmitQuarterDto extends CommandDto {
  @ApiProperty({ example: 'LAB001', description: 'The competent authority (權責管理機關) the records go to' })
  @Matches(AGENCY_CODE, { message: 'competentAuthorityCode must be 1–32 letters, digits or underscores' })
  competentAuthorityCode!: string;
}

export class FindingDto {
  @ApiProperty({ example: '查詢紀錄單未按月列印' })
  @IsString()
  @MinLength(1)
  @MaxLength(2000)
  description!: string;

  @ApiProperty({ example: true, description: 'A breach of the 要點 (corrected at once, review report due, 要點 十二(四))' })
  @IsBoolean()
  breach!: boolean;

  @ApiPropertyOptional({ example: '要點 十二(一)' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  rule?: string;
}

export class ProposalDto {
  @ApiProperty({ enum: PROPOSAL_KINDS, example: 'REWARD' })
  @IsIn(PROPOSAL_KINDS)
  kind!: ProposalKind;

  @ApiProperty({ example: '查核確實,建議嘉獎' })
  @IsString()
  @MinLength(1)
  @MaxLength(2000)
  text!: string;
}

export class FileAuditDto extends CommandDto {
  @ApiProperty({ example: 'SWD001_2025_self' })
  @Matches(RECORD_ID, { message: 'auditId must be 1–64 letters, digits, "_" or ":"' })
  auditId!: string;

  @ApiProperty({ enum: AUDIT_KINDS, example: 'SELF_AUDIT', description: "SELF_AUDIT: a body's own yearly audit; REQUESTER_AUDIT: the competent authority with the central admin audits a requester (要點 十二(三))" })
  @IsIn(AUDIT_KINDS)
  kind!: AuditKind;

  @ApiProperty({ example: 'SWD001' })
  @Matches(AGENCY_CODE, { message: 'auditedAgencyCode must be 1–32 letters, digits or underscores' })
  auditedAgencyCode!: string;

  @ApiPropertyOptional({ example: 'DIT001', description: 'REQUESTER_AUDIT: the central admin auditing with the competent authority' })
  @IsOptional()
  @Matches(AGENCY_CODE, { message: 'centralAdminCode must be 1–32 letters, digits or underscores' })
  centralAdminCode?: string;

  @ApiProperty({ example: '2024-07-01' })
  @IsCalendarDate()
  periodFrom!: string;

  @ApiProperty({ example: '2025-06-30' })
  @IsCalendarDate()
  periodTo!: string;

  @ApiProperty({ example: true, description: '要點 十二(三): the audit includes the work with BLI data' })
  @IsBoolean()
  coversBliDataWork!: boolean;

  @ApiProperty({ example: '年度資訊安全稽核,含使用勞保局資料作業' })
  @IsString()
  @MinLength(1)
  @MaxLength(4000)
  summary!: string;

  @ApiProperty({ type: [FindingDto] })
  @IsArray()
  @ArrayMaxSize(200)
  @ValidateNested({ each: true })
  @Type(() => FindingDto)
  findings!: FindingDto[];

  @ApiPropertyOptional({ type: [ProposalDto] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => ProposalDto)
  proposals?: ProposalDto[];
}

export class AuditIdParam {
  @ApiProperty({ example: 'SWD001_2025_self' })
  @Matches(RECORD_ID, { message: 'auditId must be 1–64 letters, digits, "_" or ":"' })
  auditId!: string;
}

export class JointAuditIdParam {
  @ApiProperty({ example: '7d0c1f7e-3f43-4c1b-9a55-2f9e0b8a6c11' })
  @IsUUID()
  jointAuditId!: string;
}

export class FindingNoParams {
  @ApiProperty({ example: 1 })
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  findingNo!: number;
}

export class AuditFindingParams extends FindingNoParams {
  @ApiProperty({ example: 'SWD001_2025_self' })
  @Matches(RECORD_ID, { message: 'auditId must be 1–64 letters, digits, "_" or ":"' })
  auditId!: string;
}

export class JointAuditFindingParams extends FindingNoParams {
  @ApiProperty({ example: '7d0c1f7e-3f43-4c1b-9a55-2f9e0b8a6c11' })
  @IsUUID()
  jointAuditId!: string;
}

export class BreachReviewDto extends CommandDto {
  @ApiProperty({ example: '2025-06-21', description: 'Asia/Taipei day the breach was corrected (at once, 要點 十二(四))' })
  @IsCalendarDate()
  correctedOn!: string;

  @ApiProperty({ example: '已補印查詢紀錄單並建立每月檢核' })
  @IsString()
  @MinLength(1)
  @MaxLength(4000)
  correction!: string;

  @ApiProperty({ example: '檢討報告:原因、改正、防止再發' })
  @IsString()
  @MinLength(1)
  @MaxLength(8000)
  review!: string;

  @ApiProperty({ example: 'LAB001', description: 'The competent authority the review report goes to' })
  @Matches(AGENCY_CODE, { message: 'competentAuthorityCode must be 1–32 letters, digits or underscores' })
  competentAuthorityCode!: string;
}

export class JointAuditReportDto extends CommandDto {
  @ApiProperty({ example: 'person_9f2c4e7a1b3d5f60718293a4b5c6d7e8', description: "The requester's checker who leads the joint audit" })
  @IsOpaquePersonId()
  checkerPersonId!: string;

  @ApiProperty({ example: '政風室' })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  ethicsUnit!: string;

  @ApiProperty({ example: '資訊室' })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  itUnit!: string;

  @ApiProperty({ example: '查詢對象非承辦案件當事人,已移送政風' })
  @IsString()
  @MinLength(1)
  @MaxLength(8000)
  conclusion!: string;

  @ApiProperty({ type: [FindingDto] })
  @IsArray()
  @ArrayMaxSize(200)
  @ValidateNested({ each: true })
  @Type(() => FindingDto)
  findings!: FindingDto[];
}
