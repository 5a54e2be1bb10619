import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayNotEmpty, IsArray, IsBoolean, IsIn, IsNotEmpty, IsObject, IsOptional, IsString, Matches, MaxLength, ValidateNested } from 'class-validator';
import { ACCOUNT_KINDS, AccountKind } from '@ledger/domain';
import { CommandDto } from '../../common/command.dto';
import { ACCOUNT_ID, AGENCY_CODE, EXAMPLE_ADMIN_ACCOUNT_ID, EXAMPLE_PERSON_ID, IsCalendarDate, IsOpaquePersonId, IsTaiwanId, OPERATION_CODE, RECORD_ID } from '../shared/validators';

const APPLICATION_ID_MESSAGE = 'applicationId must be 1–64 letters, digits, "_" or ":"';
const OPERATION_CODES_MESSAGE = 'each operation code must be 1–32 letters, digits, "_" or ":"';

/** The holder in plaintext: validated here, then turned into a keyed hash and ciphertexts before anything is stored. */
export class AccountHolderDto {
  @ApiProperty({ example: 'A123456789', description: 'National ID or resident certificate number; never stored or echoed in clear' })
  @IsTaiwanId()
  nationalId!: string;

  @ApiProperty({ example: '王小明', description: 'Stored only encrypted under the person\'s data key' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name!: string;
}

export class CreateAccountDto extends CommandDto {
  @ApiProperty({ example: 'SWD001' })
  @Matches(AGENCY_CODE, { message: 'agencyCode must be 1–32 letters, digits or underscores' })
  agencyCode!: string;

  @ApiProperty({ enum: ACCOUNT_KINDS, example: 'USER' })
  @IsIn(ACCOUNT_KINDS)
  kind!: AccountKind;

  @ApiProperty({ example: 'SWD001_2025_017', description: 'The completed ADMIN_ACCOUNT_ADD or USER_ACCOUNT_ADD form (要點 五(二))' })
  @Matches(RECORD_ID, { message: APPLICATION_ID_MESSAGE })
  applicationId!: string;

  @ApiProperty({ type: AccountHolderDto })
  @IsObject()
  @ValidateNested()
  @Type(() => AccountHolderDto)
  holder!: AccountHolderDto;

  @ApiProperty({ example: 'egov_wang_sm', description: '我的e政府 government account (要點 五(一))' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  myEGovAccountId!: string;

  @ApiProperty({ example: true, description: 'The MyEGov account is bound to the holder\'s citizen digital certificate (要點 五(一))' })
  @IsBoolean()
  certificateBound!: boolean;

  @ApiProperty({ example: '科員' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  post!: string;

  @ApiProperty({ example: '社會救助科' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  unit!: string;
}

export class GrantAccountQueryItemsDto extends CommandDto {
  @ApiProperty({ example: ['LI_ENROLMENT'], description: 'Codes among those granted to the agency (要點 四)' })
  @IsArray()
  @ArrayNotEmpty()
  @Matches(OPERATION_CODE, { each: true, message: OPERATION_CODES_MESSAGE })
  operationCodes!: string[];

  @ApiProperty({ example: 'SWD001_2025_018', description: 'The USER_QUERY_ITEM_CHANGE form adding them' })
  @Matches(RECORD_ID, { message: APPLICATION_ID_MESSAGE })
  applicationId!: string;
}

export class RevokeAccountQueryItemsDto extends CommandDto {
  @ApiProperty({ example: ['LI_ENROLMENT'] })
  @IsArray()
  @ArrayNotEmpty()
  @Matches(OPERATION_CODE, { each: true, message: OPERATION_CODES_MESSAGE })
  operationCodes!: string[];

  @ApiProperty({ example: '調任他科，已無查調需求', description: 'Least privilege needs a reason, not a form (要點 六(五)(六))' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  reason!: string;
}

export class RecordPostChangeDto extends CommandDto {
  @ApiProperty({ example: '2025-08-01', description: 'The day the move takes effect; the account must be adjusted or disabled by then (要點 六(四)(五))' })
  @IsCalendarDate()
  effectiveDate!: string;

  @ApiPropertyOptional({ example: '專員' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  newPost?: string;

  @ApiPropertyOptional({ example: '社會福利科' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  newUnit?: string;

  @ApiPropertyOptional({ example: EXAMPLE_ADMIN_ACCOUNT_ID, description: 'Administrators only: the successor\'s administrator account (要點 六(四))' })
  @IsOptional()
  @Matches(ACCOUNT_ID, { message: 'successorAccountId must be <agencyCode>.<ADMIN|USER>.<holderKey>' })
  successorAccountId?: string;
}

export class DisableAccountDto extends CommandDto {
  @ApiProperty({ example: '職務異動，由新任管理者承接' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  reason!: string;
}

export class DeleteAccountDto extends DisableAccountDto {
  @ApiProperty({ example: 'SWD001_2025_031', description: 'The completed ADMIN_ACCOUNT_REMOVE or USER_ACCOUNT_REMOVE form' })
  @Matches(RECORD_ID, { message: APPLICATION_ID_MESSAGE })
  applicationId!: string;
}

export class ChangeAccountHolderDto extends CommandDto {
  @ApiProperty({ example: EXAMPLE_PERSON_ID, description: 'Always refused: an account is never handed to another person (要點 六(一))' })
  @IsOpaquePersonId()
  personId!: string;
}
