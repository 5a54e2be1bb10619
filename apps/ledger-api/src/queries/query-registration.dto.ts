import { ApiProperty, IntersectionType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsDefined, IsString, Matches, MaxLength, ValidateNested } from 'class-validator';
import { CommandDto } from '../common/command.dto';
import { INSTANT_FORMAT, IsInstantWithOffset } from '../common/time-fields';
import { ACCOUNT_ID, AGENCY_CODE, EXAMPLE_USER_ACCOUNT_ID, IsTaiwanId, OPERATION_CODE, RECORD_ID } from '../access/shared/validators';

export const MAX_BATCH = 1000;

/**
 * The subject's number sits under the key `nationalId`, the one key the input check lets carry a
 * national ID (every other field, 事由 and 案號 included, is refused when it contains one).
 */
export class QuerySubjectDto {
  @ApiProperty({ example: 'A123456789', description: 'National ID or resident certificate number' })
  @IsTaiwanId()
  nationalId!: string;
}

/** One 查詢資料登記表 entry (要點 九(一)). */
export class QueryRegistrationFields {
  @ApiProperty({ example: 'SWD001_2025_000123', description: 'Client-chosen id of the registration; sending it again appends nothing' })
  @Matches(RECORD_ID, { message: 'registrationId must be 1–64 letters, digits, "_" or ":"' })
  registrationId!: string;

  @ApiProperty({ example: 'SWD001' })
  @Matches(AGENCY_CODE, { message: 'agencyCode must be 1–32 letters, digits or underscores' })
  agencyCode!: string;

  @ApiProperty({ example: EXAMPLE_USER_ACCOUNT_ID, description: 'The WebIR account that will make the query' })
  @Matches(ACCOUNT_ID, { message: 'accountId must be <agencyCode>.<ADMIN|USER>.<holderKey>' })
  accountId!: string;

  @ApiProperty({ example: 'LI_ENROLMENT', description: 'Query item: BLI operation code (作業代號)' })
  @Matches(OPERATION_CODE, { message: 'operationCode must be 1–32 letters, digits, "_" or ":"' })
  operationCode!: string;

  @ApiProperty({ example: '2025-03-05T09:30:00+08:00', description: `Planned query time. ${INSTANT_FORMAT}` })
  @IsInstantWithOffset()
  plannedAt!: string;

  @ApiProperty({ example: '114社救字第0123號', description: '案號' })
  @IsString()
  @MaxLength(64)
  caseNumber!: string;

  @ApiProperty({ example: '低收入戶資格審查', description: '事由 (free text; a national ID inside it is refused)' })
  @IsString()
  @MaxLength(1000)
  reason!: string;

  @ApiProperty({ type: () => QuerySubjectDto, description: '被查詢者查詢條件 (要點 九(一)): encrypted before it is stored; never returned' })
  @IsDefined()
  @ValidateNested()
  @Type(() => QuerySubjectDto)
  subject!: QuerySubjectDto;
}

export class RegisterQueryDto extends IntersectionType(CommandDto, QueryRegistrationFields) {}

export class RegisterQueryBatchDto extends CommandDto {
  @ApiProperty({ type: [QueryRegistrationFields], description: `1–${MAX_BATCH} registrations, each with its own outcome` })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_BATCH)
  @ValidateNested({ each: true })
  @Type(() => QueryRegistrationFields)
  registrations!: QueryRegistrationFields[];
}
