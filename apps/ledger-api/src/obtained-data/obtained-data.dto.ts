import { ApiProperty, ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsDefined, IsIn, IsOptional, IsString, Matches, MaxLength, ValidateIf, ValidateNested } from 'class-validator';
import { DELETION_METHODS, DISCLOSURE_RECIPIENTS, OBTAINED_COPY_KINDS, OBTAINED_MEDIA, OBTAINED_PROTECTIONS, USE_END_REASONS } from '@ledger/domain';
import { CommandDto } from '../common/command.dto';
import { ACCOUNT_ID, AGENCY_CODE, EXAMPLE_ADMIN_ACCOUNT_ID, IsCalendarDate, RECORD_ID } from '../access/shared/validators';

const ID_MESSAGE = (field: string) => `${field} must be 1–64 letters, digits, "_" or ":"`;
const TEXT = 500;

export class RecordIdParam {
  @ApiProperty({ example: 'SWD001_2025_OD_001' })
  @Matches(RECORD_ID, { message: ID_MESSAGE('recordId') })
  recordId!: string;
}

export class ObtainedDataCopyDto {
  @ApiProperty({ example: 'case_file', description: 'Client-chosen id of this copy, named again when it is deleted' })
  @Matches(RECORD_ID, { message: ID_MESSAGE('copyId') })
  copyId!: string;

  @ApiProperty({ enum: OBTAINED_COPY_KINDS, description: 'ORIGINAL as obtained, DERIVED made from it, BACKUP (要點 十一(三)2)' })
  @IsIn(OBTAINED_COPY_KINDS)
  kind!: (typeof OBTAINED_COPY_KINDS)[number];

  @ApiProperty({ enum: OBTAINED_MEDIA })
  @IsIn(OBTAINED_MEDIA)
  medium!: (typeof OBTAINED_MEDIA)[number];

  @ApiProperty({ enum: OBTAINED_PROTECTIONS, description: '要點 九(一)3: paper CONFIDENTIAL_PAPER (密件), electronic ENCRYPTED_FILE; anything else is refused (422)' })
  @IsIn(OBTAINED_PROTECTIONS)
  protection!: (typeof OBTAINED_PROTECTIONS)[number];

  @ApiProperty({ example: '社會救助科加密檔案區', description: 'Where it is kept (no personal data)' })
  @IsString()
  @MaxLength(TEXT)
  location!: string;
}

export class DeclaredPeriodDto {
  @ApiProperty({ example: '2025-06-30', nullable: true, description: 'Last day of use declared (Asia/Taipei), or null when tied to an event such as the case closing' })
  @ValidateIf((o: DeclaredPeriodDto) => o.until !== null)
  @IsCalendarDate()
  until!: string | null;

  @ApiProperty({ example: '低收入戶資格審查案件辦結為止', description: '要點 十一(二)2: the basis of the period' })
  @IsString()
  @MaxLength(TEXT)
  basis!: string;
}

export class StatutoryRetentionDto {
  @ApiProperty({ example: '2030-12-31', description: 'Kept by law at least until the end of this Asia/Taipei day (要點 十一(二)1)' })
  @IsCalendarDate()
  until!: string;

  @ApiProperty({ example: '檔案法第12條' })
  @IsString()
  @MaxLength(TEXT)
  basis!: string;
}

export class RecordObtainedDataFields {
  @ApiProperty({ example: 'SWD001_2025_OD_001', description: 'Client-chosen id of this body of obtained data' })
  @Matches(RECORD_ID, { message: ID_MESSAGE('recordId') })
  recordId!: string;

  @ApiProperty({ example: 'SWD001' })
  @Matches(AGENCY_CODE, { message: 'agencyCode must be 1–32 letters, digits or underscores' })
  agencyCode!: string;

  @ApiProperty({ example: ['SWD001_2025_000123'], description: 'The query registrations the data came from (1–1,000; a batch lists all of its own)' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @Matches(RECORD_ID, { each: true, message: 'registrationIds must be registration ids' })
  registrationIds!: string[];

  @ApiProperty({ example: '2025-03-05', description: 'Asia/Taipei day the data was obtained' })
  @IsCalendarDate()
  obtainedOn!: string;

  @ApiProperty({ example: '社會救助法第44條之3' })
  @IsString()
  @MaxLength(TEXT)
  legalBasis!: string;

  @ApiProperty({ type: () => DeclaredPeriodDto, description: '要點 十一(二)2: the declared period of use and its basis' })
  @IsDefined()
  @ValidateNested()
  @Type(() => DeclaredPeriodDto)
  use!: DeclaredPeriodDto;

  @ApiPropertyOptional({ type: () => StatutoryRetentionDto, nullable: true, description: '要點 十一(二)1: a retention period set by law, which takes precedence' })
  @IsOptional()
  @ValidateNested()
  @Type(() => StatutoryRetentionDto)
  statutoryRetention?: StatutoryRetentionDto | null;

  @ApiProperty({ type: [ObtainedDataCopyDto], description: 'Every copy kept: the original, derived files, backups (1–100)' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => ObtainedDataCopyDto)
  copies!: ObtainedDataCopyDto[];
}
export class RecordObtainedDataDto extends IntersectionType(CommandDto, RecordObtainedDataFields) {}

export class RecordCopyDto extends CommandDto {
  @ApiProperty({ type: () => ObtainedDataCopyDto, description: 'A derived file or backup made later (要點 十一(三)2)' })
  @IsDefined()
  @ValidateNested()
  @Type(() => ObtainedDataCopyDto)
  copy!: ObtainedDataCopyDto;
}

export class DiscloseDto extends CommandDto {
  @ApiProperty({ example: 'dis_1' })
  @Matches(RECORD_ID, { message: ID_MESSAGE('disclosureId') })
  disclosureId!: string;

  @ApiProperty({ enum: DISCLOSURE_RECIPIENTS })
  @IsIn(DISCLOSURE_RECIPIENTS)
  recipientKind!: (typeof DISCLOSURE_RECIPIENTS)[number];

  @ApiProperty({ example: '臺灣臺北地方法院', description: 'The recipient body (no personal data)' })
  @IsString()
  @MaxLength(TEXT)
  recipient!: string;

  @ApiProperty({ example: '2025-04-01' })
  @IsCalendarDate()
  disclosedOn!: string;

  @ApiPropertyOptional({ example: '刑事訴訟法第133條', nullable: true, description: '要點 八: required, unless reporting a disclosure already made (reportedBreach)' })
  @IsOptional()
  @IsString()
  @MaxLength(TEXT)
  legalBasis?: string | null;

  @ApiPropertyOptional({ default: false, description: 'Reporting a disclosure that already happened: without a legal basis it is recorded flagged NO_LEGAL_BASIS instead of refused' })
  @IsOptional()
  @IsBoolean()
  reportedBreach?: boolean;
}

export class EndUseDto extends CommandDto {
  @ApiProperty({ example: '2025-07-01', description: 'Asia/Taipei day the use was complete or its basis lapsed' })
  @IsCalendarDate()
  endedOn!: string;

  @ApiProperty({ enum: USE_END_REASONS, description: 'USE_COMPLETE (要點 十一(二)2) or BASIS_LAPSED (十一(二)3)' })
  @IsIn(USE_END_REASONS)
  reason!: (typeof USE_END_REASONS)[number];

  @ApiPropertyOptional({ example: '案件已辦結,無保存必要' })
  @IsOptional()
  @IsString()
  @MaxLength(TEXT)
  note?: string;
}

export class PerformedByDto {
  @ApiProperty({ example: '社會救助科', description: 'The unit that deleted (no personal names)' })
  @IsString()
  @MaxLength(TEXT)
  unit!: string;

  @ApiPropertyOptional({ example: EXAMPLE_ADMIN_ACCOUNT_ID, nullable: true, description: 'The WebIR account of the person who deleted, when there is one' })
  @IsOptional()
  @Matches(ACCOUNT_ID, { message: 'accountId must be <agencyCode>.<ADMIN|USER>.<holderKey>' })
  accountId?: string | null;
}

export class EvidenceDto {
  @ApiProperty({ example: '114社救字第0456號簽' })
  @IsString()
  @MaxLength(TEXT)
  reference!: string;

  @ApiProperty({ example: '覆寫工具報告與銷毀紀錄,保存五年(要點 十一(三)3)' })
  @IsString()
  @MaxLength(TEXT)
  description!: string;
}

export class DeleteDto extends CommandDto {
  @ApiProperty({ example: 'del_1' })
  @Matches(RECORD_ID, { message: ID_MESSAGE('deletionId') })
  deletionId!: string;

  @ApiProperty({ example: '2025-07-10' })
  @IsCalendarDate()
  deletedOn!: string;

  @ApiProperty({ example: ['case_file'], description: 'The copies deleted now; may be empty when only temporary files are cleared' })
  @IsArray()
  @ArrayMaxSize(100)
  @Matches(RECORD_ID, { each: true, message: 'copyIds must be copy ids' })
  copyIds!: string[];

  @ApiProperty({ example: true, description: '要點 十一(三)2: temporary files cleared too' })
  @IsBoolean()
  temporaryFilesCleared!: boolean;

  @ApiProperty({ enum: DELETION_METHODS, description: '要點 十一(三)1: paper SHREDDED; electronic SECURE_ERASE or MEDIUM_DESTROYED' })
  @IsIn(DELETION_METHODS)
  method!: (typeof DELETION_METHODS)[number];

  @ApiProperty({ type: () => PerformedByDto })
  @IsDefined()
  @ValidateNested()
  @Type(() => PerformedByDto)
  performedBy!: PerformedByDto;

  @ApiProperty({ type: () => EvidenceDto })
  @IsDefined()
  @ValidateNested()
  @Type(() => EvidenceDto)
  evidence!: EvidenceDto;
}

export class OpenDeletionsQueryDto {
  @ApiPropertyOptional({ example: 'SWD001', description: 'Required for an integrator (one of its agencies)' })
  @IsOptional()
  @Matches(AGENCY_CODE, { message: 'agency must be an agency code' })
  agency?: string;

  @ApiPropertyOptional({ enum: ['json', 'csv'], default: 'json' })
  @IsOptional()
  @IsIn(['json', 'csv'])
  format?: 'json' | 'csv';

  @ApiPropertyOptional({ example: '1204' })
  @IsOptional()
  @Matches(/^\d{1,19}$/, { message: 'minPosition must be a global position (a non-negative integer)' })
  minPosition?: string;
}

