import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class QueryItemStateView {
  @ApiProperty({ example: 'GRANTED', enum: ['APPLIED', 'APPROVED_BY_COMPETENT_AUTHORITY', 'SUBMITTED_TO_BLI', 'APPROVED_BY_BLI', 'GRANTED', 'REFUSED', 'TERMINATED'] })
  status!: string;

  @ApiPropertyOptional({ example: 'SWD001' })
  agencyCode?: string;

  @ApiPropertyOptional({ example: 'LI_ENROLMENT' })
  operationCode?: string;

  @ApiPropertyOptional({ example: '社會救助法第44條之3' })
  legalBasis?: string;

  @ApiPropertyOptional({ example: '低收入戶及中低收入戶資格審核' })
  businessScope?: string;

  @ApiPropertyOptional({ example: '審核申請人之工作收入' })
  purpose?: string;

  @ApiPropertyOptional({ example: 'SWD001_2025_items' })
  applicationId?: string;

  @ApiPropertyOptional({ example: 1 })
  round?: number;

  @ApiPropertyOptional({ example: ['SWD001_2025_items'] })
  usedApplicationIds?: string[];
}

export class QueryItemView {
  @ApiProperty({ example: 'queryitem-SWD001.LI_ENROLMENT' })
  streamId!: string;

  @ApiProperty({ example: 4 })
  revision!: number;

  @ApiProperty({ type: QueryItemStateView })
  state!: QueryItemStateView;
}

export const QUERY_ITEM_VIEW_EXAMPLE = {
  streamId: 'queryitem-SWD001.LI_ENROLMENT',
  revision: 4,
  state: {
    status: 'GRANTED',
    agencyCode: 'SWD001',
    operationCode: 'LI_ENROLMENT',
    legalBasis: '社會救助法第44條之3',
    businessScope: '低收入戶及中低收入戶資格審核',
    purpose: '審核申請人之工作收入',
    applicationId: 'SWD001_2025_items',
    round: 1,
    usedApplicationIds: ['SWD001_2025_items'],
  },
};
