import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsNotEmpty, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { CommandDto } from '../../common/command.dto';
import { OPERATION_CODE, RECORD_ID } from '../shared/validators';

const DECISIONS = ['APPROVED', 'REJECTED'] as const;

export class ApplyForQueryItemDto extends CommandDto {
  @ApiProperty({ example: 'LI_ENROLMENT', description: 'BLI operation code (作業代號)' })
  @Matches(OPERATION_CODE, { message: 'operationCode must be 1–32 letters, digits, "_" or ":"' })
  operationCode!: string;

  @ApiProperty({ example: '社會救助法第44條之3', description: '要點 四: legal basis' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  legalBasis!: string;

  @ApiProperty({ example: '低收入戶及中低收入戶資格審核', description: '要點 四: business scope' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  businessScope!: string;

  @ApiProperty({ example: '審核申請人之工作收入', description: '要點 四: purpose' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  purpose!: string;

  @ApiProperty({ example: 'SWD001_2025_items', description: 'The AGENCY_QUERY_ITEM_CHANGE application requesting this code, signed by the supervisor' })
  @Matches(RECORD_ID, { message: 'applicationId must be 1–64 letters, digits, "_" or ":"' })
  applicationId!: string;
}

export class ReviewQueryItemDto extends CommandDto {
  @ApiProperty({ enum: DECISIONS, example: 'APPROVED' })
  @IsIn(DECISIONS)
  decision!: (typeof DECISIONS)[number];

  @ApiPropertyOptional({ example: '業務範圍與查調項目不符', description: 'Required when REJECTED' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;
}

export class SubmitQueryItemToBliDto extends CommandDto {
  @ApiPropertyOptional({ example: '北市資綜字第1140034567號', description: "The central admin's letter to BLI" })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  reference?: string;
}

export class RecordBliResultDto extends CommandDto {
  @ApiProperty({ enum: DECISIONS, example: 'APPROVED' })
  @IsIn(DECISIONS)
  result!: (typeof DECISIONS)[number];

  @ApiPropertyOptional({ example: '保資字第1140045678號', description: "BLI's reply" })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  reference?: string;

  @ApiPropertyOptional({ example: '法律依據不足', description: 'Required when REJECTED' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;
}

export class GrantQueryItemDto extends CommandDto {}

export class TerminateQueryItemDto extends CommandDto {
  @ApiProperty({ example: '法令修正，已無資料介接需求', description: '要點 九(三)' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  reason!: string;

  @ApiPropertyOptional({ example: '北市資綜字第1140056789號', description: 'The letter asking BLI to end the operation' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  reference?: string;
}

export class RecordUsageReviewDto extends CommandDto {
  @ApiProperty({ example: true, description: '要點 九(三): is the operation still needed?' })
  @IsBoolean()
  stillNeeded!: boolean;

  @ApiPropertyOptional({ example: '114 年度共查詢 1,284 筆，仍有需求' })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  note?: string;
}
