import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { ACCESS_REVIEW_ACTIONS, ACCESS_REVIEW_FINDINGS, AccessReviewAction, AccessReviewFinding } from '@ledger/domain';
import { CommandDto } from '../../common/command.dto';
import { ACCOUNT_ID, AGENCY_CODE, EXAMPLE_ADMIN_ACCOUNT_ID, EXAMPLE_USER_ACCOUNT_ID, RECORD_ID } from '../shared/validators';

export class OpenAccessReviewDto extends CommandDto {
  @ApiProperty({ example: 'SWD001_2025_review', description: 'Client-chosen id of the review' })
  @Matches(RECORD_ID, { message: 'reviewId must be 1–64 letters, digits, "_" or ":"' })
  reviewId!: string;

  @ApiProperty({ example: 'SWD001' })
  @Matches(AGENCY_CODE, { message: 'agencyCode must be 1–32 letters, digits or underscores' })
  agencyCode!: string;

  @ApiProperty({ example: EXAMPLE_ADMIN_ACCOUNT_ID, description: "The agency's active administrator account carrying out the review (要點 六(六))" })
  @Matches(ACCOUNT_ID, { message: 'reviewerAccountId must be <agencyCode>.<ADMIN|USER>.<holderKey>' })
  reviewerAccountId!: string;
}

export class RecordFindingDto extends CommandDto {
  @ApiProperty({ example: EXAMPLE_USER_ACCOUNT_ID, description: "One of the agency's user accounts" })
  @Matches(ACCOUNT_ID, { message: 'accountId must be <agencyCode>.<ADMIN|USER>.<holderKey>' })
  accountId!: string;

  @ApiProperty({ enum: ACCESS_REVIEW_FINDINGS, example: 'CHANGED_DUTIES', description: '要點 六(六): duplicate, idle, changed duties, departed, retired, or fine' })
  @IsIn(ACCESS_REVIEW_FINDINGS)
  finding!: AccessReviewFinding;

  @ApiProperty({ enum: ACCESS_REVIEW_ACTIONS, example: 'ADJUSTED', description: 'Anything but FINE needs an action' })
  @IsIn(ACCESS_REVIEW_ACTIONS)
  action!: AccessReviewAction;

  @ApiPropertyOptional({ example: '已調任社會福利科，撤銷 LI_SALARY' })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  note?: string;
}

export class CloseAccessReviewDto extends CommandDto {}
