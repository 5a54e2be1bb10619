import { ApiProperty } from '@nestjs/swagger';
import { EXAMPLE_USER_ACCOUNT_ID } from '../shared/validators';

export class AccessReviewStateView {
  @ApiProperty({ example: 'CLOSED', enum: ['OPEN', 'CLOSED'] })
  status!: string;

  @ApiProperty({ example: 'SWD001_2025_review' })
  reviewId!: string;

  @ApiProperty({ example: 'SWD001' })
  agencyCode!: string;

  @ApiProperty({ example: { [EXAMPLE_USER_ACCOUNT_ID]: { finding: 'CHANGED_DUTIES', action: 'ADJUSTED' } }, description: 'Finding and action per user account' })
  findings!: Record<string, { finding: string; action: string }>;
}

export class AccessReviewView {
  @ApiProperty({ example: 'accessreview-SWD001_2025_review' })
  streamId!: string;

  @ApiProperty({ example: 2 })
  revision!: number;

  @ApiProperty({ type: AccessReviewStateView })
  state!: AccessReviewStateView;
}

export const ACCESS_REVIEW_VIEW_EXAMPLE = {
  streamId: 'accessreview-SWD001_2025_review',
  revision: 2,
  state: {
    status: 'CLOSED',
    reviewId: 'SWD001_2025_review',
    agencyCode: 'SWD001',
    findings: { [EXAMPLE_USER_ACCOUNT_ID]: { finding: 'CHANGED_DUTIES', action: 'ADJUSTED' } },
  },
};
