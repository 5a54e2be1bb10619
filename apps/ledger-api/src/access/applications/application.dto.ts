import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsArray, IsIn, IsNotEmpty, IsObject, IsOptional, IsString, Matches, MaxLength, ValidateNested } from 'class-validator';
import { APPLICATION_KINDS, APPROVAL_STEPS, ApplicationKind, ApprovalStep } from '@ledger/domain';
import { CommandDto } from '../../common/command.dto';
import { ACCOUNT_ID, AGENCY_CODE, EXAMPLE_USER_ACCOUNT_ID, IsTaiwanId, OPERATION_CODE, RECORD_ID } from '../shared/validators';

export class QueryItemChangesDto {
  @ApiPropertyOptional({ example: ['LI_ENROLMENT'], description: 'Operation codes to add' })
  @IsOptional()
  @IsArray()
  @Matches(OPERATION_CODE, { each: true, message: 'each operation code must be 1–32 letters, digits, "_" or ":"' })
  add?: string[];

  @ApiPropertyOptional({ example: [], description: 'Operation codes to remove' })
  @IsOptional()
  @IsArray()
  @Matches(OPERATION_CODE, { each: true, message: 'each operation code must be 1–32 letters, digits, "_" or ":"' })
  remove?: string[];
}

/** Names the holder of an account that does not exist yet; used only to derive the account id, never stored. */
export class ApplicationHolderDto {
  @ApiProperty({ example: 'A123456789', description: 'National ID or resident certificate number; only its keyed hash is kept' })
  @IsTaiwanId()
  nationalId!: string;
}

export class SubmitApplicationDto extends CommandDto {
  @ApiProperty({ example: 'SWD001_2025_017', description: 'Client-chosen id of the form (要點 五(三))' })
  @Matches(RECORD_ID, { message: 'applicationId must be 1–64 letters, digits, "_" or ":"' })
  applicationId!: string;

  @ApiProperty({ example: 'SWD001' })
  @Matches(AGENCY_CODE, { message: 'agencyCode must be 1–32 letters, digits or underscores' })
  agencyCode!: string;

  @ApiProperty({ enum: APPLICATION_KINDS, example: 'USER_ACCOUNT_ADD', description: '要點 五(二)' })
  @IsIn(APPLICATION_KINDS)
  kind!: ApplicationKind;

  @ApiPropertyOptional({ example: EXAMPLE_USER_ACCOUNT_ID, description: 'Account forms about an existing account: the account concerned' })
  @IsOptional()
  @Matches(ACCOUNT_ID, { message: 'accountId must be <agencyCode>.<ADMIN|USER>.<holderKey>' })
  accountId?: string;

  @ApiPropertyOptional({ type: ApplicationHolderDto, description: 'Account forms, instead of accountId: the holder, from whom the ledger derives the account id' })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => ApplicationHolderDto)
  holder?: ApplicationHolderDto;

  @ApiPropertyOptional({ type: QueryItemChangesDto, description: 'Item-change forms: operation codes to add and remove' })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => QueryItemChangesDto)
  queryItems?: QueryItemChangesDto;
}

export class ApplicationStepDto extends CommandDto {
  @ApiProperty({ enum: APPROVAL_STEPS, example: 'SUPERVISOR', description: 'The step being signed; must be the next one in the chain' })
  @IsIn(APPROVAL_STEPS)
  step!: ApprovalStep;
}

export class RejectApplicationStepDto extends ApplicationStepDto {
  @ApiProperty({ example: '申請事由與業務職掌不符' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  reason!: string;
}
