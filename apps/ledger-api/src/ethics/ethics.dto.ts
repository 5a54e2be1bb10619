import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { ANOMALY_ID, ANOMALY_KINDS, type AnomalyKind, EVIDENCE_KINDS, type EvidenceKind, INVESTIGATION_CONCLUSIONS, type InvestigationConclusion, RELATION_KINDS, type RelationKind } from '@ledger/domain';
import { ANOMALY_STATES, type AnomalyState } from '@ledger/projections';
import { CommandDto } from '../common/command.dto';
import { INSTANT_FORMAT, IsInstantWithOffset } from '../common/time-fields';
import { ACCOUNT_ID, AGENCY_CODE, EXAMPLE_USER_ACCOUNT_ID, IsTaiwanId, MONTH, PageLimit, RECORD_ID } from '../access/shared/validators';

export const EXAMPLE_ANOMALY_ID = 'SELF_QUERY:1204:17';

/** 要點 八 「依機關分案規定」: the agency's case system says who works on a case, from when. */
export class RecordCaseAssignmentDto extends CommandDto {
  @ApiProperty({ example: 'SWD001' })
  @Matches(AGENCY_CODE, { message: 'agencyCode must be 1–32 letters, digits or underscores' })
  agencyCode!: string;

  @ApiProperty({ example: '114社救字第0123號', description: '案號 as the case system writes it' })
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  caseNumber!: string;

  @ApiProperty({ example: [EXAMPLE_USER_ACCOUNT_ID], description: 'Every account assigned to the case from assignedFrom on (replaces the earlier set; empty: nobody, the case closed)' })
  @IsArray()
  @ArrayMaxSize(200)
  @Matches(ACCOUNT_ID, { each: true, message: 'accountIds must each be <agencyCode>.<ADMIN|USER>.<holderKey>' })
  accountIds!: string[];

  @ApiProperty({ example: '2025-03-01T09:00:00+08:00', description: `From when this set is assigned. ${INSTANT_FORMAT}` })
  @IsInstantWithOffset()
  assignedFrom!: string;
}

export class RelatedPersonDto {
  @ApiProperty({ example: 'B223456782', description: 'National ID or resident certificate number; only its blind index is kept, as a random person id' })
  @IsTaiwanId()
  nationalId!: string;

  @ApiProperty({ enum: RELATION_KINDS, example: 'RELATIVE', description: '親屬 RELATIVE, 主管 SUPERVISOR, OTHER' })
  @IsIn(RELATION_KINDS)
  relation!: RelationKind;
}

/** 要點 八: 政風's relations list of a user (親屬、主管). */
export class DeclareRelationsDto extends CommandDto {
  @ApiProperty({ example: EXAMPLE_USER_ACCOUNT_ID, description: 'The user whose list this is' })
  @Matches(ACCOUNT_ID, { message: 'accountId must be <agencyCode>.<ADMIN|USER>.<holderKey>' })
  accountId!: string;

  @ApiProperty({ type: [RelatedPersonDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(200)
  @ValidateNested({ each: true })
  @Type(() => RelatedPersonDto)
  entries!: RelatedPersonDto[];
}

export class WithdrawRelationDto extends CommandDto {
  @ApiProperty({ example: EXAMPLE_USER_ACCOUNT_ID })
  @Matches(ACCOUNT_ID, { message: 'accountId must be <agencyCode>.<ADMIN|USER>.<holderKey>' })
  accountId!: string;

  @ApiProperty({ example: 'B223456782' })
  @IsTaiwanId()
  nationalId!: string;

  @ApiProperty({ example: '誤登' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  reason!: string;
}

export class OpenInvestigationDto extends CommandDto {
  @ApiProperty({ example: 'ETH_SWD001_2025_001', description: 'Client-chosen id of the investigation (letters, digits, "_" or ":")' })
  @Matches(RECORD_ID, { message: 'investigationId must be 1–64 letters, digits, "_" or ":"' })
  investigationId!: string;

  @ApiProperty({ example: [EXAMPLE_ANOMALY_ID], description: 'Anomalies of one agency, none under another investigation' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(500)
  @Matches(ANOMALY_ID, { each: true, message: 'anomalyIds must each be an anomaly id <KIND>:<position>[:<variant>]' })
  anomalyIds!: string[];

  @ApiProperty({ example: '疑似查詢己身資料' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  title!: string;
}

export class InvestigationNoteDto extends CommandDto {
  @ApiProperty({ example: '114年4月3日約談當事人,說明查詢原因' })
  @IsString()
  @MinLength(1)
  @MaxLength(4000)
  text!: string;
}

export class InvestigationEvidenceDto extends CommandDto {
  @ApiProperty({ enum: EVIDENCE_KINDS, example: 'DOCUMENT' })
  @IsIn(EVIDENCE_KINDS)
  kind!: EvidenceKind;

  @ApiProperty({ example: '政風室114年第12號簽', description: 'A ledger position, a document number: never personal data' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  reference!: string;

  @ApiProperty({ example: '約談紀錄' })
  @IsString()
  @MinLength(1)
  @MaxLength(1000)
  description!: string;
}

export class ConcludeInvestigationDto extends CommandDto {
  @ApiProperty({ enum: INVESTIGATION_CONCLUSIONS, example: 'VIOLATION', description: 'JUSTIFIED, VIOLATION (opens the joint audit of 要點 十二(二)) or UNFOUNDED' })
  @IsIn(INVESTIGATION_CONCLUSIONS)
  conclusion!: InvestigationConclusion;

  @ApiProperty({ example: '查詢非屬分案範圍,違反要點第八點' })
  @IsString()
  @MinLength(1)
  @MaxLength(4000)
  summary!: string;
}

export class InvestigationIdParam {
  @ApiProperty({ example: 'ETH_SWD001_2025_001' })
  @Matches(RECORD_ID, { message: 'investigationId must be 1–64 letters, digits, "_" or ":"' })
  investigationId!: string;
}

export class AnomalyIdParam {
  @ApiProperty({ example: EXAMPLE_ANOMALY_ID })
  @Matches(ANOMALY_ID, { message: 'anomalyId must be an anomaly id <KIND>:<position>[:<variant>]' })
  anomalyId!: string;
}

const TIME_VALUE = 'a date YYYY-MM-DD (Asia/Taipei) or an ISO-8601 instant with its UTC offset';

export class ReadOptionsDto {
  @ApiPropertyOptional({ enum: ['json', 'csv'], default: 'json' })
  @IsOptional()
  @IsIn(['json', 'csv'])
  format?: 'json' | 'csv';

  @ApiPropertyOptional({ example: '1204', description: 'Read your writes: the position a command returned (also header X-Min-Position)' })
  @IsOptional()
  @Matches(/^\d{1,19}$/, { message: 'minPosition must be a global position (a non-negative integer)' })
  minPosition?: string;
}

export class AnomaliesQueryDto extends ReadOptionsDto {
  @ApiPropertyOptional({ example: 'SWD001' })
  @IsOptional()
  @Matches(AGENCY_CODE, { message: 'agency must be an agency code' })
  agency?: string;

  @ApiPropertyOptional({ enum: ANOMALY_KINDS })
  @IsOptional()
  @IsIn(ANOMALY_KINDS)
  kind?: AnomalyKind;

  @ApiPropertyOptional({ example: EXAMPLE_USER_ACCOUNT_ID })
  @IsOptional()
  @Matches(ACCOUNT_ID, { message: 'account must be <agencyCode>.<ADMIN|USER>.<holderKey>' })
  account?: string;

  @ApiPropertyOptional({ enum: ANOMALY_STATES })
  @IsOptional()
  @IsIn(ANOMALY_STATES)
  state?: AnomalyState;

  @ApiPropertyOptional({ example: '2025-03', description: 'Asia/Taipei month of the first query' })
  @IsOptional()
  @Matches(MONTH, { message: 'month must be YYYY-MM' })
  month?: string;

  @ApiPropertyOptional({ example: '2025-03-01', description: `First query at or after: ${TIME_VALUE} (a date: its start)` })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  from?: string;

  @ApiPropertyOptional({ example: '2025-03-31', description: `First query before: ${TIME_VALUE} (a date: its end)` })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  to?: string;

  @ApiPropertyOptional({ example: '2025-04-05', description: `Ledger time: the anomalies as the ledger knew them then. ${TIME_VALUE}` })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  knownAt?: string;

  @ApiPropertyOptional({ example: EXAMPLE_ANOMALY_ID, description: '`next` of the previous page' })
  @IsOptional()
  @Matches(ANOMALY_ID, { message: 'after must be an anomaly id' })
  after?: string;

  @PageLimit(100)
  limit?: number;
}

export class AnomalySummaryQueryDto extends ReadOptionsDto {
  @ApiPropertyOptional({ example: 'SWD001' })
  @IsOptional()
  @Matches(AGENCY_CODE, { message: 'agency must be an agency code' })
  agency?: string;

  @ApiPropertyOptional({ example: '2025-03' })
  @IsOptional()
  @Matches(MONTH, { message: 'month must be YYYY-MM' })
  month?: string;

  @ApiPropertyOptional({ example: '2025-01' })
  @IsOptional()
  @Matches(MONTH, { message: 'fromMonth must be YYYY-MM' })
  fromMonth?: string;

  @ApiPropertyOptional({ example: '2025-12' })
  @IsOptional()
  @Matches(MONTH, { message: 'toMonth must be YYYY-MM' })
  toMonth?: string;
}

export class AnomalyQueryDto {
  @ApiPropertyOptional({ enum: ['true', 'false'], description: 'Show subjects unmasked (ethics): needs a purpose, and the read is recorded first' })
  @IsOptional()
  @IsIn(['true', 'false'])
  reveal?: 'true' | 'false';

  @ApiPropertyOptional({ example: '政風調查ETH_SWD001_2025_001', description: 'Why the subject is needed; recorded with the read' })
  @IsOptional()
  @IsString()
  @MinLength(4)
  @MaxLength(200)
  purpose?: string;

  @ApiPropertyOptional({ example: '2025-04-05', description: `Ledger time: the anomaly as the ledger knew it then. ${TIME_VALUE}` })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  knownAt?: string;

  @ApiPropertyOptional({ example: 20, description: 'How many pieces of evidence to show with their registration and log line, 1–200, default 20' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  evidence?: number;
}

export class InvestigationsQueryDto extends ReadOptionsDto {
  @ApiPropertyOptional({ example: 'SWD001' })
  @IsOptional()
  @Matches(AGENCY_CODE, { message: 'agency must be an agency code' })
  agency?: string;

  @ApiPropertyOptional({ enum: ['OPEN', 'CONCLUDED'] })
  @IsOptional()
  @IsIn(['OPEN', 'CONCLUDED'])
  state?: 'OPEN' | 'CONCLUDED';
}
